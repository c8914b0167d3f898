package ormtest

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/unitofwork/orm"
)

// Opener opens a backend on a fresh, empty database for one test, and
// registers its cleanup with t.
type Opener func(t testing.TB) orm.Backend

// Recorder records the statements a DB sends, through [orm.WithQueryHook].
type Recorder struct {
	mu     sync.Mutex
	events []orm.QueryEvent
}

// Hook is the option that feeds the recorder.
func (r *Recorder) Hook() orm.Option {
	return orm.WithQueryHook(func(_ context.Context, e orm.QueryEvent) {
		r.mu.Lock()
		r.events = append(r.events, e)
		r.mu.Unlock()
	})
}

// Reset forgets what was recorded.
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.events = nil
	r.mu.Unlock()
}

// Events returns what was recorded since the last Reset.
func (r *Recorder) Events() []orm.QueryEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]orm.QueryEvent(nil), r.events...)
}

// Statements returns the text of every statement recorded since the last Reset.
func (r *Recorder) Statements() []string {
	var out []string
	for _, e := range r.Events() {
		out = append(out, e.Statement)
	}
	return out
}

// Count returns how many recorded statements start with verb (such as
// "INSERT" or "BEGIN"), ignoring case.
func (r *Recorder) Count(verb string) int {
	n := 0
	for _, s := range r.Statements() {
		if len(s) >= len(verb) && strings.EqualFold(s[:len(verb)], verb) {
			n++
		}
	}
	return n
}

// env is one test's database.
type env struct {
	t   *testing.T
	b   orm.Backend
	db  *orm.DB
	rec *Recorder
	ctx context.Context
}

// setup opens a DB with the given entities on a fresh backend and creates
// the schema.
func setup(t *testing.T, open Opener, entities []any, opts ...orm.Option) *env {
	t.Helper()
	rec := &Recorder{}
	b := open(t)
	db, err := orm.Open(b, append([]orm.Option{orm.Entities(entities...), rec.Hook()}, opts...)...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	ctx := context.Background()
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatalf("CreateSchema: %v", err)
	}
	t.Cleanup(func() {
		if err := db.DropSchema(context.Background()); err != nil {
			t.Errorf("DropSchema: %v", err)
		}
	})
	rec.Reset()
	return &env{t: t, b: b, db: db, rec: rec, ctx: ctx}
}

func (e *env) flush(s *orm.Session) {
	e.t.Helper()
	if err := s.Flush(e.ctx); err != nil {
		e.t.Fatalf("Flush: %v", err)
	}
}

// counts returns how many INSERT, UPDATE, DELETE and BEGIN statements were
// recorded, then resets the recorder.
func (e *env) counts() [4]int {
	c := [4]int{e.rec.Count("INSERT"), e.rec.Count("UPDATE"), e.rec.Count("DELETE"), e.rec.Count("BEGIN")}
	e.rec.Reset()
	return c
}
