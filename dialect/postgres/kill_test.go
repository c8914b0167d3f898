package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/postgres"
	"github.com/unitofwork/orm/sql"
)

// Gadget is written by a flush whose connection gets killed.
type Gadget struct {
	ID   int64
	Name string
}

// TestKilledConnectionMidFlush terminates the flushing connection between
// two statements of a flush: the flush fails, nothing of it is written, and
// the same Session flushes successfully afterwards.
func TestKilledConnectionMidFlush(t *testing.T) {
	ctx := context.Background()
	b, _, app := killable(t)
	admin, err := pgx.Connect(ctx, serverDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var kill atomic.Bool
	killed := 0
	db, s, c := withCounter(t, b, orm.Entities(&Gadget{}), orm.WithQueryHook(func(_ context.Context, e orm.QueryEvent) {
		if kill.Load() && strings.HasPrefix(e.Statement, "INSERT") {
			kill.Store(false)
			var n int
			err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
				WHERE application_name = $1 AND state = 'idle in transaction'`, app).Scan(&n)
			if err != nil {
				t.Errorf("terminating: %v", err)
			}
			killed = n
		}
	}))
	// Two statements: an INSERT, then the UPDATE the killed connection
	// never gets to send.
	g := &Gadget{Name: "g"}
	s.Persist(g)
	c.N = 5
	kill.Store(true)
	err = s.Flush(ctx)
	if err == nil || killed != 1 {
		t.Fatalf("Flush with its connection killed = %v (%d killed); want an error", err, killed)
	}
	var le *orm.OptimisticLockError
	if errors.As(err, &le) {
		t.Fatalf("a lost connection reported as %v", err)
	}
	if !errors.Is(err, orm.ErrRetryable) {
		t.Errorf("a connection lost mid-transaction: %v; want an error matching orm.ErrRetryable", err)
	}
	t.Logf("the flush failed with: %v", err)
	if g.ID != 0 {
		t.Errorf("the failed flush left key %d", g.ID)
	}
	check := db.Session()
	if n, err := orm.Repo[Gadget](check).Count(ctx, nil); err != nil || n != 0 {
		t.Errorf("%d gadgets after the failed flush, %v; want 0", n, err)
	}
	if got, err := orm.Repo[Counter](check).Get(ctx, c.ID); err != nil || got.N != 0 {
		t.Errorf("counter after the failed flush = %v, %v; want 0", got, err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("retrying the flush: %v", err)
	}
	check = db.Session()
	if n, _ := orm.Repo[Gadget](check).Count(ctx, nil); n != 1 {
		t.Errorf("%d gadgets after the retry; want 1", n)
	}
	if got, _ := orm.Repo[Counter](check).Get(ctx, c.ID); got.N != 5 {
		t.Errorf("counter after the retry = %d; want 5", got.N)
	}
}

// TestKilledConnectionSingleStatement terminates the connection of a flush
// that sends one statement, outside a transaction, while the statement
// waits for a row lock: the statement commits itself if it completes, so
// the flush cannot know whether it did and says so with
// *orm.CommitUnknownError, which Retry never reruns.
func TestKilledConnectionSingleStatement(t *testing.T) {
	ctx := context.Background()
	b, dsn, app := killable(t)
	_, s, c := withCounter(t, b)
	// Another connection holds the row's lock.
	locker, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close(ctx)
	ltx, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ltx.Rollback(ctx)
	if _, err := ltx.Exec(ctx, `SELECT * FROM counter WHERE id = $1 FOR UPDATE`, c.ID); err != nil {
		t.Fatal(err)
	}
	c.N = 5
	done := make(chan error, 1)
	go func() { done <- s.Flush(ctx) }()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	killed := 0
	for range 500 { // until the UPDATE waits for the lock: at most 5 s
		err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE application_name = $1 AND wait_event_type = 'Lock'`, app).Scan(&killed)
		if err != nil {
			t.Fatal(err)
		}
		if killed > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if killed != 1 {
		t.Fatalf("the UPDATE never waited for the lock (%d terminated)", killed)
	}
	err = <-done
	var unknown *orm.CommitUnknownError
	if !errors.As(err, &unknown) {
		t.Fatalf("Flush of one statement whose connection was killed = %v; want *orm.CommitUnknownError", err)
	}
	t.Logf("the flush failed with: %v", err)
	if err := s.Transaction(ctx, func(ctx context.Context, s *orm.Session) error { return unknown }, orm.Retry(3)); !errors.As(err, &unknown) {
		t.Errorf("Transaction with Retry on %v returned %v", unknown, err)
	}
}

// killable opens a backend on a schema of its own whose connections carry
// an application name of their own, for pg_terminate_backend to find.
func killable(t *testing.T) (b *sql.Backend, dsn, app string) {
	dsn, _ = newSchema(t)
	var buf [4]byte
	rand.Read(buf[:])
	app = "orm_kill_" + hex.EncodeToString(buf[:])
	b, err := postgres.Open(context.Background(), dsn+"&application_name="+app)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, dsn, app
}

// withCounter opens a DB on b for Counter (and what opts add), creates the
// schema and stores one Counter, returning the Session that holds it.
func withCounter(t *testing.T, b orm.Backend, opts ...orm.Option) (*orm.DB, *orm.Session, *Counter) {
	ctx := context.Background()
	db, err := orm.Open(b, append([]orm.Option{orm.Entities(&Counter{})}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	s := db.Session()
	c := &Counter{}
	s.Persist(c)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	return db, s, c
}
