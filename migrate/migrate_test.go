package migrate_test

import (
	"context"
	"crypto/rand"
	stdsql "database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	driver "github.com/go-sql-driver/mysql"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/mysql"
	"github.com/unitofwork/orm/dialect/postgres"
	"github.com/unitofwork/orm/dialect/sqlite"
)

// server opens a fresh database of one kind for one test: a connection
// string that the test's every Open reaches the same, empty database by.
type server struct {
	name string
	dsn  func(t *testing.T) string
	open func(ctx context.Context, dsn string) (orm.Backend, error)
}

func servers() []server {
	return []server{
		{"sqlite", func(t *testing.T) string { return "file:" + filepath.Join(t.TempDir(), "db.sqlite") },
			func(ctx context.Context, dsn string) (orm.Backend, error) { return sqlite.Open(ctx, dsn) }},
		{"postgres", pgSchema, func(ctx context.Context, dsn string) (orm.Backend, error) { return postgres.Open(ctx, dsn) }},
		{"mariadb", myDatabase, func(ctx context.Context, dsn string) (orm.Backend, error) { return mysql.Open(ctx, dsn) }},
		{"mysql-mode", myDatabase, func(ctx context.Context, dsn string) (orm.Backend, error) {
			return mysql.Open(ctx, dsn, mysql.WithoutReturning())
		}},
	}
}

// forEach runs fn on every server whose DSN is set.
func forEach(t *testing.T, fn func(t *testing.T, s server)) {
	for _, s := range servers() {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			fn(t, s)
		})
	}
}

func suffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// pgSchema creates a schema for one test and returns a DSN whose
// search_path names it.
func pgSchema(t *testing.T) string {
	dsn := os.Getenv("ORM_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("ORM_POSTGRES_DSN not set: PostgreSQL migrations skipped")
	}
	admin, err := stdsql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	name := "orm_mig_" + suffix()
	if _, err := admin.Exec("CREATE SCHEMA " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + name + " CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", name, err)
		}
		admin.Close()
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + name
}

// myDatabase creates a database for one test and returns a DSN naming it.
func myDatabase(t *testing.T) string {
	dsn := os.Getenv("ORM_MYSQL_DSN")
	if dsn == "" {
		t.Skip("ORM_MYSQL_DSN not set: MySQL/MariaDB migrations skipped")
	}
	admin, err := stdsql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	name := "orm_mig_" + suffix()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
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

// openWith opens the test's database with the given entities.
func openWith(t *testing.T, s server, dsn string, entities ...any) *orm.DB {
	t.Helper()
	b, err := s.open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	db, err := orm.Open(b, orm.Entities(entities...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
