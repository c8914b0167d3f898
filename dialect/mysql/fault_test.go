package mysql_test

import (
	"context"
	stdsql "database/sql"
	"testing"

	driver "github.com/go-sql-driver/mysql"

	"github.com/unitofwork/orm/dialect/mysql"
	"github.com/unitofwork/orm/internal/faultdb"
)

var faults = faultdb.Register("mysql-fault", &driver.MySQLDriver{})

// TestFailEveryCall runs the fail-every-call loop (faultdb.Run) on MySQL or
// MariaDB.
func TestFailEveryCall(t *testing.T) {
	serverDSN(t)
	faultdb.Run(t, faults, func(t *testing.T) faultdb.Target {
		cfg, err := driver.ParseDSN(database(t))
		if err != nil {
			t.Fatal(err)
		}
		cfg.ClientFoundRows, cfg.ParseTime = true, true
		db, err := stdsql.Open("mysql-fault", cfg.FormatDSN())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		be, err := mysql.New(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		return faultdb.Target{Backend: be, Raw: db}
	})
}
