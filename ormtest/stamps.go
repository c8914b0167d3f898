package ormtest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/unitofwork/orm"
)

// Time stamps: fields tagged createdAt and updatedAt, set by the flush.

// memo is stamped: createdAt a time.Time, updatedAt a *time.Time.
type memo struct {
	ID      int64
	Text    string
	Created time.Time  `orm:"createdAt"`
	Updated *time.Time `orm:"updatedAt"`
}

var stampEntities = []any{&memo{}, &author{}}

// clock is a settable clock for orm.WithClock. Its times have nanoseconds
// and a zone other than UTC, which the stamps must not keep.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2024, 3, 10, 12, 30, 45, 123456789, time.FixedZone("X", -7*3600))}
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// advance moves the clock on by d and returns the new time.
func (c *clock) advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// checkStamp reports a stamp that is not the clock's time at, in UTC, at
// most truncated to the backend's precision.
func (e *env) checkStamp(what string, got, at time.Time) {
	e.t.Helper()
	if got.Location() != time.UTC || got.After(at) || got.Before(at.Truncate(e.cfg.precision)) {
		e.t.Errorf("%s = %v; want %v in UTC, at most truncated to %v", what, got, at.UTC(), e.cfg.precision)
	}
}

// reread returns the memo with key id as a fresh Session reads it.
func (e *env) reread(id int64) *memo {
	e.t.Helper()
	m, err := orm.Repo[memo](e.db.Session()).Get(e.ctx, id)
	if err != nil {
		e.t.Fatalf("Get(memo %d): %v", id, err)
	}
	return m
}

// sameStamps reports where the stamps of got (the database's) differ from
// those of want (the Session's).
func (e *env) sameStamps(what string, want, got *memo) {
	e.t.Helper()
	if !got.Created.Equal(want.Created) || got.Updated == nil || want.Updated == nil || !got.Updated.Equal(*want.Updated) {
		e.t.Errorf("%s: the database has stamps %v / %v; the Session %v / %v", what, got.Created, got.Updated, want.Created, want.Updated)
	}
}

func testStamps(t *testing.T, open suite) {
	clk := newClock()
	e := setup(t, open, stampEntities, orm.WithClock(clk.now))
	s := e.db.Session()
	t1 := clk.now()
	imported := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	fresh, kept := &memo{Text: "a"}, &memo{Text: "b", Created: imported}
	s.Persist(fresh, kept)
	e.flush(s)
	if fresh.Updated == nil || !fresh.Created.Equal(*fresh.Updated) {
		t.Fatalf("insert stamps %v / %v; want both set, equal", fresh.Created, fresh.Updated)
	}
	e.checkStamp("createdAt of the insert", fresh.Created, t1)
	e.checkStamp("updatedAt of the insert", *fresh.Updated, t1)
	if !kept.Created.Equal(imported) || kept.Updated == nil || !kept.Updated.Equal(fresh.Created) {
		t.Errorf("insert with createdAt set: stamps %v / %v; want %v kept and updatedAt %v", kept.Created, kept.Updated, imported, fresh.Created)
	}
	e.sameStamps("after the insert", fresh, e.reread(fresh.ID))
	e.sameStamps("after the insert", kept, e.reread(kept.ID))

	e.rec.Reset()
	e.flush(s)
	if got := e.verbs(); len(got) != 0 {
		t.Errorf("a clean flush after the insert sent %q; want nothing", got)
	}

	// An update of another column bumps updatedAt only.
	created, before := fresh.Created, *kept.Updated
	t2 := clk.advance(time.Hour + 1500*time.Nanosecond)
	fresh.Text = "a2"
	e.flush(s)
	if got := e.verbs(); len(got) != 1 || got[0] != "UPDATE memo" {
		t.Errorf("the update sent %q; want one UPDATE memo", got)
	}
	e.checkStamp("updatedAt of the update", *fresh.Updated, t2)
	if !fresh.Created.Equal(created) || !kept.Updated.Equal(before) {
		t.Errorf("the update changed createdAt to %v (was %v) or the untouched memo's updatedAt to %v (was %v)", fresh.Created, created, kept.Updated, before)
	}
	e.sameStamps("after the update", fresh, e.reread(fresh.ID))
	e.rec.Reset()
	e.flush(s)
	if got := e.verbs(); len(got) != 0 {
		t.Errorf("a clean flush after the update sent %q; want nothing", got)
	}

	// A batched update stamps every row it writes.
	t3 := clk.advance(time.Minute)
	fresh.Text, kept.Text = "a3", "b3"
	e.flush(s)
	if got := e.writes("UPDATE"); got != e.commands(2) {
		t.Errorf("the update of two memos sent %d UPDATEs; want %d", got, e.commands(2))
	}
	e.rec.Reset()
	for _, m := range []*memo{fresh, kept} {
		e.checkStamp("updatedAt of the batched update", *m.Updated, t3)
		e.sameStamps("after the batched update", m, e.reread(m.ID))
	}
	testStampsFailedFlush(t, e, s, clk, fresh)
}

