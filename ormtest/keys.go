package ormtest

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"

	"github.com/unitofwork/orm"
)

// ticket is an entity whose only column is its generated key.
type ticket struct {
	ID int64
}

// testExplicitKeys mixes explicit and generated integer keys of one entity:
// explicit keys never make a later generated insert collide, whether they
// are flushed together with generated ones or before them.
func testExplicitKeys(t *testing.T, open suite) {
	t.Run("one flush", func(t *testing.T) {
		e := setup(t, open, []any{&item{}})
		s := e.db.Session()
		gen := &item{Title: "generated"}
		s.Persist(gen, &item{ID: 1, Title: "one"}, &item{ID: 2, Title: "two"})
		e.flush(s)
		// The explicit keys go first, so the generated row cannot take one
		// of them: the INSERTs carry 2 rows, then 1.
		var rows []int64
		for _, ev := range e.rec.Events() {
			if ev.Err != nil {
				t.Errorf("%s failed: %v", ev.Statement, ev.Err)
			}
			if isVerb(ev.Statement, "INSERT") {
				rows = append(rows, ev.Rows)
			}
		}
		if !slices.Equal(rows, []int64{2, 1}) {
			t.Errorf("INSERTs wrote %v rows; want [2 1] (explicit keys first)", rows)
		}
		if gen.ID <= 2 {
			t.Errorf("generated key %d; want one above the explicit keys 1 and 2", gen.ID)
		}
		checkKeys(t, e, 3)
		e.rec.Reset()
		next := &item{Title: "next"}
		s.Persist(next)
		e.flush(s)
		if next.ID <= gen.ID {
			t.Errorf("next generated key %d; want one above %d", next.ID, gen.ID)
		}
		if got := e.counts(); got != e.want(1, 0, 0, 0) {
			t.Errorf("a generated insert: %v; want one INSERT", got)
		}
		checkKeys(t, e, 4)
	})
	t.Run("two flushes", func(t *testing.T) {
		e := setup(t, open, []any{&item{}})
		s := e.db.Session()
		s.Persist(&item{ID: 1, Title: "one"}, &item{ID: 2, Title: "two"})
		e.flush(s)
		if n := e.rec.Count("INSERT"); n != 1 {
			t.Errorf("explicit keys sent %q; want one INSERT", e.rec.Statements())
		}
		e.rec.Reset()
		gen := &item{Title: "generated"}
		s.Persist(gen)
		e.flush(s)
		if gen.ID <= 2 {
			t.Errorf("generated key %d; want one above the explicit keys 1 and 2", gen.ID)
		}
		// Generated keys alone need nothing beyond their INSERT.
		if got := e.counts(); got != e.want(1, 0, 0, 0) {
			t.Errorf("generated insert: %v; want one INSERT", got)
		}
		next := &item{Title: "next"}
		s.Persist(next)
		e.flush(s)
		if next.ID <= gen.ID {
			t.Errorf("next generated key %d; want one above %d", next.ID, gen.ID)
		}
		checkKeys(t, e, 4)
		// An explicit key far above the generated ones, flushed with a
		// generated one: that one and the next go above it.
		after := &item{Title: "after far"}
		s.Persist(after, &item{ID: 1000, Title: "far"})
		e.flush(s)
		if after.ID <= 1000 {
			t.Errorf("generated key %d beside an explicit 1000; want one above 1000", after.ID)
		}
		last := &item{Title: "last"}
		s.Persist(last)
		e.flush(s)
		if last.ID <= 1000 {
			t.Errorf("generated key %d after an explicit 1000; want one above 1000", last.ID)
		}
		checkKeys(t, e, 7)
	})
}

