package ormtest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/unitofwork/orm"
)

func authors(n int) []*author {
	out := make([]*author, n)
	for i := range out {
		out[i] = &author{Name: fmt.Sprintf("author %d", i), Email: fmt.Sprintf("a%d@example.com", i), Age: 20 + i%50}
	}
	return out
}

func persistAll[T any](t *testing.T, s *orm.Session, es []*T) {
	t.Helper()
	for _, e := range es {
		if err := s.Persist(e); err != nil {
			t.Fatalf("Persist: %v", err)
		}
	}
}

func testRoundTrip(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	a := &author{Name: "Ann", Email: "ann@example.com", Age: 41}
	s.Persist(a)
	e.flush(s)
	if a.ID == 0 || a.Version != 1 {
		t.Fatalf("after insert: ID %d, Version %d; want a generated ID and version 1", a.ID, a.Version)
	}
	got, err := orm.Repo[author](e.db.Session()).Get(e.ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("loaded author (-want +got):\n%s", diff)
	}
	a.Age = 42
	e.flush(s)
	if a.Version != 2 {
		t.Errorf("version after update = %d; want 2", a.Version)
	}
	got, err = orm.Repo[author](e.db.Session()).Get(e.ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("after update (-want +got):\n%s", diff)
	}
	s.Remove(a)
	e.flush(s)
	if _, err := orm.Repo[author](e.db.Session()).Get(e.ctx, a.ID); !errors.Is(err, orm.ErrNotFound) {
		t.Errorf("Get after delete: %v; want ErrNotFound", err)
	}
}

func items(n int) []*item {
	out := make([]*item, n)
	for i := range out {
		out[i] = &item{Title: fmt.Sprintf("item %d", i), Qty: i}
	}
	return out
}