// testStampsFailedFlush: a flush that fails leaves the stamps as they were,
// on the updated memo and on a new one; the retry stamps both.
func testStampsFailedFlush(t *testing.T, e *env, s *orm.Session, clk *clock, m *memo) {
	created, updated, pointer := m.Created, *m.Updated, m.Updated
	clk.advance(time.Minute)
	m.Text = "doomed"
	added := &memo{Text: "new"}
	s.Persist(added)
	dup := failOnEmail(t, e, s)
	err := s.Flush(e.ctx)
	var ce *orm.ConstraintError
	if !errors.As(err, &ce) || ce.Kind != orm.Unique {
		t.Fatalf("Flush = %v; want a unique *orm.ConstraintError", err)
	}
	if m.Updated != pointer || !m.Updated.Equal(updated) || !m.Created.Equal(created) {
		t.Errorf("after the failed flush the memo has stamps %v / %v (pointer kept: %v); want %v / %v", m.Created, m.Updated, m.Updated == pointer, created, updated)
	}
	if !added.Created.IsZero() || added.Updated != nil {
		t.Errorf("after the failed flush the new memo has stamps %v / %v; want zero and nil", added.Created, added.Updated)
	}
	dup.Email = "other@x.org"
	t5 := clk.advance(time.Minute)
	e.flush(s)
	e.checkStamp("updatedAt of the retry", *m.Updated, t5)
	e.checkStamp("createdAt of the retried insert", added.Created, t5)
	e.sameStamps("after the retry", m, e.reread(m.ID))
	e.sameStamps("after the retry", added, e.reread(added.ID))
}

// testStampsWithoutLoading: UpdateWhere sets updatedAt unless told a value;
// Upsert stamps an insert with both and an update with updatedAt only;
// Merge keeps the row's stamps where the merged entity has none.
func testStampsWithoutLoading(t *testing.T, open suite) {
	clk := newClock()
	e := setup(t, open, stampEntities, orm.WithClock(clk.now))
	s := e.db.Session()
	m := &memo{Text: "a"}
	s.Persist(m)
	e.flush(s)
	created := m.Created
	memos := orm.Repo[memo](s)

	t2 := clk.advance(time.Hour)
	if _, err := memos.UpdateWhere(e.ctx, orm.Eq("ID", m.ID), orm.Set("Text", "w")); err != nil {
		t.Fatalf("UpdateWhere: %v", err)
	}
	e.checkStamp("updatedAt after UpdateWhere", *m.Updated, t2)
	e.sameStamps("after UpdateWhere", m, e.reread(m.ID))
	told := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := memos.UpdateWhere(e.ctx, orm.Eq("ID", m.ID), orm.Set("Updated", told)); err != nil {
		t.Fatalf("UpdateWhere Set(Updated): %v", err)
	}
	if !m.Updated.Equal(told) || !m.Created.Equal(created) {
		t.Errorf("UpdateWhere Set(Updated, %v) left stamps %v / %v; want createdAt %v and the time given", told, m.Created, m.Updated, created)
	}

	// Upsert: a new row takes both stamps, an existing one keeps createdAt.
	t3 := clk.advance(time.Hour)
	up, err := memos.Upsert(e.ctx, &memo{ID: m.ID + 100, Text: "u"})
	if err != nil {
		t.Fatalf("Upsert (insert): %v", err)
	}
	e.checkStamp("createdAt of the upserted insert", up.Created, t3)
	e.checkStamp("updatedAt of the upserted insert", *up.Updated, t3)
	t4 := clk.advance(time.Hour)
	again, err := memos.Upsert(e.ctx, &memo{ID: m.ID, Text: "u2"})
	if err != nil || again != m {
		t.Fatalf("Upsert (update) = %p, %v; want the managed memo", again, err)
	}
	if !m.Created.Equal(created) {
		t.Errorf("the upserted update changed createdAt to %v; want %v kept", m.Created, created)
	}
	e.checkStamp("updatedAt of the upserted update", *m.Updated, t4)
	e.sameStamps("after the upserted update", m, e.reread(m.ID))

	// Merge of an entity without stamps keeps the row's, and the flush
	// bumps updatedAt.
	t5 := clk.advance(time.Hour)
	ms := e.db.Session()
	merged, err := orm.Repo[memo](ms).Merge(e.ctx, &memo{ID: m.ID, Text: "merged"})
	if err != nil {
		t.Fatalf("Merge: %v", err)
	}
	if !merged.Created.Equal(created) || merged.Updated == nil || !merged.Updated.Equal(*m.Updated) {
		t.Errorf("Merge of a memo without stamps left %v / %v; want the row's %v / %v", merged.Created, merged.Updated, created, m.Updated)
	}
	e.flush(ms)
	e.checkStamp("updatedAt after Merge", *merged.Updated, t5)
	e.sameStamps("after Merge", merged, e.reread(m.ID))
}

