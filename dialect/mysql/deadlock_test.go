package mysql_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/mysql"
	"github.com/unitofwork/orm/ormtest"
)

// Account is what two transactions deadlock on.
type Account struct {
	ID      int64
	Balance int
}

// Transfer is inserted beside an update, so that a flush sends two
// statements and runs in a savepoint of the Session's transaction.
type Transfer struct {
	ID     int64
	Amount int
}

// records is a slog handler that keeps every record.
type records struct {
	mu  sync.Mutex
	all []slog.Record
}

func (h *records) Enabled(context.Context, slog.Level) bool { return true }
func (h *records) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *records) WithGroup(string) slog.Handler            { return h }
func (h *records) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.all = append(h.all, r.Clone())
	h.mu.Unlock()
	return nil
}

// errors returns the text of the records logged at ERROR.
func (h *records) errors() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, r := range h.all {
		if r.Level < slog.LevelError {
			continue
		}
		s := r.Message
		r.Attrs(func(a slog.Attr) bool { s += " " + a.String(); return true })
		out = append(out, s)
	}
	return out
}

// TestDeadlockInSavepoint makes two Sessions' transactions deadlock (1213)
// on a statement sent inside a savepoint — a nested Transaction, or a flush
// of two statements — with Retry. The server has rolled the victim's whole
// transaction back, so no ROLLBACK TO SAVEPOINT may follow (it fails with
// 1305); the deadlock is the only error logged, it reaches Retry as
// orm.ErrRetryable, and both transactions commit in the end — also when
// the function ignores the nested Transaction's error and goes on: the
// outer transaction is over on the server, so it must not commit.
func TestDeadlockInSavepoint(t *testing.T) {
	serverDSN(t)
	for _, mode := range []struct {
		name string
		opts []mysql.Option
	}{{"returning", nil}, {"mysql-mode", []mysql.Option{mysql.WithoutReturning()}}} {
		for _, variant := range []string{"nested transaction", "flush", "error ignored"} {
			t.Run(mode.name+"/"+variant, func(t *testing.T) {
				testDeadlock(t, opener(mode.opts...)(t), variant)
			})
		}
	}
}

func testDeadlock(t *testing.T, b orm.Backend, variant string) {
	flush := variant == "flush"
	ctx := context.Background()
	rec := &ormtest.Recorder{}
	logs := &records{}
	db, err := orm.Open(b, orm.Entities(&Account{}, &Transfer{}), rec.Hook(), orm.WithLogger(slog.New(logs)))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	s := db.Session()
	a, c := &Account{Balance: 10}, &Account{Balance: 10}
	s.Persist(a, c)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	rec.Reset()

	// Each transaction updates its first account, waits until the other
	// has updated its own (first attempt only), then updates the other's
	// inside a savepoint: a lock cycle, which the server breaks by rolling
	// one of them back.
	var ready sync.WaitGroup
	ready.Add(2)
	run := func(first, second int64) error {
		s := db.Session()
		attempt := 0
		return s.Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
			attempt++
			r := orm.Repo[Account](s)
			x, err := r.Get(ctx, first)
			if err != nil {
				return err
			}
			x.Balance--
			if err := s.Flush(ctx); err != nil {
				return err
			}
			if attempt == 1 {
				ready.Done()
				ready.Wait()
			}
			y, err := r.Get(ctx, second)
			if err != nil {
				return err
			}
			y.Balance++
			if flush {
				s.Persist(&Transfer{Amount: 1})
				return s.Flush(ctx) // INSERT and UPDATE: a savepoint
			}
			err = s.Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
				return s.Flush(ctx)
			})
			if err != nil && !errors.Is(err, orm.ErrRetryable) {
				t.Errorf("nested Transaction = %v; want an error matching orm.ErrRetryable", err)
			}
			if variant == "error ignored" {
				return nil
			}
			return err
		}, orm.Retry(5))
	}
	errs := make(chan error, 2)
	go func() { errs <- run(a.ID, c.ID) }()
	go func() { errs <- run(c.ID, a.ID) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("Transaction with Retry(5) = %v; want both to commit", err)
		}
	}

	deadlocks := 0
	for _, ev := range rec.Events() {
		switch {
		case ev.Err != nil && strings.Contains(ev.Err.Error(), "1213"):
			deadlocks++
		case ev.Err != nil:
			t.Errorf("%s failed: %v; want no failure but the deadlock", ev.Statement, ev.Err)
		}
		if strings.HasPrefix(ev.Statement, "ROLLBACK TO SAVEPOINT") {
			t.Errorf("sent %q after the deadlock rolled the transaction back", ev.Statement)
		}
	}
	if deadlocks == 0 {
		t.Fatalf("no deadlock happened; statements %q", rec.Statements())
	}
	for _, l := range logs.errors() {
		if !strings.Contains(l, "1213") {
			t.Errorf("logged at ERROR: %s; want only the deadlock", l)
		}
	}
	got, err := orm.Repo[Account](db.Session()).Find(ctx, nil, orm.OrderBy("ID"))
	if err != nil {
		t.Fatal(err)
	}
	var balances []int
	for _, x := range got {
		balances = append(balances, x.Balance)
	}
	if len(balances) != 2 || balances[0] != 10 || balances[1] != 10 {
		t.Errorf("balances %v; want [10 10] (each transaction took one and gave one)", balances)
	}
	n, err := orm.Repo[Transfer](db.Session()).Count(ctx, nil)
	if want := map[bool]int64{true: 2, false: 0}[flush]; err != nil || n != want {
		t.Errorf("%d transfers, %v; want %d", n, err, want)
	}
}