func testStatementCounts(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	its := items(100)
	persistAll(t, s, its)
	e.flush(s)
	if got, want := e.counts(), e.want(1, 0, 0, 0); got != want {
		t.Errorf("100 new: INSERT/UPDATE/DELETE/BEGIN = %v; want %v", got, want)
	}
	for _, it := range its {
		if it.ID == 0 {
			t.Fatalf("%q got no ID", it.Title)
		}
	}
	for i, it := range its {
		it.Qty++
		if i%2 == 0 {
			it.Title += " (edited)"
		}
	}
	e.flush(s)
	stmts := e.rec.Statements()
	if got, want := e.counts(), e.want(0, e.commands(100), 0, 0); got != want {
		t.Fatalf("100 dirty: INSERT/UPDATE/DELETE/BEGIN = %v; want %v", got, want)
	}
	if e.has(SQL) && !strings.Contains(stmts[0], "CASE") {
		t.Errorf("batched UPDATE has no CASE: %s", stmts[0])
	}
	fresh := e.db.Session()
	loaded, err := orm.Repo[item](fresh).Find(e.ctx, nil, orm.OrderBy("ID"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(its, loaded); diff != "" {
		t.Errorf("after batched update (-want +got):\n%s", diff)
	}
	for _, it := range its {
		s.Remove(it)
	}
	e.flush(s)
	if got, want := e.counts(), e.want(0, 0, 1, 0); got != want {
		t.Errorf("100 removed: INSERT/UPDATE/DELETE/BEGIN = %v; want %v", got, want)
	}
	if n, err := orm.Repo[item](fresh).Count(e.ctx, nil); err != nil || n != 0 {
		t.Errorf("Count after delete = %d, %v; want 0", n, err)
	}
	// Versioned rows: still one statement each, inside a transaction so a
	// stale row can roll the others back.
	as := authors(100)
	persistAll(t, s, as)
	e.flush(s)
	e.rec.Reset()
	for _, a := range as {
		a.Age++
	}
	e.flush(s)
	if got, want := e.counts(), e.want(0, e.commands(100), 0, 1); got != want {
		t.Errorf("100 dirty versioned: INSERT/UPDATE/DELETE/BEGIN = %v; want %v", got, want)
	}
	for _, a := range as {
		s.Remove(a)
	}
	e.flush(s)
	if got, want := e.counts(), e.want(0, 0, 1, 1); got != want {
		t.Errorf("100 removed versioned: INSERT/UPDATE/DELETE/BEGIN = %v; want %v", got, want)
	}
	// Three kinds of work in one flush: one statement each, in one transaction.
	items := []*item{{Title: "a"}, {Title: "b"}}
	persistAll(t, s, items)
	e.flush(s)
	items[0].Qty = 5
	s.Remove(items[1])
	s.Persist(&item{Title: "c"})
	e.rec.Reset()
	e.flush(s)
	// Deletes nothing points at go first, so a new row may take a deleted
	// row's unique value.
	want := e.wantVerbs("BEGIN", "DELETE", "INSERT", "UPDATE", "COMMIT")
	var got []string
	for _, st := range e.rec.Statements() {
		if v := strings.Fields(st)[0]; v != "NEXTVAL" {
			got = append(got, v)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mixed flush statements (-want +got):\n%s", diff)
	}
}

func testCleanFlush(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	persistAll(t, s, authors(50))
	theSink := e.newSink(1)
	s.Persist(theSink)
	e.flush(s)
	if _, err := orm.Repo[author](s).Find(e.ctx, nil); err != nil {
		t.Fatal(err)
	}
	e.rec.Reset()
	e.flush(s)
	e.flush(s)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("clean flush sent %q; want nothing", st)
	}
	fresh := e.db.Session()
	if _, err := orm.Repo[sink](fresh).Get(e.ctx, theSink.ID); err != nil {
		t.Fatal(err)
	}
	e.rec.Reset()
	e.flush(fresh)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("clean flush of a loaded sink sent %q; want nothing", st)
	}
}

func testZeroValues(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	a := &author{Name: "Zed", Email: "z@example.com", Age: 7}
	s.Persist(a)
	e.flush(s)
	a.Age = 0
	a.Name = ""
	e.flush(s)
	if got := e.counts(); got[1] != 1 {
		t.Fatalf("UPDATE statements = %d; want 1", got[1])
	}
	got, err := orm.Repo[author](e.db.Session()).Get(e.ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Age != 0 || got.Name != "" {
		t.Errorf("got Age %d, Name %q; want zero values written", got.Age, got.Name)
	}
}

func testManyInserts(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	const n = 20000
	items := make([]*item, n)
	for i := range items {
		items[i] = &item{Title: fmt.Sprintf("item %d", i), Qty: i}
	}
	persistAll(t, s, items)
	e.flush(s)
	events := e.rec.Events()
	inserts := 0
	for _, ev := range events {
		if strings.HasPrefix(ev.Statement, "INSERT") {
			inserts++
		}
	}
	if inserts == 0 || inserts > 3 {
		t.Errorf("%d rows took %d INSERT statements; want 1 to 3", n, inserts)
	}
	if inserts > 1 && e.rec.Count("BEGIN") != 1 {
		t.Errorf("%d INSERT statements ran outside one transaction: %d BEGINs", inserts, e.rec.Count("BEGIN"))
	}
	seen := map[int64]bool{}
	for _, it := range items {
		if it.ID == 0 || seen[it.ID] {
			t.Fatalf("item %q has key %d: zero or repeated", it.Title, it.ID)
		}
		seen[it.ID] = true
	}
	fresh := e.db.Session()
	loaded, err := orm.Repo[item](fresh).Find(e.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded) != n {
		t.Fatalf("loaded %d items; want %d", len(loaded), n)
	}
	for _, it := range loaded {
		if want := items[it.Qty]; want.ID != it.ID || want.Title != it.Title {
			t.Fatalf("row %+v; the flushed item with Qty %d is %+v", *it, it.Qty, *want)
		}
	}
}

func testBatchSize(t *testing.T, open suite) {
	e := setup(t, open, all, orm.WithBatchSize(10))
	s := e.db.Session()
	as := authors(25)
	persistAll(t, s, as)
	e.flush(s)
	if got, want := e.counts(), e.want(3, 0, 0, 1); got != want {
		t.Errorf("25 inserts, batch size 10: INSERT/UPDATE/DELETE/BEGIN = %v; want %v", got, want)
	}
	for _, a := range as {
		a.Age = 99
	}
	e.flush(s)
	if got, want := e.counts(), e.want(0, 3, 0, 1); got != want {
		t.Errorf("25 updates, batch size 10: INSERT/UPDATE/DELETE/BEGIN = %v; want %v", got, want)
	}
	for _, a := range as {
		s.Remove(a)
	}
	e.flush(s)
	if got, want := e.counts(), e.want(0, 0, 3, 1); got != want {
		t.Errorf("25 deletes, batch size 10: INSERT/UPDATE/DELETE/BEGIN = %v; want %v", got, want)
	}
}

func testFailedFlush(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	a, b := &author{Name: "A", Email: "a@x.org"}, &author{Name: "B", Email: "b@x.org"}
	s.Persist(a, b)
	e.flush(s)
	// One flush: inserts of two types, then an UPDATE that breaks the unique
	// email as its last statement.
	items := []*item{{Title: "one"}, {Title: "two"}}
	persistAll(t, s, items)
	theTag := &tag{Code: "t1", Label: "first"}
	s.Persist(theTag)
	a.Age = 30
	b.Email = "a@x.org"
	err := s.Flush(e.ctx)
	var ce *orm.ConstraintError
	if !errors.As(err, &ce) || ce.Kind != orm.Unique {
		t.Fatalf("Flush = %v; want a unique *orm.ConstraintError", err)
	}
	for _, it := range items {
		if it.ID != 0 {
			t.Errorf("item %q kept generated key %d after the failed flush; want 0", it.Title, it.ID)
		}
	}
	if a.Version != 1 || b.Version != 1 {
		t.Errorf("versions after failed flush = %d, %d; want 1, 1", a.Version, b.Version)
	}
	check := e.db.Session()
	if n, _ := orm.Repo[item](check).Count(e.ctx, nil); n != 0 {
		t.Errorf("%d items in the database after the failed flush; want 0", n)
	}
	if n, _ := orm.Repo[tag](check).Count(e.ctx, nil); n != 0 {
		t.Errorf("%d tags in the database after the failed flush; want 0", n)
	}
	if got, _ := orm.Repo[author](check).Get(e.ctx, a.ID); got.Age != 0 {
		t.Errorf("author A's age in the database = %d; want 0", got.Age)
	}
	// Fix the cause and flush the same Session again.
	b.Email = "b2@x.org"
	e.rec.Reset()
	e.flush(s)
	if got := e.counts(); got != e.want(2, 1, 0, 1) {
		t.Errorf("retry: INSERT/UPDATE/DELETE/BEGIN = %v; want [2 1 0 1]", got)
	}
	for _, it := range items {
		if it.ID == 0 {
			t.Errorf("item %q has no key after the retry", it.Title)
		}
	}
	check = e.db.Session()
	if n, _ := orm.Repo[item](check).Count(e.ctx, nil); n != 2 {
		t.Errorf("%d items after the retry; want 2", n)
	}
	got, err := orm.Repo[author](check).Find(e.ctx, nil, orm.OrderBy("ID"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*author{a, b}, got); diff != "" {
		t.Errorf("authors after the retry (-want +got):\n%s", diff)
	}
	e.rec.Reset()
	e.flush(s)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("flush after the retry sent %q; want nothing", st)
	}
}

func testOptimisticLock(t *testing.T, open suite) {
	e := setup(t, open, all)
	s0 := e.db.Session()
	s0.Persist(&author{Name: "V", Email: "v@x.org"})
	e.flush(s0)
	s1, s2 := e.db.Session(), e.db.Session()
	a1, err := orm.Repo[author](s1).FindOne(e.ctx, orm.Eq("Email", "v@x.org"))
	if err != nil {
		t.Fatal(err)
	}
	a2, err := orm.Repo[author](s2).FindOne(e.ctx, orm.Eq("Email", "v@x.org"))
	if err != nil {
		t.Fatal(err)
	}
	a1.Name = "first"
	e.flush(s1)
	a2.Name = "second"
	err = s2.Flush(e.ctx)
	var le *orm.OptimisticLockError
	if !errors.As(err, &le) {
		t.Fatalf("second flush = %v; want *orm.OptimisticLockError", err)
	}
	if le.Entity != "author" || le.Key != a2.ID {
		t.Errorf("lock error names %s %v; want author %d", le.Entity, le.Key, a2.ID)
	}
	got, _ := orm.Repo[author](e.db.Session()).Get(e.ctx, a1.ID)
	if got.Name != "first" || got.Version != 2 {
		t.Errorf("database has %q version %d; want \"first\" version 2", got.Name, got.Version)
	}
	if a2.Version != 1 {
		t.Errorf("losing entity's version = %d; want it left at 1", a2.Version)
	}
}

func testOptimisticLockBatch(t *testing.T, open suite) {
	e := setup(t, open, all)
	s0 := e.db.Session()
	persistAll(t, s0, authors(5))
	e.flush(s0)
	s1, s2 := e.db.Session(), e.db.Session()
	mine, err := orm.Repo[author](s1).Find(e.ctx, nil, orm.OrderBy("ID"))
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := orm.Repo[author](s2).Get(e.ctx, mine[3].ID)
	if err != nil {
		t.Fatal(err)
	}
	theirs.Age = 1
	e.flush(s2)
	for _, a := range mine {
		a.Age = 2
	}
	err = s1.Flush(e.ctx)
	var le *orm.OptimisticLockError
	if !errors.As(err, &le) || le.Key != mine[3].ID {
		t.Fatalf("batched flush = %v; want *orm.OptimisticLockError naming Author %d", err, mine[3].ID)
	}
	got, err := orm.Repo[author](e.db.Session()).Find(e.ctx, orm.Eq("Age", 2))
	if err != nil || len(got) != 0 {
		t.Errorf("rows written by the failed batch: %d, %v; want none", len(got), err)
	}
}

func testOptimisticLockDelete(t *testing.T, open suite) {
	e := setup(t, open, all)
	s0 := e.db.Session()
	s0.Persist(&author{Name: "D", Email: "d@x.org"})
	e.flush(s0)
	s1, s2 := e.db.Session(), e.db.Session()
	a1, _ := orm.Repo[author](s1).FindOne(e.ctx, nil)
	a2, _ := orm.Repo[author](s2).FindOne(e.ctx, nil)
	a1.Age = 5
	e.flush(s1)
	s2.Remove(a2)
	var le *orm.OptimisticLockError
	if err := s2.Flush(e.ctx); !errors.As(err, &le) {
		t.Fatalf("stale delete = %v; want *orm.OptimisticLockError", err)
	}
	if n, _ := orm.Repo[author](e.db.Session()).Count(e.ctx, nil); n != 1 {
		t.Errorf("%d authors after the refused delete; want 1", n)
	}
}

func testPersistRemove(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	it := &item{Title: "gone"}
	s.Persist(it)
	s.Remove(it)
	e.flush(s)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("persist then remove sent %q; want nothing", st)
	}
	s.Persist(it)
	s.Persist(it)
	e.flush(s)
	if got := e.counts(); got[0] != 1 {
		t.Fatalf("persisting twice sent %d INSERTs; want 1", got[0])
	}
	s.Remove(it)
	s.Persist(it) // cancels the removal
	e.flush(s)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("remove then persist sent %q; want nothing", st)
	}
	other := &item{ID: it.ID, Title: "twin"}
	if err := s.Persist(other); err == nil {
		t.Errorf("persisting a second instance with a managed key succeeded; want an error")
	}
	if err := s.Flush(e.ctx); err == nil {
		t.Errorf("Flush after a failed Persist succeeded; want the Persist error again")
	}
	if err := s.Persist(42); err == nil {
		t.Errorf("Persist(42) succeeded; want an error")
	}
	var nilItem *item
	if err := s.Persist(nilItem); err == nil {
		t.Errorf("Persist(nil *item) succeeded; want an error")
	}
	s.Clear()
	e.flush(s)
}

