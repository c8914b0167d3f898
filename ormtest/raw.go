package ormtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/sql"
)

// countItems counts the item rows, in a Session of its own.
func (e *env) countItems() int64 {
	e.t.Helper()
	n, err := orm.Repo[item](e.db.Session()).Count(e.ctx, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// testRawSelect: sql.Select scans a report into a struct by column name.
func testRawSelect(t *testing.T, open suite) {
	e := setup(t, open, all)
	seedLibrary(t, e)
	type row struct {
		WriterName string
		Books      int
		Title      string `db:"first_title"`
	}
	got, err := sql.Select[row](e.ctx, e.db.Session(), `SELECT w.name AS writer_name, COUNT(*) AS books, MIN(b.title) AS first_title
		FROM writer w JOIN book b ON b.writer_id = w.id WHERE w.name IN (?, ?) GROUP BY w.name ORDER BY w.name`,
		"writer 001", "writer 002")
	if err != nil {
		t.Fatal(err)
	}
	want := []row{{"writer 001", 10, "book 001-0"}, {"writer 002", 10, "book 002-0"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// testRawInTransaction: sql.Exec and sql.Select inside Transaction run in
// the Session's transaction: they see what it flushed, it sees what they
// wrote, and a rollback takes their writes with it.
func testRawInTransaction(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	boom := errors.New("boom")
	err := s.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
		s.Persist(&item{Title: "flushed", Qty: 1})
		if err := s.Flush(ctx); err != nil {
			return err
		}
		n, err := sql.Exec(ctx, s, `INSERT INTO item (title, qty) VALUES (?, ?)`, "raw", 7)
		if err != nil || n != 1 {
			t.Errorf("Exec = %d, %v; want 1 row", n, err)
		}
		got, err := sql.Select[int64](ctx, s, `SELECT qty FROM item ORDER BY qty`)
		if err != nil {
			return err
		}
		if diff := cmp.Diff([]int64{1, 7}, got); diff != "" {
			t.Errorf("Select inside the transaction (-want +got):\n%s", diff)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Transaction = %v; want boom", err)
	}
	verbs := slices.DeleteFunc(e.verbs(), func(v string) bool { return v == "SAVEPOINT" || v == "RELEASE" }) // a flush's, on PostgreSQL
	if diff := cmp.Diff([]string{"BEGIN", "INSERT item", "INSERT item", "SELECT item", "ROLLBACK"}, verbs); diff != "" {
		t.Errorf("statements (-want +got):\n%s", diff)
	}
	if n := e.countItems(); n != 0 {
		t.Errorf("%d items after the rollback; want 0 (the raw insert rolled back too)", n)
	}
	err = s.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
		_, err := sql.Exec(ctx, s, `INSERT INTO item (title, qty) VALUES (?, ?)`, "raw", 7)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := e.countItems(); n != 1 {
		t.Errorf("%d items after the commit; want 1", n)
	}
}

// testRawOutsideTransaction: outside Transaction, sql.Exec runs on the
// pool, reports the rows it affected, and the query hook sees it with its
// arguments. It bypasses the Unit of Work: a managed entity it changed
// keeps its fields and snapshot, so the next flush sends nothing.
func testRawOutsideTransaction(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	a, b := &item{Title: "a", Qty: 1}, &item{Title: "b", Qty: 1}
	s.Persist(a, b)
	e.flush(s)
	questionMarks := e.questionMarks()
	n, err := sql.Exec(e.ctx, s, `UPDATE item SET qty = qty + ? WHERE title <> ?`, 10, "none")
	if err != nil || n != 2 {
		t.Fatalf("Exec = %d, %v; want 2 rows", n, err)
	}
	ev := e.rec.Events()
	if len(ev) != 1 || !strings.HasPrefix(ev[0].Statement, "UPDATE item SET qty = qty + ") || ev[0].Rows != 2 || ev[0].Err != nil {
		t.Fatalf("events %+v; want the one UPDATE, 2 rows", ev)
	}
	if strings.Contains(ev[0].Statement, "?") != questionMarks {
		t.Errorf("statement %q: want the dialect's placeholders (? on this backend: %v)", ev[0].Statement, questionMarks)
	}
	if diff := cmp.Diff([]any{10, "none"}, ev[0].Args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	got, err := sql.Select[int64](e.ctx, s, `SELECT qty FROM item ORDER BY title`)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{11, 11}, got); diff != "" {
		t.Errorf("rows after the raw update (-want +got):\n%s", diff)
	}
	again, err := orm.Repo[item](s).Get(e.ctx, a.ID)
	if err != nil || again != a || a.Qty != 1 {
		t.Errorf("Get = %p (qty %d), %v; want the managed %p, untouched (qty 1)", again, again.Qty, err, a)
	}
	e.rec.Reset()
	e.flush(s)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("flush after the raw update sent %q; want nothing", st)
	}
}

// questionMarks reports whether the backend's own statements write their
// placeholders as ?, which raw statements' ? become: what a Get sends
// tells. The recorder is reset.
func (e *env) questionMarks() bool {
	e.t.Helper()
	e.rec.Reset()
	if _, err := orm.Repo[item](e.db.Session()).Get(e.ctx, int64(1)); err != nil && !errors.Is(err, orm.ErrNotFound) {
		e.t.Fatal(err)
	}
	st := e.rec.Statements()
	e.rec.Reset()
	return len(st) == 1 && strings.Contains(st[0], "?")
}

// testRawSelectScalar: sql.Select of a non-struct T scans the query's one
// column; no rows is a nil slice; two columns for a scalar is an error.
func testRawSelectScalar(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	s.Persist(&item{Title: "b", Qty: 2}, &item{Title: "a", Qty: 1})
	e.flush(s)
	n, err := sql.Select[int64](e.ctx, s, `SELECT COUNT(*) FROM item WHERE qty > ?`, 0)
	if err != nil || len(n) != 1 || n[0] != 2 {
		t.Errorf("COUNT(*) = %v, %v; want [2]", n, err)
	}
	titles, err := sql.Select[string](e.ctx, s, `SELECT title FROM item ORDER BY title`)
	if diff := cmp.Diff([]string{"a", "b"}, titles); err != nil || diff != "" {
		t.Errorf("titles: %v (-want +got):\n%s", err, diff)
	}
	none, err := sql.Select[string](e.ctx, s, `SELECT title FROM item WHERE title = ?`, "none")
	if err != nil || none != nil {
		t.Errorf("no rows = %#v, %v; want a nil slice, no error", none, err)
	}
	_, err = sql.Select[int64](e.ctx, s, `SELECT id, qty FROM item`)
	if err == nil || !strings.Contains(err.Error(), "2 columns") {
		t.Errorf("two columns into an int64: %v; want an error saying 2 columns", err)
	}
}

// testRawSelectMissingField: a column sql.Select's struct has no field for
// is an error naming the column and the type.
func testRawSelectMissingField(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	s.Persist(&item{Title: "a", Qty: 1})
	e.flush(s)
	type row struct {
		Title string
	}
	got, err := sql.Select[row](e.ctx, s, `SELECT title, qty FROM item`)
	if err == nil || !strings.Contains(err.Error(), `"qty"`) || !strings.Contains(err.Error(), "row") || got != nil {
		t.Errorf("Select = %v, %v; want an error naming column qty and the row type", got, err)
	}
	type embedded struct{ Qty int }
	type outer struct {
		embedded
		Name string `db:"title"`
	}
	rows, err := sql.Select[outer](e.ctx, s, `SELECT title, qty FROM item`)
	if diff := cmp.Diff([]outer{{embedded{1}, "a"}}, rows, cmp.AllowUnexported(outer{})); err != nil || diff != "" {
		t.Errorf("db tag and embedded field: %v (-want +got):\n%s", err, diff)
	}
}

// testRawErrors: the errors of raw statements are classified as the ORM's
// are; a placeholder count that does not match the arguments sends
// nothing; a Session busy with another call (a Flush, here from its query
// hook) refuses raw SQL.
func testRawErrors(t *testing.T, open suite) {
	var s *orm.Session
	var armed bool
	var during []error
	hook := orm.WithQueryHook(func(ctx context.Context, ev orm.QueryEvent) {
		if armed && strings.HasPrefix(ev.Statement, "INSERT") { // a flush is running
			_, err := sql.Exec(ctx, s, `UPDATE item SET qty = 1`)
			_, err2 := sql.Select[int64](ctx, s, `SELECT qty FROM item`)
			during = append(during, err, err2)
		}
	})
	e := setup(t, open, all, hook)
	s = e.db.Session()
	s.Persist(&author{Name: "ann", Email: "ann@x.org"})
	e.flush(s)
	_, err := sql.Exec(e.ctx, s, `INSERT INTO author (name, email, age, version) VALUES (?, ?, ?, ?)`, "ann 2", "ann@x.org", 1, 1)
	var ce *orm.ConstraintError
	if !errors.As(err, &ce) || ce.Kind != orm.Unique {
		t.Errorf("duplicate email: %v; want a unique *orm.ConstraintError", err)
	}
	e.rec.Reset()
	if _, err := sql.Exec(e.ctx, s, `UPDATE item SET qty = ?`, 1, 2); err == nil || !strings.Contains(err.Error(), "1 placeholders for 2 arguments") {
		t.Errorf("two arguments for one ?: %v; want an error saying so", err)
	}
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("sent %q; want nothing", st)
	}
	armed = true
	s.Persist(&item{Title: "a"})
	e.flush(s)
	armed = false
	if len(during) != 2 || !errors.Is(during[0], orm.ErrConcurrentUse) || !errors.Is(during[1], orm.ErrConcurrentUse) {
		t.Errorf("Exec and Select while a Flush runs: %v; want ErrConcurrentUse", during)
	}
}

// Inner is embedded by pointer in a row of sql.Select.
type Inner struct{ Qty int }

// inner is Inner, unexported.
type inner struct{ Qty int }

// testRawSelectEmbeddedPointer: sql.Select scans into the fields of a
// struct embedded by pointer, allocating it; one it cannot set (an
// unexported embedded pointer) is an error naming it, never a panic.
func testRawSelectEmbeddedPointer(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	s.Persist(&item{Title: "a", Qty: 1})
	e.flush(s)
	type exported struct {
		*Inner
		Title string
	}
	rows, err := sql.Select[exported](e.ctx, s, `SELECT title, qty FROM item`)
	if err != nil || len(rows) != 1 || rows[0].Inner == nil || rows[0].Qty != 1 {
		t.Errorf("embedded *Inner: %+v, %v; want one row, Qty 1", rows, err)
	}
	type unexported struct {
		*inner
		Title string
	}
	var got []unexported
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		got, err = sql.Select[unexported](e.ctx, s, `SELECT title, qty FROM item`)
	}()
	if err == nil && (len(got) != 1 || got[0].inner == nil || got[0].Qty != 1) {
		t.Errorf("embedded *inner: %+v; want one row, Qty 1, or an error", got)
	}
	if err != nil && (strings.HasPrefix(err.Error(), "panic") || !strings.Contains(err.Error(), "inner")) {
		t.Errorf("embedded *inner: %v; want an error naming the field inner, not a panic", err)
	}
}
