package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/postgres"
	"github.com/unitofwork/orm/ormtest"
	"github.com/unitofwork/orm/sql"
)

// serverDSN returns ORM_POSTGRES_DSN or skips the test.
func serverDSN(t testing.TB) string {
	dsn := os.Getenv("ORM_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("ORM_POSTGRES_DSN not set: PostgreSQL tests skipped (set it to a server DSN, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	return dsn
}

// withSearchPath adds search_path to a URL or key=value DSN.
func withSearchPath(dsn, schema string) string {
	if strings.Contains(dsn, "://") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		return dsn + sep + "search_path=" + schema
	}
	return dsn + " search_path=" + schema
}

// open creates a schema of its own on the server for one test and drops it
// afterwards.
func open(t testing.TB) orm.Backend {
	b, _ := openSchema(t)
	return b
}

func openSchema(t testing.TB) (*sql.Backend, string) {
	dsn, schema := newSchema(t)
	b, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, schema
}

// newSchema creates a schema of its own on the server for one test, drops
// it afterwards, and returns a DSN whose search_path names it.
func newSchema(t testing.TB) (dsn, schema string) {
	return newSchemaOn(t, serverDSN(t))
}

// newSchemaOn creates a schema of its own on the server at dsn for one
// test, drops it afterwards, and returns dsn with a search_path naming it.
func newSchemaOn(t testing.TB, dsn string) (string, string) {
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connecting to %s: %v", dsn, err)
	}
	var buf [6]byte
	rand.Read(buf[:])
	schema := "orm_test_" + hex.EncodeToString(buf[:])
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
		admin.Close(ctx)
	})
	return withSearchPath(dsn, schema), schema
}

func TestConformance(t *testing.T) {
	serverDSN(t)
	t.Run("postgres", func(t *testing.T) { ormtest.Run(t, open) })
}
