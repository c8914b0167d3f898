package ormtest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/sql"
)

func testHooks(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	ev := &event{Name: "launch"}
	s.Persist(ev)
	e.flush(s)
	if want := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC); !ev.CreatedAt.Equal(want) {
		t.Errorf("BeforeCreate: CreatedAt = %v; want %v", ev.CreatedAt, want)
	}
	ev.Name = "relaunch"
	e.flush(s)
	got, err := orm.Repo[event](e.db.Session()).Get(e.ctx, ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Loaded {
		t.Errorf("AfterLoad did not run")
	}
	if want := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC); !got.UpdatedAt.Equal(want) {
		t.Errorf("BeforeUpdate's change was not written: UpdatedAt = %v; want %v", got.UpdatedAt, want)
	}
	e.rec.Reset()
	e.flush(s)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("BeforeUpdate ran on a clean entity: sent %q", st)
	}
	keep := &event{Name: "keep"}
	s.Persist(keep)
	e.flush(s)
	s.Remove(keep)
	e.rec.Reset()
	if err := s.Flush(e.ctx); !errors.Is(err, errKeep) {
		t.Errorf("BeforeDelete error: Flush = %v; want it wrapped", err)
	}
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("a hook failure sent %q; want nothing", st)
	}
}

func testTransaction(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	var theItem *item
	err := s.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
		theItem = &item{Title: "in tx"}
		s.Persist(theItem)
		if err := s.Flush(ctx); err != nil {
			return err
		}
		if theItem.ID == 0 {
			t.Errorf("no key after a flush inside the transaction")
		}
		theItem.Qty = 3 // flushed by Transaction before COMMIT
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := orm.Repo[item](e.db.Session()).Get(e.ctx, theItem.ID)
	if err != nil || got.Qty != 3 {
		t.Fatalf("after commit: %+v, %v; want Qty 3", got, err)
	}
	if e.rec.Count("BEGIN") != 1 || e.rec.Count("COMMIT") != 1 {
		t.Errorf("statements %q; want one BEGIN and one COMMIT", e.rec.Statements())
	}
}

func testTransactionRollback(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	a := &author{Name: "before", Email: "rb@x.org"}
	s.Persist(a)
	e.flush(s)
	boom := errors.New("boom")
	var inside *item
	err := s.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
		inside = &item{Title: "rolled back"}
		s.Persist(inside)
		a.Name = "during"
		if err := s.Flush(ctx); err != nil {
			return err
		}
		if a.Version != 2 || inside.ID == 0 {
			t.Errorf("inside: version %d, key %d; want 2 and a key", a.Version, inside.ID)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Transaction = %v; want boom", err)
	}
	if inside.ID != 0 || a.Version != 1 {
		t.Errorf("after rollback: key %d, version %d; want 0 and 1", inside.ID, a.Version)
	}
	if n := e.rec.Count("ROLLBACK"); n != 1 {
		t.Errorf("%d ROLLBACKs; want 1", n)
	}
	check := e.db.Session()
	if n, _ := orm.Repo[item](check).Count(e.ctx, nil); n != 0 {
		t.Errorf("%d items after rollback; want 0", n)
	}
	// The Session is as before: the edit is still pending, the new item is
	// no longer tracked, and a flush writes the edit against version 1.
	e.rec.Reset()
	e.flush(s)
	if got := e.counts(); got != e.want(0, 1, 0, 0) {
		t.Errorf("flush after rollback: %v; want one UPDATE", got)
	}
	got, _ := orm.Repo[author](check).Get(e.ctx, a.ID)
	if got.Name != "during" || got.Version != 2 || a.Version != 2 {
		t.Errorf("after re-flush: %q v%d (entity v%d); want \"during\" v2", got.Name, got.Version, a.Version)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Errorf("panic inside Transaction was swallowed")
			}
		}()
		_ = s.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
			s.Persist(&item{Title: "panic"})
			_ = s.Flush(ctx)
			panic("inside")
		})
	}()
	if n, _ := orm.Repo[item](check).Count(e.ctx, nil); n != 0 {
		t.Errorf("%d items after a panic in Transaction; want 0", n)
	}
}

