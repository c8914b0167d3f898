package sqlite_test

import (
	"context"
	stdsql "database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	msqlite "modernc.org/sqlite"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/sqlite"
)

// faults counts driver calls and fails call number failAt (0: never).
type faults struct {
	calls  atomic.Int64
	failAt atomic.Int64
}

var errInjected = errors.New("injected fault")

func (f *faults) check(what string) error {
	n := f.calls.Add(1)
	if at := f.failAt.Load(); at != 0 && n == at {
		return fmt.Errorf("%w at call %d (%s)", errInjected, n, what)
	}
	return nil
}

var faultState = &faults{}

func init() {
	stdsql.Register("sqlite-fault", faultDriver{&msqlite.Driver{}})
}

type faultDriver struct{ inner driver.Driver }

func (d faultDriver) Open(name string) (driver.Conn, error) {
	c, err := d.inner.Open(name)
	if err != nil {
		return nil, err
	}
	return &faultConn{c}, nil
}

type faultConn struct{ c driver.Conn }

func (c *faultConn) Prepare(q string) (driver.Stmt, error) { return c.c.Prepare(q) }
func (c *faultConn) Close() error                          { return c.c.Close() }
func (c *faultConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *faultConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := faultState.check("Begin"); err != nil {
		return nil, err
	}
	return c.c.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *faultConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	if err := faultState.check("Exec " + q); err != nil {
		return nil, err
	}
	return c.c.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (c *faultConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	if err := faultState.check("Query " + q); err != nil {
		return nil, err
	}
	rows, err := c.c.(driver.QueryerContext).QueryContext(ctx, q, args)
	if err != nil {
		return nil, err
	}
	return &faultRows{rows}, nil
}

type faultRows struct{ driver.Rows }

func (r *faultRows) Next(dest []driver.Value) error {
	if err := faultState.check("Next"); err != nil {
		return err
	}
	return r.Rows.Next(dest)
}

// Fault-loop entities: three types, a Ref, a pivot.
type FAuthor struct {
	ID      int64
	Name    string `orm:"unique"`
	Age     int
	Version int64 `orm:"version"`
}

type FTag struct {
	ID   int64
	Name string
}

type FBook struct {
	ID     int64
	Title  string
	Author orm.Ref[FAuthor]
	Tags   orm.Collection[FTag] `orm:"m2m"`
}

// dump reads every table raw, in key order.
func dump(t *testing.T, db *stdsql.DB) []string {
	t.Helper()
	var out []string
	for _, q := range []string{
		`SELECT id, name, age, version FROM f_author ORDER BY id`,
		`SELECT id, name, 0, 0 FROM f_tag ORDER BY id`,
		`SELECT id, title, COALESCE(author_id, 0), 0 FROM f_book ORDER BY id`,
		`SELECT f_book_id, '', f_tag_id, 0 FROM f_book_tags ORDER BY 1, 3`,
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a, c, d int64
			var b string
			if err := rows.Scan(&a, &b, &c, &d); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(strings.Fields(q)[len(strings.Fields(q))-4], a, b, c, d))
		}
		rows.Close()
	}
	return out
}

// TestFailEveryCall fails each driver call of one flush in turn — a flush
// with inserts, CASE updates, deletes and pivot rows of three types — and
// checks after each failure that the database holds exactly what it held
// before, that the Session flushes to exactly the right result once the
// faults stop, and that no connection is left in use.
func TestFailEveryCall(t *testing.T) {
	ctx := context.Background()
	type run struct {
		sqlDB *stdsql.DB
		db    *orm.DB
		s     *orm.Session
	}
	// setup builds the before-image and the Session holding the changes.
	setup := func(t *testing.T) run {
		path := filepath.Join(t.TempDir(), "fault.db")
		sqlDB, err := stdsql.Open("sqlite-fault", path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_time_format=sqlite&_txlock=immediate")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sqlDB.Close() })
		db, err := orm.Open(sqlite.New(sqlDB), orm.Entities(&FAuthor{}, &FTag{}, &FBook{}))
		if err != nil {
			t.Fatal(err)
		}
		if err := db.CreateSchema(ctx); err != nil {
			t.Fatal(err)
		}
		s := db.Session()
		a1, a2 := &FAuthor{Name: "a1"}, &FAuthor{Name: "a2"}
		t1, t2 := &FTag{Name: "t1"}, &FTag{Name: "t2"}
		b1 := &FBook{Title: "b1", Author: orm.RefTo(a1)}
		b1.Tags.Add(t1)
		b2 := &FBook{Title: "b2", Author: orm.RefTo(a2)}
		s.Persist(b1, b2, t2)
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		s = db.Session()
		books, err := orm.Repo[FBook](s).Find(ctx, nil, orm.OrderBy("ID"), orm.Populate("Author", "Tags"))
		if err != nil {
			t.Fatal(err)
		}
		tags, _ := orm.Repo[FTag](s).Find(ctx, nil, orm.OrderBy("ID"))
		// The changes: one of each kind on each type.
		books[0].Author.Get().Age = 40
		books[1].Author.Get().Age = 41
		books[0].Title = "b1 (2nd ed.)"
		books[0].Tags.Remove(tags[0])
		books[0].Tags.Add(tags[1], &FTag{Name: "t3"})
		s.Remove(books[1])
		s.Persist(&FBook{Title: "b3", Author: books[0].Author}, &FAuthor{Name: "a3"})
		return run{sqlDB, db, s}
	}
	want := func() []string {
		r := setup(t)
		if err := r.s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		return dump(t, r.sqlDB)
	}()
	for n := int64(1); ; n++ {
		r := setup(t)
		before := dump(t, r.sqlDB)
		faultState.calls.Store(0)
		faultState.failAt.Store(n)
		err := r.s.Flush(ctx)
		faultState.failAt.Store(0)
		if err == nil {
			if diff := cmp.Diff(want, dump(t, r.sqlDB)); diff != "" {
				t.Fatalf("call %d: the flush that got through wrote (-want +got):\n%s", n, diff)
			}
			t.Logf("the flush makes %d driver calls; each failure left everything as before", n-1)
			break
		}
		if !errors.Is(err, errInjected) {
			t.Fatalf("call %d: Flush = %v; want the injected fault", n, err)
		}
		if diff := cmp.Diff(before, dump(t, r.sqlDB)); diff != "" {
			t.Fatalf("call %d (%v): the failed flush changed the database (-before +after):\n%s", n, err, diff)
		}
		if inUse := r.sqlDB.Stats().InUse; inUse != 0 {
			t.Fatalf("call %d: %d connections left in use", n, inUse)
		}
		if err := r.s.Flush(ctx); err != nil {
			t.Fatalf("call %d: retrying after %v: %v", n, errInjected, err)
		}
		if diff := cmp.Diff(want, dump(t, r.sqlDB)); diff != "" {
			t.Fatalf("call %d: the retried flush wrote (-want +got):\n%s", n, diff)
		}
		if n > 200 {
			t.Fatal("the flush never got through")
		}
	}
}
