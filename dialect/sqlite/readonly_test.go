package sqlite_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/sqlite"
	"github.com/unitofwork/orm/sql"
)

// Memo is a row of the one-connection tests.
type Memo struct {
	ID   int64
	Text string
}

// TestReadOnlyOneConnection: on an in-memory database, which has one
// connection, raw SQL inside a Transaction runs on the transaction's
// connection rather than waiting for it (it used to fail with SQLITE_BUSY
// after the busy timeout); a read-only transaction refuses writes with
// ErrReadOnly through PRAGMA query_only, and the one connection accepts
// writes again after it, whether it committed, rolled back or its context
// ended.
func TestReadOnlyOneConnection(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second) // SQLITE_BUSY would take 10 s
	defer cancel()
	b, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db, err := orm.Open(b, orm.Entities(&Memo{}))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	s := db.Session()
	insert := `INSERT INTO memo (text) VALUES (?)`
	err = s.Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
		_, err := sql.Exec(ctx, s, insert, "in a transaction")
		return err
	})
	if err != nil {
		t.Fatalf("raw INSERT inside a Transaction on one connection: %v", err)
	}
	ends := map[string]func(ctx context.Context, cancel func()) error{
		"commit":   func(context.Context, func()) error { return nil },
		"rollback": func(context.Context, func()) error { return errors.New("boom") },
		"context ended": func(ctx context.Context, cancel func()) error {
			cancel()
			return ctx.Err()
		},
	}
	for name, end := range ends {
		txCtx, txCancel := context.WithCancel(ctx)
		err := s.Transaction(txCtx, func(ctx context.Context, s *orm.Session) error {
			if _, err := sql.Exec(ctx, s, insert, "refused"); !errors.Is(err, orm.ErrReadOnly) {
				t.Errorf("%s: INSERT in a read-only transaction: %v; want ErrReadOnly", name, err)
			}
			return end(ctx, txCancel)
		}, orm.ReadOnly())
		txCancel()
		if name == "commit" && err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := sql.Exec(ctx, s, insert, "after "+name); err != nil {
			t.Errorf("INSERT after a read-only transaction's %s: %v", name, err)
		}
	}
	n, err := sql.Select[int64](ctx, s, `SELECT COUNT(*) FROM memo`)
	if err != nil || n[0] != 4 {
		t.Errorf("COUNT(*) = %v, %v; want 4", n, err)
	}
}

// TestReadOnlyBesideWriter: on a file database in WAL mode a read-only
// transaction takes no write lock: it runs, and reads the last committed
// rows, while another Session's write transaction is open.
func TestReadOnlyBesideWriter(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	db, err := orm.Open(open(t), orm.Entities(&Memo{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	read := make(chan error)
	err = db.Session().Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
		if _, err := sql.Exec(ctx, s, `INSERT INTO memo (text) VALUES (?)`, "uncommitted"); err != nil {
			return err
		}
		go func() {
			read <- db.Session().Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
				n, err := sql.Select[int64](ctx, s, `SELECT COUNT(*) FROM memo`)
				if err == nil && n[0] != 0 {
					err = errors.New("the read-only transaction saw the uncommitted row")
				}
				return err
			}, orm.ReadOnly())
		}()
		return <-read
	})
	if err != nil {
		t.Fatalf("read-only transaction beside an open writer: %v", err)
	}
}