func testRemoveByKey(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	it := &item{Title: "x"}
	s.Persist(it)
	e.flush(s)
	other := e.db.Session()
	if err := other.Remove(&item{ID: it.ID}); err != nil {
		t.Fatal(err)
	}
	e.rec.Reset()
	e.flush(other)
	if got := e.counts(); got != e.want(0, 0, 1, 0) {
		t.Errorf("remove by key: INSERT/UPDATE/DELETE/BEGIN = %v; want one DELETE", got)
	}
	if n, _ := orm.Repo[item](other).Count(e.ctx, nil); n != 0 {
		t.Errorf("%d items after remove by key; want 0", n)
	}
	if err := other.Remove(&item{}); err == nil {
		t.Errorf("removing an untracked entity without a key succeeded; want an error")
	}
}

func testPrimaryKeyChange(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	it := &item{Title: "k"}
	s.Persist(it)
	e.flush(s)
	old := it.ID
	it.ID = old + 1000
	e.rec.Reset()
	if err := s.Flush(e.ctx); err == nil || !strings.Contains(err.Error(), "ID") {
		t.Errorf("flushing a changed key = %v; want an error naming the ID field", err)
	}
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("a refused flush sent %q", st)
	}
	it.ID = old
	e.flush(s)
}

func testSmallBatchUpdate(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	its := items(5)
	persistAll(t, s, its)
	e.flush(s)
	e.rec.Reset()
	for _, it := range its {
		it.Qty += 10
	}
	e.flush(s)
	st := e.rec.Statements()
	if len(st) != 1 || (e.has(SQL) && !strings.Contains(st[0], "CASE WHEN")) {
		t.Errorf("5 dirty rows sent %q; want one UPDATE … CASE WHEN", st)
	}
}