func testNestedTransaction(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	inner := errors.New("inner fails")
	var kept, dropped *item
	err := s.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
		kept = &item{Title: "kept"}
		s.Persist(kept)
		if err := s.Flush(ctx); err != nil {
			return err
		}
		err := s.Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
			dropped = &item{Title: "dropped"}
			s.Persist(dropped)
			kept.Qty = 99
			if err := s.Flush(ctx); err != nil {
				return err
			}
			return inner
		})
		if !errors.Is(err, inner) {
			t.Errorf("inner Transaction = %v; want inner", err)
		}
		if dropped.ID != 0 {
			t.Errorf("savepoint rollback left key %d on the dropped item", dropped.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if e.rec.Count("SAVEPOINT") == 0 || e.rec.Count("ROLLBACK TO SAVEPOINT") != 1 {
		t.Errorf("statements %q; want a SAVEPOINT rolled back", e.rec.Statements())
	}
	got, err := orm.Repo[item](e.db.Session()).Find(e.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	// kept.Qty = 99 was rolled back with the savepoint but is still a pending
	// change in the Session, so the outer Transaction's final flush wrote it.
	if len(got) != 1 || got[0].Title != "kept" || got[0].Qty != 99 {
		t.Errorf("items = %+v; want only \"kept\" with Qty 99", got)
	}
}

func testConstraintErrors(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	s.Persist(&tag{Code: "dup"})
	e.flush(s)
	other := e.db.Session()
	other.Persist(&tag{Code: "dup"})
	err := other.Flush(e.ctx)
	var ce *orm.ConstraintError
	if !errors.As(err, &ce) || ce.Kind != orm.Unique {
		t.Fatalf("duplicate key = %v; want a unique *orm.ConstraintError", err)
	}
	if ce.Table != "tag" {
		t.Errorf("ConstraintError.Table = %q; want \"tag\"", ce.Table)
	}
	if ce.Unwrap() == nil {
		t.Errorf("ConstraintError wraps no driver error")
	}
	s.Persist(&seat{Row: 1, Col: 1}, &seat{Row: 1, Col: 2})
	e.flush(s)
	s.Persist(&seat{Row: 1, Col: 2})
	if err := s.Flush(e.ctx); !errors.As(err, &ce) || ce.Kind != orm.Unique {
		t.Errorf("duplicate composite unique = %v; want a unique *orm.ConstraintError", err)
	}
	if err := s.Remove(&seat{}); err == nil {
		t.Errorf("removing an untracked key-less seat succeeded")
	}

	// Each kind names its table and constraint: a unique index by its name
	// (SQLite names its columns instead), a NOT NULL constraint by its
	// column.
	violate := func(name string, kind orm.ConstraintKind, table string, constraints []string, entities ...any) {
		t.Helper()
		s := e.db.Session()
		s.Persist(entities...)
		err := s.Flush(e.ctx)
		var ce *orm.ConstraintError
		if !errors.As(err, &ce) || ce.Kind != kind {
			t.Errorf("%s: Flush = %v; want a %s *orm.ConstraintError", name, err, kind)
			return
		}
		if ce.Table != table {
			t.Errorf("%s: Table = %q; want %q (%v)", name, ce.Table, table, err)
		}
		if !slices.Contains(constraints, ce.Constraint) {
			t.Errorf("%s: Constraint = %q; want one of %q (%v)", name, ce.Constraint, constraints, err)
		}
	}
	unique := []string{"seat_position", "seat.row, seat.col"}
	if !e.has(UniqueNames) {
		unique = []string{""}
	}
	violate("named unique", orm.Unique, "seat", unique, &seat{Row: 1, Col: 2})
	if !e.has(SQL) {
		return // no foreign keys, NOT NULL or CHECK constraints
	}
	fk := []string{"fk_car_driver_id"}
	if !e.has(ForeignKeyNames) {
		fk = []string{""}
	}
	violate("foreign key", orm.ForeignKey, "car", fk, &car{Brand: "orphan", Driver: orm.Repo[driver](s).Ref(999)})
	// NOT NULL and CHECK on a table of our own, created with raw SQL.
	db := e.b.(*sql.Backend).DB()
	if _, err := db.ExecContext(e.ctx, `CREATE TABLE gauge (code VARCHAR(20) NOT NULL PRIMARY KEY,
		level INTEGER NOT NULL, note VARCHAR(20) NOT NULL, CONSTRAINT gauge_level CHECK (level >= 0))`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := db.ExecContext(context.Background(), "DROP TABLE gauge"); err != nil {
			t.Errorf("dropping gauge: %v", err)
		}
	})
	gdb, err := orm.Open(e.b, orm.Entities(&gauge{}))
	if err != nil {
		t.Fatal(err)
	}
	e.db = gdb
	note := "ok"
	violate("not null", orm.NotNull, "gauge", []string{"note"}, &gauge{Code: "null", Level: 1})
	violate("check", orm.Check, "gauge", []string{"gauge_level"}, &gauge{Code: "check", Level: -1, Note: &note})
	s = gdb.Session()
	s.Persist(&gauge{Code: "fine", Level: 1, Note: &note})
	if err := s.Flush(e.ctx); err != nil {
		t.Errorf("a valid Gauge: %v", err)
	}
}

// gauge is mapped onto a table the test creates with raw SQL: note is NOT
// NULL there though its field is nullable, and level has a named CHECK
// constraint.
type gauge struct {
	Code  string `orm:"pk"`
	Level int
	Note  *string
}

// testContextEndsMidFlush blocks a flush's UPDATE behind a row lock that
// another Session's transaction holds, ends the flush's context (deadline
// and cancellation), and checks that Flush returns soon after with the
// context's error, that nothing was written, and that the Session flushes
// the same changes once the lock is gone.
func testContextEndsMidFlush(t *testing.T, open suite) {
	for _, tc := range []struct {
		name string
		end  func(ctx context.Context) (context.Context, context.CancelFunc)
		want error
	}{
		{"deadline", func(ctx context.Context) (context.Context, context.CancelFunc) {
			return context.WithTimeout(ctx, 300*time.Millisecond)
		}, context.DeadlineExceeded},
		{"cancel", func(ctx context.Context) (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(ctx)
			time.AfterFunc(300*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t, open, []any{&author{}})
			s := e.db.Session()
			a := &author{Name: "a", Email: "a"}
			s.Persist(a)
			e.flush(s)
			// The Session under test: an insert and an update, so two
			// statements in one transaction.
			s = e.db.Session()
			mine, err := orm.Repo[author](s).Get(e.ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			mine.Age = 7
			s.Persist(&author{Name: "new", Email: "new"})

			locked, release, held := make(chan struct{}), make(chan struct{}), make(chan error, 1)
			go func() {
				h := e.db.Session()
				held <- h.Transaction(e.ctx, func(ctx context.Context, h *orm.Session) error {
					other, err := orm.Repo[author](h).Get(ctx, a.ID)
					if err != nil {
						close(locked)
						return err
					}
					other.Age = 99
					err = h.Flush(ctx)
					close(locked)
					if err != nil {
						return err
					}
					<-release
					return errRollback
				})
			}()
			<-locked
			ctx, cancel := tc.end(e.ctx)
			start := time.Now()
			err = s.Flush(ctx)
			elapsed := time.Since(start)
			cancel()
			close(release)
			if herr := <-held; !errors.Is(herr, errRollback) {
				t.Fatalf("the Session holding the lock: %v", herr)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Flush with the row locked = %v; want an error matching %v", err, tc.want)
			}
			// 300 ms until the context ends, then a bounded cleanup: a hang
			// until the lock is released would exceed this by far.
			if elapsed > 10*time.Second {
				t.Errorf("Flush returned %v after it began; want soon after its context ended (300 ms)", elapsed)
			}
			t.Logf("Flush returned %v after it began: %v", elapsed.Round(time.Millisecond), err)
			fresh := orm.Repo[author](e.db.Session())
			if n, err := fresh.Count(e.ctx, orm.Eq("Email", "new")); err != nil || n != 0 {
				t.Errorf("after the interrupted flush: %d new rows, %v; want none", n, err)
			}
			if got, err := fresh.Get(e.ctx, a.ID); err != nil || got.Age != 0 {
				t.Errorf("after the interrupted flush: age %v, %v; want 0", got, err)
			}
			if err := s.Flush(e.ctx); err != nil {
				t.Fatalf("flushing again: %v", err)
			}
			fresh = orm.Repo[author](e.db.Session())
			if got, err := fresh.Get(e.ctx, a.ID); err != nil || got.Age != 7 {
				t.Errorf("after flushing again: %v, %v; want age 7", got, err)
			}
			if n, err := fresh.Count(e.ctx, orm.Eq("Email", "new")); err != nil || n != 1 {
				t.Errorf("after flushing again: %d new rows, %v; want 1", n, err)
			}
		})
	}
}

var errRollback = errors.New("roll back")
