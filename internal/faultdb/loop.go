package faultdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/unitofwork/orm"
)

// Author is one of the loop's three entities (with Tag and Book): a Ref, a
// many-to-many pivot and a version column between them.
type Author struct {
	ID      int64
	Name    string `orm:"unique"`
	Age     int
	Version int64 `orm:"version"`
}

// TableName names the authors' table.
func (Author) TableName() string { return "f_author" }

// Tag is a book's tag.
type Tag struct {
	ID   int64
	Name string
}

// TableName names the tags' table.
func (Tag) TableName() string { return "f_tag" }

// Book has an author and tags.
type Book struct {
	ID     int64
	Title  string
	Author orm.Ref[Author]
	Tags   orm.Collection[Tag] `orm:"m2m"`
}

// TableName names the books' table.
func (Book) TableName() string { return "f_book" }

// Opener returns a new, empty database reached through the injector's
// driver, and the backend on it.
type Opener func(t *testing.T) (*sql.DB, orm.Backend)

// scenario is one database holding the before-image and a Session holding
// the changes of the flush under test.
type scenario struct {
	sqlDB    *sql.DB
	db       *orm.DB
	s        *orm.Session
	entities []any
	hookAt   int // panic in the query hook at this statement (0: never)
	seen     int
}

func setup(t *testing.T, open Opener) *scenario {
	ctx := context.Background()
	sqlDB, be := open(t)
	sc := &scenario{sqlDB: sqlDB}
	hook := func(context.Context, orm.QueryEvent) {
		sc.seen++
		if sc.seen == sc.hookAt {
			panic(fmt.Sprintf("hook panics at statement %d", sc.seen))
		}
	}
	db, err := orm.Open(be, orm.Entities(&Author{}, &Tag{}, &Book{}), orm.WithQueryHook(hook))
	if err != nil {
		t.Fatal(err)
	}
	sc.db = db
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	s := db.Session()
	a1, a2 := &Author{Name: "a1"}, &Author{Name: "a2"}
	t1, t2 := &Tag{Name: "t1"}, &Tag{Name: "t2"}
	b1 := &Book{Title: "b1", Author: orm.RefTo(a1)}
	b1.Tags.Add(t1)
	b2 := &Book{Title: "b2", Author: orm.RefTo(a2)}
	s.Persist(b1, b2, t2)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	s = db.Session()
	books, err := orm.Repo[Book](s).Find(ctx, nil, orm.OrderBy("ID"), orm.Populate("Author", "Tags"))
	if err != nil {
		t.Fatal(err)
	}
	tags, err := orm.Repo[Tag](s).Find(ctx, nil, orm.OrderBy("ID"))
	if err != nil {
		t.Fatal(err)
	}
	// The changes: inserts, updates and deletes of each type, pivot rows
	// added and removed.
	books[0].Author.Get().Age = 40
	books[1].Author.Get().Age = 41
	books[0].Title = "b1 (2nd ed.)"
	books[0].Tags.Remove(tags[0])
	t3 := &Tag{Name: "t3"}
	books[0].Tags.Add(tags[1], t3)
	s.Remove(books[1])
	b3, a3 := &Book{Title: "b3", Author: books[0].Author}, &Author{Name: "a3"}
	s.Persist(b3, a3)
	sc.s = s
	sc.entities = []any{books[0], books[1], books[0].Author.Get(), books[1].Author.Get(), tags[0], tags[1], t3, b3, a3}
	sc.seen = 0
	return sc
}

