package ormtest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

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

// Capability is something a backend may lack. Tests that need what a
// backend declares it lacks are reported not applicable, by name and reason.
type Capability string

// The capabilities tests may need.
const (
	// SQL: the backend speaks SQL, so Raw filters are SQL text and
	// statements have SQL shapes (CASE WHEN, pivot tables).
	SQL Capability = "sql"
	// Transactions: Session.Transaction works, and a flush of two or more
	// writes runs in a transaction (BEGIN … COMMIT).
	Transactions Capability = "transactions"
	// Savepoints: a Transaction nests in another.
	Savepoints Capability = "savepoints"
	// ForeignKeyNames: a foreign key violation names the constraint.
	ForeignKeyNames Capability = "foreign-key-names"
	// UniqueNames: a unique violation names the index (or its columns).
	UniqueNames Capability = "unique-names"
	// AtomicUpdates: one update statement's read and write of a row are
	// atomic, so concurrent increments (UpdateWhere with Add) lose none.
	AtomicUpdates Capability = "atomic-updates"
	// Locks: locking reads (ForUpdate, ForShare) are supported; MongoDB
	// has none, and refuses them.
	Locks Capability = "locks"
	// RowLocks: a locking read locks rows, so two transactions run side by
	// side and one's SkipLocked read skips the rows the other locked. SQLite
	// locks the whole database instead: a second writing transaction waits
	// at BEGIN for the first to end.
	RowLocks Capability = "row-locks"
	// ExactDecimals: a decimal (a Scanner tagged with a numeric type) of
	// any number of digits is stored and compared exactly; SQLite keeps
	// one as a REAL and refuses more than 15 significant digits.
	ExactDecimals Capability = "exact-decimals"
	// Decimals: decimals are stored at all; FerretDB has no Decimal128.
	Decimals Capability = "decimals"
)

// Option declares what a backend lacks or how it differs.
type Option func(*config)

type config struct {
	only       map[string]bool // when set, the tests to run
	without    map[Capability]bool
	precision  time.Duration
	writeBatch int
}

// WriteBatch declares that the backend splits a batch of updates into
// commands of at most n rows (a server limit), so tests expect
// ceil(rows/n) commands where others send one.
func WriteBatch(n int) Option { return func(c *config) { c.writeBatch = n } }

// commands is how many commands a batched update of rows takes.
func (e *env) commands(rows int) int {
	if e.cfg.writeBatch == 0 {
		return 1
	}
	return (rows + e.cfg.writeBatch - 1) / e.cfg.writeBatch
}

// Only runs just the named tests of the suite, for a backend test that
// runs some of them under particular conditions (such as a time.Local
// other than UTC).
func Only(names ...string) Option {
	return func(c *config) {
		c.only = map[string]bool{}
		for _, n := range names {
			c.only[n] = true
		}
	}
}

// Without declares capabilities the backend lacks.
func Without(cs ...Capability) Option {
	return func(c *config) {
		for _, x := range cs {
			c.without[x] = true
		}
	}
}

// TimePrecision declares the precision the backend keeps times at
// (default: a microsecond).
func TimePrecision(d time.Duration) Option { return func(c *config) { c.precision = d } }

// env is one test's database.
type env struct {
	cfg *config
	t   *testing.T
	b   orm.Backend
	db  *orm.DB
	rec *Recorder
	ctx context.Context
}

// suite is what every conformance test gets: the backend's opener and
// what it declared.
type suite struct {
	open Opener
	cfg  *config
}

// setup opens a DB with the given entities on a fresh backend and creates
// the schema.
func setup(t *testing.T, open suite, entities []any, opts ...orm.Option) *env {
	t.Helper()
	rec := &Recorder{}
	b := open.open(t)
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
	return &env{cfg: open.cfg, t: t, b: b, db: db, rec: rec, ctx: ctx}
}

// has reports whether the backend has capability c.
func (e *env) has(c Capability) bool { return !e.cfg.without[c] }

// want is the INSERT/UPDATE/DELETE/BEGIN counts a flush should send; the
// BEGIN count is 0 on a backend without transactions.
func (e *env) want(inserts, updates, deletes, begins int) [4]int {
	if !e.has(Transactions) {
		begins = 0
	}
	return [4]int{inserts, updates, deletes, begins}
}

// wantVerbs drops BEGIN and COMMIT on a backend without transactions.
func (e *env) wantVerbs(vs ...string) []string {
	if e.has(Transactions) {
		return vs
	}
	var out []string
	for _, v := range vs {
		if v != "BEGIN" && v != "COMMIT" {
			out = append(out, v)
		}
	}
	return out
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