func testLargeBatchUpdate(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	as := authors(60)
	persistAll(t, s, as)
	var ps []*pair
	for i := range 60 {
		ps = append(ps, &pair{A: int64(i % 7), B: fmt.Sprint(i), V: i})
	}
	persistAll(t, s, ps)
	e.flush(s)
	e.rec.Reset()
	for i, a := range as {
		switch i % 3 {
		case 0:
			a.Name += "!"
		case 1:
			a.Age = 0
		default:
			a.Name, a.Age = "both", 1
		}
	}
	for _, p := range ps {
		p.V = -p.V
	}
	e.flush(s)
	if got := e.counts(); got != e.want(0, 2, 0, 1) {
		t.Errorf("60+60 dirty rows: INSERT/UPDATE/DELETE/BEGIN = %v; want 2 UPDATEs in one transaction", got)
	}
	fresh := e.db.Session()
	gotA, err := orm.Repo[author](fresh).Find(e.ctx, nil, orm.OrderBy("ID"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(as, gotA); diff != "" {
		t.Errorf("authors (-want +got):\n%s", diff)
	}
	gotP, err := orm.Repo[pair](fresh).Find(e.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	byB := map[string]*pair{}
	for _, p := range gotP {
		byB[p.B] = p
	}
	for _, p := range ps {
		if g := byB[p.B]; g == nil || *g != *p {
			t.Errorf("pair %+v in the database is %+v", *p, g)
		}
	}
	// One stale row among 60: the whole batch fails and names it.
	other := e.db.Session()
	stale, err := orm.Repo[author](other).Get(e.ctx, as[41].ID)
	if err != nil {
		t.Fatal(err)
	}
	stale.Email = "changed@elsewhere.org"
	e.flush(other)
	for _, a := range as {
		a.Age = 77
	}
	err = s.Flush(e.ctx)
	var le *orm.OptimisticLockError
	if !errors.As(err, &le) || le.Key != as[41].ID {
		t.Fatalf("Flush = %v; want *orm.OptimisticLockError naming Author %d", err, as[41].ID)
	}
	if n, _ := orm.Repo[author](e.db.Session()).Count(e.ctx, orm.Eq("Age", 77)); n != 0 {
		t.Errorf("%d rows written by the failed batch; want 0", n)
	}
}