// checkKeys checks that the database holds n items with distinct keys.
func checkKeys(t *testing.T, e *env, n int) {
	t.Helper()
	items, err := orm.Repo[item](e.db.Session()).Find(e.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for _, it := range items {
		seen[it.ID] = true
	}
	if len(items) != n || len(seen) != n {
		t.Errorf("%d items with %d distinct keys; want %d", len(items), len(seen), n)
	}
}

func isVerb(stmt, verb string) bool {
	return len(stmt) >= len(verb) && stmt[:len(verb)] == verb
}

// testKeyOnlyEntity inserts entities whose only column is their generated
// key: each gets a distinct key, in one statement where the database can
// insert many rows of defaults at once.
func testKeyOnlyEntity(t *testing.T, open suite) {
	e := setup(t, open, []any{&ticket{}})
	s := e.db.Session()
	ts := []*ticket{{}, {}, {}}
	s.Persist(ts[0], ts[1], ts[2])
	e.flush(s)
	for _, ev := range e.rec.Events() {
		if ev.Err != nil {
			t.Errorf("%s failed: %v", ev.Statement, ev.Err)
		}
	}
	inserts, begins := e.rec.Count("INSERT"), e.rec.Count("BEGIN")
	switch {
	case inserts == 1 && begins == 0:
	case inserts == 3 && begins == e.want(0, 0, 0, 1)[3]:
	default:
		t.Errorf("three key-only inserts sent %q; want one INSERT, or three in a transaction", e.rec.Statements())
	}
	seen := map[int64]bool{}
	for _, tk := range ts {
		if tk.ID == 0 {
			t.Errorf("a ticket got no key")
		}
		seen[tk.ID] = true
	}
	if len(seen) != 3 {
		t.Errorf("keys %d, %d, %d; want three distinct", ts[0].ID, ts[1].ID, ts[2].ID)
	}
	one := &ticket{}
	s.Persist(one)
	e.rec.Reset()
	e.flush(s)
	if one.ID == 0 || seen[one.ID] {
		t.Errorf("a fourth ticket got key %d; want a new one", one.ID)
	}
	if got := e.counts(); got != e.want(1, 0, 0, 0) {
		t.Errorf("one key-only insert: %v; want one INSERT", got)
	}
	got, err := orm.Repo[ticket](e.db.Session()).Find(e.ctx, nil, orm.OrderBy("ID"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Errorf("%d tickets stored; want 4", len(got))
	}
}

// levels is a slog handler that records the level and message of every
// record.
type levels struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *levels) Enabled(context.Context, slog.Level) bool { return true }

func (h *levels) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.records = append(h.records, r.Clone())
	h.mu.Unlock()
	return nil
}

func (h *levels) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *levels) WithGroup(string) slog.Handler      { return h }

// errors returns the messages and attributes of the records at ERROR.
func (h *levels) errors() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, r := range h.records {
		if r.Level >= slog.LevelError {
			s := r.Message
			r.Attrs(func(a slog.Attr) bool {
				s += " " + a.String()
				return true
			})
			out = append(out, s)
		}
	}
	return out
}

// testStreamBreak stops a Stream after its first entity, the documented
// way to stop one: no error is logged, and the query's event has none.
func testStreamBreak(t *testing.T, open suite) {
	h := &levels{}
	e := setup(t, open, []any{&item{}}, orm.WithLogger(slog.New(h)))
	s := e.db.Session()
	s.Persist(&item{Title: "a"}, &item{Title: "b"}, &item{Title: "c"})
	e.flush(s)
	e.rec.Reset()
	n := 0
	for it, err := range orm.Repo[item](e.db.Session()).Stream(e.ctx, nil, orm.OrderBy("Title")) {
		if err != nil {
			t.Fatal(err)
		}
		if it.Title != "a" {
			t.Errorf("first streamed item %q; want \"a\"", it.Title)
		}
		n++
		break
	}
	if n != 1 {
		t.Errorf("%d items streamed; want 1", n)
	}
	evs := e.rec.Events()
	if len(evs) != 1 {
		t.Errorf("a stopped stream sent %q; want one query", e.rec.Statements())
	}
	for _, ev := range evs {
		if ev.Err != nil {
			t.Errorf("QueryEvent of the stopped stream has Err %v; want nil", ev.Err)
		}
	}
	if errs := h.errors(); len(errs) != 0 {
		t.Errorf("a stopped stream logged at ERROR: %q", errs)
	}
}
