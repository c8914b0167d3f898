package mysql_test

import (
	"context"
	"crypto/rand"
	stdsql "database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	driver "github.com/go-sql-driver/mysql"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/mysql"
	"github.com/unitofwork/orm/ormtest"
)

// serverDSN returns ORM_MYSQL_DSN or skips the test.
func serverDSN(t testing.TB) string {
	dsn := os.Getenv("ORM_MYSQL_DSN")
	if dsn == "" {
		t.Skip("ORM_MYSQL_DSN not set: MySQL/MariaDB tests skipped (set it to a server DSN, e.g. root@tcp(127.0.0.1:3306)/test)")
	}
	return dsn
}

// database creates a database of its own on the server for one test, drops
// it afterwards, and returns the DSN naming it.
func database(t testing.TB) string {
	return databaseOn(t, serverDSN(t))
}

// databaseOn creates a database of its own on the server at dsn for one
// test, drops it afterwards, and returns the DSN naming it.
func databaseOn(t testing.TB, dsn string) string {
	admin, err := stdsql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	var buf [6]byte
	rand.Read(buf[:])
	name := "orm_test_" + hex.EncodeToString(buf[:])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("creating a database on %s: %v", dsn, err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE " + name); err != nil {
			t.Errorf("dropping database %s: %v", name, err)
		}
		admin.Close()
	})
	cfg, err := driver.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = name
	return cfg.FormatDSN()
}

func opener(opts ...mysql.Option) ormtest.Opener { return openerAt(database, opts...) }

// openerAt opens backends on the databases dsn makes.
func openerAt(dsn func(testing.TB) string, opts ...mysql.Option) ormtest.Opener {
	return func(t testing.TB) orm.Backend {
		b, err := mysql.Open(context.Background(), dsn(t), opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	}
}

func TestConformance(t *testing.T) {
	serverDSN(t)
	name := "mysql"
	if b, err := mysql.Open(context.Background(), database(t)); err == nil {
		name = b.Dialect().Name()
		b.Close()
	}
	t.Run(name, func(t *testing.T) { ormtest.Run(t, opener()) })
	t.Run("mysql-mode", func(t *testing.T) { ormtest.Run(t, opener(mysql.WithoutReturning(), mysql.WithBinaryUUID())) })
	if dsns := os.Getenv("ORM_GALERA_DSNS"); dsns != "" {
		// One node of the Galera cluster, whose auto_increment_increment
		// is the cluster size, in MySQL mode: keys from LastInsertId.
		node := strings.Split(dsns, ",")[0]
		onNode := func(t testing.TB) string { return databaseOn(t, node) }
		t.Run("galera-mysql-mode", func(t *testing.T) {
			ormtest.Run(t, openerAt(onNode, mysql.WithoutReturning(), mysql.WithBinaryUUID()))
		})
	}
}