// dump reads every table raw. Rows are named by their unique names, not
// their keys: PostgreSQL's sequences do not roll back, so a retried insert
// may get another key than the first attempt would have.
func (sc *scenario) dump(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, q := range []string{
		`SELECT 'author', name, age, version FROM f_author ORDER BY name`,
		`SELECT 'tag', name, 0, 0 FROM f_tag ORDER BY name`,
		`SELECT 'book', b.title, COALESCE(a.name, '-'), 0 FROM f_book b LEFT JOIN f_author a ON a.id = b.author_id ORDER BY b.title`,
		`SELECT 'tagged', b.title, t.name, 0 FROM f_book_tags p JOIN f_book b ON b.id = p.f_book_id JOIN f_tag t ON t.id = p.f_tag_id ORDER BY 2, 3`,
	} {
		rows, err := sc.sqlDB.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a, b, c, d string
			if err := rows.Scan(&a, &b, &c, &d); err != nil {
				t.Fatal(err)
			}
			out = append(out, strings.Join([]string{a, b, c, d}, " "))
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// state is what the Session's entities hold: keys, versions, fields and
// the collections' items.
func (sc *scenario) state() string {
	var b strings.Builder
	for _, e := range sc.entities {
		switch e := e.(type) {
		case *Author:
			fmt.Fprintf(&b, "author %d %s %d v%d; ", e.ID, e.Name, e.Age, e.Version)
		case *Tag:
			fmt.Fprintf(&b, "tag %d %s; ", e.ID, e.Name)
		case *Book:
			fmt.Fprintf(&b, "book %d %s author %v tags", e.ID, e.Title, e.Author.ID())
			for _, tg := range e.Tags.Items() {
				fmt.Fprintf(&b, " %d:%s", tg.ID, tg.Name)
			}
			b.WriteString("; ")
		}
	}
	return b.String()
}

// Run fails each driver call of one flush in turn, in every way a call can
// fail, on databases from open, whose driver in controls. The flush has
// inserts, CASE updates and deletes of three types and pivot rows added and
// removed. After each failure it checks that the database holds exactly
// what it held before (read back raw), that the Session's entities are
// exactly as before, that no connection is left in use, that no goroutine
// is left behind, and that flushing again without faults writes exactly the
// right result. A lost COMMIT must come back as *orm.CommitUnknownError with
// the changes stored. A panic in the query hook at each statement must
// reach the caller with the Session in step with the database.
func Run(t *testing.T, in *Injector, open Opener) {
	ctx := context.Background()
	var want []string
	var calls, statements int64
	{
		sc := setup(t, open)
		in.Arm(0, 0, false)
		if err := sc.s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		calls = in.Disarm()
		statements = int64(sc.seen)
		want = sc.dump(t)
		sc.db.Close()
	}
	type mode struct {
		kind         Kind
		failRollback bool
	}
	modes := []mode{{Error, false}, {BadConn, false}, {Deadline, false}, {Error, true}, {CommitLost, false}}
	covered := 0
	for _, m := range modes {
		name := m.kind.String()
		if m.failRollback {
			name += "+rollback"
		}
		t.Run(name, func(t *testing.T) {
			for n := int64(1); n <= calls; n++ {
				if m.kind == CommitLost && n != calls {
					continue // only the COMMIT, the flush's last call, can be lost
				}
				covered++
				sc := setup(t, open)
				before, held := sc.dump(t), sc.state()
				goroutines := runtime.NumGoroutine()
				fctx, cancel := context.WithTimeout(ctx, time.Hour)
				if m.kind == Deadline {
					fctx, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
				}
				in.Arm(n, m.kind, m.failRollback)
				err := sc.s.Flush(fctx)
				in.Disarm()
				cancel()
				what := in.Failed()
				waitIdle(t, what, sc.sqlDB)
				if m.kind == CommitLost {
					var unknown *orm.CommitUnknownError
					if !errors.As(err, &unknown) {
						t.Fatalf("%s: Flush = %v; want *orm.CommitUnknownError", what, err)
					}
					if diff := cmp.Diff(want, sc.dump(t)); diff != "" {
						t.Fatalf("%s: a COMMIT lost after it was sent did not commit (-want +got):\n%s", what, diff)
					}
					sc.db.Close()
					continue
				}
				if err == nil {
					// database/sql absorbed the fault (a bad connection before
					// anything was sent is retried on another).
					if diff := cmp.Diff(want, sc.dump(t)); diff != "" {
						t.Fatalf("%s: the flush that got through wrote (-want +got):\n%s", what, diff)
					}
					sc.db.Close()
					continue
				}
				if m.kind == Deadline && what != "" && !strings.Contains(what, "Next") && !strings.Contains(what, "Commit") && !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("%s: Flush = %v; want an error matching context.DeadlineExceeded", what, err)
				}
				if diff := cmp.Diff(before, sc.dump(t)); diff != "" {
					t.Fatalf("%s (%v): the failed flush changed the database (-before +after):\n%s", what, err, diff)
				}
				if got := sc.state(); got != held {
					t.Fatalf("%s (%v): the failed flush changed the Session's entities:\n got %s\nwant %s", what, err, got, held)
				}
				if err := sc.s.Flush(ctx); err != nil {
					t.Fatalf("%s: retrying after %v: %v", what, err, err)
				}
				if diff := cmp.Diff(want, sc.dump(t)); diff != "" {
					t.Fatalf("%s: the retried flush wrote (-want +got):\n%s", what, diff)
				}
				sc.db.Close()
				waitGoroutines(t, what, goroutines)
			}
		})
	}
	t.Run("hookpanic", func(t *testing.T) {
		for n := 1; n <= int(statements); n++ {
			covered++
			sc := setup(t, open)
			before := sc.dump(t)
			sc.hookAt = n
			var recovered any
			func() {
				defer func() { recovered = recover() }()
				_ = sc.s.Flush(ctx)
			}()
			sc.hookAt = 0
			if recovered == nil {
				t.Fatalf("statement %d: the hook's panic did not reach the caller", n)
			}
			waitIdle(t, fmt.Sprintf("statement %d", n), sc.sqlDB)
			// Before the COMMIT the flush is rolled back and the Session put
			// back; at the COMMIT, both hold the changes.
			after := sc.dump(t)
			if diff := cmp.Diff(before, after); diff != "" {
				if diff := cmp.Diff(want, after); diff != "" {
					t.Fatalf("statement %d: the database holds neither image after the panic (-want +got):\n%s", n, diff)
				}
			}
			if err := sc.s.Flush(ctx); err != nil {
				t.Fatalf("statement %d: flushing after the panic: %v", n, err)
			}
			if diff := cmp.Diff(want, sc.dump(t)); diff != "" {
				t.Fatalf("statement %d: the Session was out of step with the database after the panic (-want +got):\n%s", n, diff)
			}
			sc.db.Close()
		}
	})
	t.Logf("the flush makes %d driver calls and sends %d statements; %d fault points covered, each left everything as it should", calls, statements, covered)
}

// waitIdle fails when a connection stays in use after a flush returned.
// database/sql rolls back a transaction whose context ended in a goroutine
// of its own, so the connection may come back a moment later.
func waitIdle(t *testing.T, what string, db *sql.DB) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for db.Stats().InUse != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d connections left in use", what, db.Stats().InUse)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitGoroutines fails when goroutines started during a run outlive it.
func waitGoroutines(t *testing.T, what string, before int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%s: %d goroutines before, %d after:\n%s", what, before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}
