package postgres_test

import (
	"context"
	stdsql "database/sql"
	"testing"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/postgres"
	"github.com/unitofwork/orm/ormtest"
)

// TestDatabaseSQLPath runs the raw SQL, read-only and UUID tests on a backend
// over database/sql (postgres.New) rather than the native pgx pool: both
// paths scan raw rows by column name, send BEGIN READ ONLY and bind UUIDs
// as [16]byte (database/sql hands them back as text).
func TestDatabaseSQLPath(t *testing.T) {
	serverDSN(t)
	open := func(t testing.TB) orm.Backend {
		dsn, _ := newSchema(t)
		db, err := stdsql.Open("pgx", dsn) // registered by package postgres
		if err != nil {
			t.Fatal(err)
		}
		if err := db.PingContext(context.Background()); err != nil {
			t.Fatal(err)
		}
		b := postgres.New(db)
		t.Cleanup(func() { b.Close() })
		return b
	}
	ormtest.Run(t, open, ormtest.Only("RawSelect", "RawInTransaction", "RawOutsideTransaction", "RawSelectScalar",
		"RawSelectMissingField", "RawErrors", "ReadOnly", "ReadOnlyRawWrite", "ReadOnlyNested", "UUIDKeys"))
}
