package postgres_test

import (
	"context"
	"crypto/rand"
	stdsql "database/sql"
	"encoding/hex"
	"net"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
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
		db, err := stdsql.Open("pgx-fault", faultSchema(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return faultdb.Target{Backend: postgres.New(db), Raw: db}
	})
}

var netFaults = &faultdb.NetInjector{}

// TestFailEveryCallNative runs the fail-every-call loop (faultdb.Run) on
// the native path postgres.Open takes, a pgx pool without database/sql,
// failing each network write of the pool's connections in turn
// (faultdb.NetInjector). The images are read on connections of their own.
func TestFailEveryCallNative(t *testing.T) {
	serverDSN(t)
	faultdb.Run(t, netFaults, func(t *testing.T) faultdb.Target {
		ctx := context.Background()
		dsn := faultSchema(t)
		cfg, err := pgxpool.ParseConfig(dsn)
		if err != nil {
			t.Fatal(err)
		}
		cfg.ConnConfig.AfterNetConnect = func(_ context.Context, _ *pgconn.Config, c net.Conn) (net.Conn, error) {
			return netFaults.Wrap(c), nil
		}
		// A connection idle for a second is pinged when acquired: a write
		// of its own, which would shift the count.
		cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := stdsql.Open("pgx", dsn)
		if err != nil {
			pool.Close()
			t.Fatal(err)
		}
		return faultdb.Target{
			Backend: postgres.FromPool(pool),
			Raw:     raw,
			InUse:   func() int { return int(pool.Stat().AcquiredConns()) },
			Close:   func() { pool.Close(); raw.Close() },
		}
	})
}

// faultSchema creates a schema of its own for one run of the loop and
// returns a DSN that uses it; the schema is dropped when the test ends. It
// holds no connection meanwhile: the loop makes a schema for every call of
// the flush.
func faultSchema(t *testing.T) string {
	dsn := serverDSN(t)
	ctx := context.Background()
	admin := func(stmt string) error {
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer c.Close(ctx)
		_, err = c.Exec(ctx, stmt)
		return err
	}
	var buf [6]byte
	rand.Read(buf[:])
	schema := "orm_fault_" + hex.EncodeToString(buf[:])
	if err := admin("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := admin("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	return withSearchPath(dsn, schema)
}
