package ormtest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/sql"
)

// testReadOnly: inside a ReadOnly transaction reads work; a Flush with
// something to write fails with ErrReadOnly before sending anything, and
// so does the final flush of Transaction; the Session is put back as it
// was, so a flush outside writes the edit left pending. With nothing to write, the
// transaction commits.
func testReadOnly(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	a := &item{Title: "a", Qty: 1}
	s.Persist(a)
	e.flush(s)
	e.rec.Reset()
	fresh := &item{Title: "new"}
	err := s.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
		got, err := orm.Repo[item](s).Find(ctx, nil)
		if err != nil || len(got) != 1 || got[0] != a {
			t.Errorf("Find = %v, %v; want the managed item", got, err)
		}
		a.Qty = 2
		s.Persist(fresh)
		if err := s.Flush(ctx); !errors.Is(err, orm.ErrReadOnly) || !strings.Contains(err.Error(), "insert item, update item") {
			t.Errorf("Flush = %v; want ErrReadOnly naming what it would write", err)
		}
		if fresh.ID != 0 {
			t.Errorf("the refused flush left key %d on the new item", fresh.ID)
		}
		return nil // the final flush is refused too
	}, orm.ReadOnly())
	if !errors.Is(err, orm.ErrReadOnly) {
		t.Fatalf("Transaction = %v; want ErrReadOnly", err)
	}
	st := e.rec.Statements()
	begin := "BEGIN READ ONLY"
	if !e.has(SQL) {
		begin = "BEGIN" // MongoDB's transactions have no read-only mode
	}
	if len(st) == 0 || st[0] != begin {
		t.Errorf("statements %q; want %s first", st, begin)
	}
	if diff := cmp.Diff([]string{"BEGIN", "SELECT item", "ROLLBACK"}, e.verbs()); diff != "" {
		t.Errorf("statements (-want +got):\n%s", diff)
	}
	// The Session is as it was when Transaction began (the rollback undid
	// the Persist), and the field changed inside is still a pending edit.
	e.flush(s)
	if got := e.counts(); got != e.want(0, 1, 0, 0) {
		t.Errorf("flush after the read-only transaction: %v; want one UPDATE", got)
	}
	err = s.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
		_, err := orm.Repo[item](s).Count(ctx, nil)
		return err
	}, orm.ReadOnly())
	if err != nil {
		t.Fatalf("a read-only transaction that only reads: %v", err)
	}
	if diff := cmp.Diff([]string{"BEGIN", "SELECT item", "COMMIT"}, e.verbs()); diff != "" {
		t.Errorf("statements of a read-only transaction that reads (-want +got):\n%s", diff)
	}
	// Writes without loading are refused before anything is sent.
	err = s.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
		if _, err := orm.Repo[item](s).UpdateWhere(ctx, nil, orm.Add("Qty", 1)); !errors.Is(err, orm.ErrReadOnly) {
			t.Errorf("UpdateWhere in a read-only transaction = %v; want ErrReadOnly", err)
		}
		if _, err := orm.Repo[item](s).DeleteWhere(ctx, nil); !errors.Is(err, orm.ErrReadOnly) {
			t.Errorf("DeleteWhere in a read-only transaction = %v; want ErrReadOnly", err)
		}
		if _, err := orm.Repo[item](s).Upsert(ctx, &item{ID: a.ID, Title: "u"}); !errors.Is(err, orm.ErrReadOnly) {
			t.Errorf("Upsert in a read-only transaction = %v; want ErrReadOnly", err)
		}
		return nil
	}, orm.ReadOnly())
	if err != nil {
		t.Fatalf("the read-only transaction of refused writes: %v", err)
	}
	if diff := cmp.Diff([]string{"BEGIN", "COMMIT"}, e.verbs()); diff != "" {
		t.Errorf("refused writes without loading sent (-want +got):\n%s", diff)
	}
}

// testReadOnlyRawWrite: a raw write inside a ReadOnly transaction is
// refused by the database, with an error matching ErrReadOnly, while raw
// reads work; afterwards writes work again, however the read-only
// transaction ended.
func testReadOnlyRawWrite(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	insert := `INSERT INTO item (title, qty) VALUES (?, ?)`
	err := s.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
		if n, err := sql.Select[int64](ctx, s, `SELECT COUNT(*) FROM item`); err != nil || n[0] != 0 {
			t.Errorf("COUNT(*) = %v, %v; want 0", n, err)
		}
		_, err := sql.Exec(ctx, s, insert, "refused", 1)
		return err
	}, orm.ReadOnly())
	if !errors.Is(err, orm.ErrReadOnly) {
		t.Fatalf("INSERT inside a read-only transaction: %v; want ErrReadOnly", err)
	}
	if n := e.countItems(); n != 0 {
		t.Errorf("%d items; want 0", n)
	}
	boom := errors.New("boom")
	for i := range 3 { // a pooled connection comes back writable
		err := s.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
			if i == 1 {
				return boom
			}
			_, err := sql.Select[int64](ctx, s, `SELECT COUNT(*) FROM item`)
			return err
		}, orm.ReadOnly())
		if i == 1 && !errors.Is(err, boom) || i != 1 && err != nil {
			t.Fatalf("read-only transaction %d: %v", i, err)
		}
		if _, err := sql.Exec(e.ctx, s, insert, "after", i); err != nil {
			t.Fatalf("INSERT after read-only transaction %d: %v", i, err)
		}
	}
	if n := e.countItems(); n != 3 {
		t.Errorf("%d items; want 3", n)
	}
}

// testReadOnlyNested: ReadOnly on a Transaction nested in a read-write one
// is refused without running its function (a savepoint cannot be
// read-only); a Transaction nested in a read-only one is read-only.
func testReadOnlyNested(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	err := s.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
		ran := false
		err := s.Transaction(ctx, func(context.Context, *orm.Session) error {
			ran = true
			return nil
		}, orm.ReadOnly())
		if err == nil || ran || !strings.Contains(err.Error(), "ReadOnly inside a read-write transaction") {
			t.Errorf("nested ReadOnly = %v (ran: %v); want an error, the function not run", err, ran)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var inner error
	err = s.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
		inner = s.Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
			s.Persist(&item{Title: "inner"})
			return s.Flush(ctx)
		})
		return inner
	}, orm.ReadOnly())
	if !errors.Is(inner, orm.ErrReadOnly) || !errors.Is(err, orm.ErrReadOnly) {
		t.Errorf("a write in a Transaction nested in a read-only one: %v, then %v; want ErrReadOnly", inner, err)
	}
	if e.rec.Count("INSERT") != 0 {
		t.Errorf("statements %q; want no INSERT", e.rec.Statements())
	}
	// The rollback undid the Persist: nothing is left to write.
	e.rec.Reset()
	e.flush(s)
	if st := e.rec.Statements(); len(st) != 0 || e.countItems() != 0 {
		t.Errorf("flush after the rollback sent %q; want nothing", st)
	}
	err = s.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
		return s.Transaction(ctx, func(context.Context, *orm.Session) error { return nil }, orm.ReadOnly())
	}, orm.ReadOnly())
	if err != nil {
		t.Errorf("ReadOnly nested in a read-only transaction: %v; want it allowed", err)
	}
}
