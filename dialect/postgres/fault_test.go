package postgres_test

import (
	stdsql "database/sql"
	"testing"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/unitofwork/orm/dialect/postgres"
	"github.com/unitofwork/orm/internal/faultdb"
)

var faults = faultdb.Register("pgx-fault", stdlib.GetDefaultDriver())

// TestFailEveryCall runs the fail-every-call loop (faultdb.Run) on
// PostgreSQL through database/sql and pgx's stdlib driver.
func TestFailEveryCall(t *testing.T) {
	serverDSN(t)
	faultdb.Run(t, faults, func(t *testing.T) faultdb.Target {
		dsn, _ := newSchema(t)
		db, err := stdsql.Open("pgx-fault", dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return faultdb.Target{Backend: postgres.New(db), Raw: db}
	})
}