// defaultStamped stores a memo, stamped with the default clock: now, in
// UTC, as the database reads it back.
func defaultStamped(t *testing.T, e *env, s *orm.Session) *memo {
	t.Helper()
	before := time.Now()
	m := &memo{Text: "a"}
	s.Persist(m)
	e.flush(s)
	if m.Updated == nil || m.Created.Before(before.Truncate(e.cfg.precision)) || m.Created.After(time.Now()) || m.Created.Location() != time.UTC {
		t.Fatalf("insert stamps with the default clock %v / %v; want now, in UTC", m.Created, m.Updated)
	}
	e.sameStamps("after the insert", m, e.reread(m.ID))
	return m
}

// testStampsDefaultClock: with the default clock, an insert and an update
// stamp the time now, as the database reads it back.
func testStampsDefaultClock(t *testing.T, open suite) {
	e := setup(t, open, stampEntities)
	s := e.db.Session()
	m := defaultStamped(t, e, s)
	before := *m.Updated
	time.Sleep(2 * e.cfg.precision)
	m.Text = "b"
	e.flush(s)
	if !m.Updated.After(before) || m.Updated.After(time.Now()) {
		t.Errorf("the update stamped %v; want a time after the insert's %v, and not later than now", m.Updated, before)
	}
	e.sameStamps("after the update", m, e.reread(m.ID))
}

// testStampsRolledBack: the stamps a flush inside a transaction set go
// back when the transaction rolls back.
func testStampsRolledBack(t *testing.T, open suite) {
	e := setup(t, open, stampEntities)
	s := e.db.Session()
	m := defaultStamped(t, e, s)
	created, updated, added := m.Created, *m.Updated, &memo{Text: "b"}
	failed := errors.New("roll back")
	err := s.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
		time.Sleep(2 * e.cfg.precision) // so the update's stamp differs
		m.Text = "in tx"
		s.Persist(added)
		if err := s.Flush(ctx); err != nil {
			return err
		}
		if m.Updated.Equal(updated) || added.Updated == nil {
			t.Errorf("in the transaction the flush stamped %v / %v; want a later time and a stamp", m.Updated, added.Updated)
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("Transaction = %v; want its function's error", err)
	}
	if !m.Created.Equal(created) || !m.Updated.Equal(updated) || !added.Created.IsZero() || added.Updated != nil {
		t.Errorf("after the rollback the stamps are %v / %v and %v / %v; want %v / %v and zero", m.Created, m.Updated, added.Created, added.Updated, created, updated)
	}
}
