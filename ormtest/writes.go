package ormtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/unitofwork/orm"
)

// Writing without loading: UpdateWhere, DeleteWhere and Upsert write at
// once and keep the identity map true.

// meter holds a float and a string, for values a database may not store.
type meter struct {
	ID int64
	V  float64
	S  string
	U  uint32
}

var writeEntities = append([]any{&item{}, &meter{}}, uowEntities...)

// seedItems stores items 1..n with Qty i and Title "t<i>".
func seedItems(t *testing.T, e *env, n int) []*item {
	t.Helper()
	s := e.db.Session()
	items := make([]*item, n)
	for i := range items {
		items[i] = &item{ID: int64(i + 1), Title: fmt.Sprintf("t%d", i+1), Qty: i + 1}
		s.Persist(items[i])
	}
	e.flush(s)
	e.rec.Reset()
	return items
}

// writes returns how many UPDATE (or DELETE) statements were recorded.
func (e *env) writes(verb string) int { return e.rec.Count(verb) }

func testUpdateWhere(t *testing.T, open suite) {
	e := setup(t, open, writeEntities)
	seedItems(t, e, 5)
	// A Session that manages none of the rows sends the UPDATE alone.
	n, err := orm.Repo[item](e.db.Session()).UpdateWhere(e.ctx, orm.Gt("Qty", 3), orm.Set("Title", "big"))
	if err != nil || n != 2 {
		t.Fatalf("UpdateWhere = %d, %v; want 2 rows", n, err)
	}
	if got := e.rec.Statements(); len(got) != 1 || e.writes("UPDATE") != 1 {
		t.Errorf("UpdateWhere in a Session managing nothing sent %q; want one UPDATE", got)
	}
	// Managed instances the statement changed take the rows' values.
	s := e.db.Session()
	loaded, err := orm.Repo[item](s).Find(e.ctx, nil, orm.OrderBy("ID"))
	if err != nil {
		t.Fatal(err)
	}
	e.rec.Reset()
	n, err = orm.Repo[item](s).UpdateWhere(e.ctx, orm.Lte("Qty", 2), orm.Add("Qty", 10), orm.Set("Title", "small"))
	if err != nil || n != 2 {
		t.Fatalf("UpdateWhere = %d, %v; want 2 rows", n, err)
	}
	if got := e.writes("UPDATE"); got != 1 {
		t.Errorf("UpdateWhere sent %d UPDATEs; want 1", got)
	}
	want := []string{"small/11", "small/12", "t3/3", "big/4", "big/5"}
	var got []string
	for _, it := range loaded {
		got = append(got, fmt.Sprintf("%s/%d", it.Title, it.Qty))
	}
	if !slices.Equal(got, want) {
		t.Errorf("managed items after UpdateWhere: %q; want %q", got, want)
	}
	e.rec.Reset()
	e.flush(s)
	if got := e.verbs(); len(got) != 0 {
		t.Errorf("a flush after UpdateWhere sent %q; want nothing (snapshots match the rows)", got)
	}
	if again, _ := orm.Repo[item](s).Get(e.ctx, int64(1)); again != loaded[0] {
		t.Error("Get after UpdateWhere returns another instance")
	}
	// An unflushed edit of the type is never overwritten: refused, nothing sent.
	loaded[2].Title = "edited"
	e.rec.Reset()
	if _, err := orm.Repo[item](s).UpdateWhere(e.ctx, nil, orm.Set("Qty", 0)); err == nil {
		t.Error("UpdateWhere with an unflushed edit of the type succeeded")
	}
	if got := e.rec.Statements(); len(got) != 0 {
		t.Errorf("the refused UpdateWhere sent %q", got)
	}
	e.flush(s)
	e.rec.Reset()
	// Bad assignments are errors before anything is sent.
	for name, set := range map[string][]orm.Assignment{
		"none": nil, "unknown field": {orm.Set("Nope", 1)}, "key": {orm.Set("ID", 9)},
		"Add to text": {orm.Add("Title", 1)}, "NULL into a number": {orm.Set("Qty", nil)},
		"wrong type": {orm.Set("Qty", "many")},
	} {
		if _, err := orm.Repo[item](s).UpdateWhere(e.ctx, nil, set...); err == nil {
			t.Errorf("UpdateWhere with %s succeeded", name)
		}
	}
	if got := e.rec.Statements(); len(got) != 0 {
		t.Errorf("refused UpdateWhere calls sent %q", got)
	}
}

func testUpdateWhereVersionAndPaths(t *testing.T, open suite) {
	e := setup(t, open, writeEntities)
	d1, _, seeded := seedGarage(t, e)
	s := e.db.Session()
	c, err := orm.Repo[car](s).Get(e.ctx, seeded.ID)
	if err != nil {
		t.Fatal(err)
	}
	n, err := orm.Repo[car](s).UpdateWhere(e.ctx, orm.Eq("Driver.Name", "d1"), orm.Set("ForSale", true))
	if err != nil || n != 1 || !c.ForSale {
		t.Fatalf("UpdateWhere through a relation path = %d, %v, for sale %v; want 1 row, the managed car updated", n, err, c.ForSale)
	}
	// A Ref is set by entity or key; the loaded collections follow.
	d, err := orm.Repo[driver](s).Get(e.ctx, d1.ID, orm.Populate("Cars"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := orm.Repo[car](s).UpdateWhere(e.ctx, orm.Eq("ID", c.ID), orm.Set("Driver", nil)); err != nil {
		t.Fatalf("UpdateWhere Set(Driver, nil): %v", err)
	}
	if !c.Driver.IsNil() || d.Cars.Len() != 0 {
		t.Errorf("after clearing the Ref: car's driver %v, driver lists %d cars", c.Driver.ID(), d.Cars.Len())
	}
	// The version is incremented.
	seed := e.db.Session()
	a := &author{Name: "ann", Email: "ann@x.org"}
	seed.Persist(a)
	e.flush(seed)
	managed, _ := orm.Repo[author](s).Get(e.ctx, a.ID)
	if _, err := orm.Repo[author](s).UpdateWhere(e.ctx, orm.Eq("Email", "ann@x.org"), orm.Add("Age", 1)); err != nil {
		t.Fatal(err)
	}
	if managed.Age != 1 || managed.Version != a.Version+1 {
		t.Errorf("after UpdateWhere: age %d, version %d; want 1, %d", managed.Age, managed.Version, a.Version+1)
	}
	// The next flush of an edit checks the new version: no OptimisticLockError.
	managed.Name = "anna"
	e.flush(s)
	if _, err := orm.Repo[author](s).UpdateWhere(e.ctx, nil, orm.Set("Version", 1)); err == nil {
		t.Error("UpdateWhere setting the version succeeded")
	}
}

func testUpdateWhereRolledBack(t *testing.T, open suite) {
	e := setup(t, open, writeEntities)
	seedItems(t, e, 3)
	s := e.db.Session()
	it, err := orm.Repo[item](s).Get(e.ctx, int64(1))
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	err = s.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
		if _, err := orm.Repo[item](s).UpdateWhere(ctx, nil, orm.Set("Title", "inside")); err != nil {
			return err
		}
		if _, err := orm.Repo[item](s).DeleteWhere(ctx, orm.Eq("ID", 2)); err != nil {
			return err
		}
		if it.Title != "inside" {
			t.Errorf("inside the transaction the managed item holds %q", it.Title)
		}
		return stop
	})
	if !errors.Is(err, stop) {
		t.Fatalf("Transaction = %v", err)
	}
	if it.Title != "t1" {
		t.Errorf("after the rollback the managed item holds %q; want t1", it.Title)
	}
	if n := count[item](t, e, orm.Eq("Title", "inside")); n != 0 {
		t.Errorf("%d rows kept the rolled-back update", n)
	}
	if n := count[item](t, e, nil); n != 3 {
		t.Errorf("%d items after the rolled-back delete; want 3", n)
	}
	e.rec.Reset()
	e.flush(s)
	if got := e.verbs(); len(got) != 0 {
		t.Errorf("a flush after the rollback sent %q; want nothing", got)
	}
}

func testDeleteWhere(t *testing.T, open suite) {
	e := setup(t, open, writeEntities)
	d1, _, seeded := seedGarage(t, e)
	s := e.db.Session()
	d, err := orm.Repo[driver](s).Get(e.ctx, d1.ID, orm.Populate("Cars"))
	if err != nil {
		t.Fatal(err)
	}
	c := d.Cars.Items()[0]
	e.rec.Reset()
	n, err := orm.Repo[car](s).DeleteWhere(e.ctx, orm.Eq("Brand", "old"))
	if err != nil || n != 1 {
		t.Fatalf("DeleteWhere = %d, %v; want 1 row", n, err)
	}
	if got := e.writes("DELETE"); got != 1 {
		t.Errorf("DeleteWhere sent %d DELETEs; want 1", got)
	}
	if d.Cars.Len() != 0 {
		t.Errorf("the driver still lists %d cars after DeleteWhere", d.Cars.Len())
	}
	if _, err := orm.Repo[car](s).Get(e.ctx, seeded.ID); !errors.Is(err, orm.ErrNotFound) {
		t.Errorf("Get after DeleteWhere = %v; want ErrNotFound", err)
	}
	c.Brand = "edited" // detached: the flush writes nothing
	e.rec.Reset()
	e.flush(s)
	if got := e.verbs(); len(got) != 0 {
		t.Errorf("a flush after DeleteWhere sent %q; want nothing", got)
	}
	seedItems(t, e, 4)
	if n, err := orm.Repo[item](e.db.Session()).DeleteWhere(e.ctx, orm.In("ID", 1, 3, 99)); err != nil || n != 2 {
		t.Errorf("DeleteWhere(In) = %d, %v; want 2", n, err)
	}
	if n, err := orm.Repo[item](e.db.Session()).DeleteWhere(e.ctx, nil); err != nil || n != 2 {
		t.Errorf("DeleteWhere(nil) = %d, %v; want the 2 left", n, err)
	}
	if _, err := orm.Repo[item](s).DeleteWhere(e.ctx, orm.Eq("Nope", 1)); err == nil {
		t.Error("DeleteWhere on an unknown field succeeded")
	}
}

func testCounter(t *testing.T, open suite) {
	e := setup(t, open, writeEntities)
	seedItems(t, e, 1)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if _, err := orm.Repo[item](e.db.Session()).UpdateWhere(e.ctx, orm.Eq("ID", 1), orm.Add("Qty", 1)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("UpdateWhere(Add): %v", err)
	}
	it, err := orm.Repo[item](e.db.Session()).Get(e.ctx, int64(1))
	if err != nil || it.Qty != 1601 {
		t.Fatalf("Qty = %d, %v; want 1601 (1 + 16 × 100)", it.Qty, err)
	}
}

func testUpsert(t *testing.T, open suite) {
	e := setup(t, open, writeEntities)
	s := e.db.Session()
	tags := orm.Repo[tag](s)
	first, err := tags.Upsert(e.ctx, &tag{Code: "go", Label: "Go"})
	if err != nil {
		t.Fatalf("Upsert (insert): %v", err)
	}
	second, err := tags.Upsert(e.ctx, &tag{Code: "go", Label: "Golang"})
	if err != nil {
		t.Fatalf("Upsert (update): %v", err)
	}
	if second != first || first.Label != "Golang" {
		t.Errorf("the second Upsert returned %p (%q); want the managed %p, relabelled", second, second.Label, first)
	}
	if n := count[tag](t, e, nil); n != 1 {
		t.Errorf("%d tags; want 1", n)
	}
	e.rec.Reset()
	e.flush(s)
	if got := e.verbs(); len(got) != 0 {
		t.Errorf("a flush after Upsert sent %q; want nothing", got)
	}

	// A unique field as the conflict target; the version counts the updates.
	authors := orm.Repo[author](s)
	a, err := authors.Upsert(e.ctx, &author{Name: "ann", Email: "ann@x.org", Age: 30}, orm.OnConflict("Email"))
	if err != nil || a.ID == 0 || a.Version != 1 {
		t.Fatalf("Upsert of a new author = %+v, %v; want a key and version 1", a, err)
	}
	b, err := authors.Upsert(e.ctx, &author{Name: "anna", Email: "ann@x.org", Age: 31}, orm.OnConflict("Email"), orm.UpdateOnly("Age"))
	if err != nil || b != a || a.Name != "ann" || a.Age != 31 || a.Version != 2 {
		t.Fatalf("Upsert UpdateOnly(Age) = %p (%+v), %v; want the managed author, age 31, name kept, version 2", b, a, err)
	}
	// In a fresh Session the entity given becomes managed.
	fresh := e.db.Session()
	given := &author{Name: "zed", Email: "ann@x.org"}
	got, err := orm.Repo[author](fresh).Upsert(e.ctx, given, orm.OnConflict("Email"))
	if err != nil || got != given || given.ID != a.ID || given.Version != 3 {
		t.Fatalf("Upsert in a fresh Session = %p (%+v), %v; want the entity given, with the row's key and version 3", got, given, err)
	}
	if again, _ := orm.Repo[author](fresh).Get(e.ctx, a.ID); again != given {
		t.Error("Get after Upsert returns another instance")
	}
	given.Age = 50
	e.rec.Reset()
	e.flush(fresh)
	if got := e.writes("UPDATE"); got != 1 {
		t.Errorf("the flush of an edit after Upsert sent %d UPDATEs; want 1", got)
	}
	// Bad input is an error before anything is sent.
	e.rec.Reset()
	for name, call := range map[string]func() error{
		"a non-unique conflict field": func() error {
			_, err := authors.Upsert(e.ctx, &author{Name: "x", Email: "x@x.org"}, orm.OnConflict("Name"))
			return err
		},
		"a zero generated key": func() error { _, err := authors.Upsert(e.ctx, &author{Name: "x", Email: "y@x.org"}); return err },
		"duplicates": func() error {
			_, err := tags.UpsertMany(e.ctx, []*tag{{Code: "a"}, {Code: "a"}})
			return err
		},
		"duplicate integer keys": func() error {
			_, err := orm.Repo[item](s).UpsertMany(e.ctx, []*item{{ID: 7, Title: "a"}, {ID: 8}, {ID: 7, Title: "b"}})
			return err
		},
		"nil": func() error { _, err := tags.Upsert(e.ctx, nil); return err },
		"an unknown field": func() error {
			_, err := tags.Upsert(e.ctx, &tag{Code: "b"}, orm.UpdateOnly("Nope"))
			return err
		},
	} {
		if err := call(); err == nil {
			t.Errorf("Upsert with %s succeeded", name)
		}
	}
	if got := e.rec.Statements(); len(got) != 0 {
		t.Errorf("refused upserts sent %q", got)
	}
}

func testUpsertMany(t *testing.T, open suite) {
	e := setup(t, open, writeEntities)
	seedItems(t, e, 50)
	s := e.db.Session()
	kept, err := orm.Repo[item](s).Get(e.ctx, int64(10))
	if err != nil {
		t.Fatal(err)
	}
	in := make([]*item, 100) // 50 updates, 50 inserts
	for i := range in {
		in[i] = &item{ID: int64(i + 1), Title: fmt.Sprintf("u%d", i+1), Qty: 1000 + i}
	}
	e.rec.Reset()
	out, err := orm.Repo[item](s).UpsertMany(e.ctx, in)
	if err != nil {
		t.Fatalf("UpsertMany: %v", err)
	}
	if got, want := e.writes("INSERT"), e.commands(100); got != want {
		t.Errorf("UpsertMany of 100 rows sent %d INSERTs; want %d", got, want)
	}
	if len(out) != 100 || out[9] != kept || kept.Title != "u10" {
		t.Errorf("UpsertMany returned %d entities, the 10th %p (%q); want the managed %p, updated", len(out), out[9], out[9].Title, kept)
	}
	for i, it := range out {
		if i != 9 && it != in[i] {
			t.Fatalf("UpsertMany returned another entity than given at %d", i)
		}
	}
	if n := count[item](t, e, orm.Gte("Qty", 1000)); n != 100 {
		t.Errorf("%d upserted rows; want 100", n)
	}
	e.rec.Reset()
	e.flush(s)
	if got := e.verbs(); len(got) != 0 {
		t.Errorf("a flush after UpsertMany sent %q; want nothing", got)
	}
	if out, err := orm.Repo[item](s).UpsertMany(e.ctx, nil); err != nil || len(out) != 0 {
		t.Errorf("UpsertMany(nil) = %v, %v", out, err)
	}
}

// testUpdateWhereValues: a value UpdateWhere sets round-trips exactly, or
// is refused before anything is sent, as a flush's would be.
func testUpdateWhereValues(t *testing.T, open suite) {
	e := setup(t, open, writeEntities)
	s := e.db.Session()
	g := &meter{ID: 1, V: 1, S: "s"}
	s.Persist(g)
	e.flush(s)
	for _, c := range []struct {
		name  string
		set   orm.Assignment
		check func(*meter) bool
	}{
		{"NaN", orm.Set("V", math.NaN()), func(g *meter) bool { return math.IsNaN(g.V) }},
		{"+Inf", orm.Set("V", math.Inf(1)), func(g *meter) bool { return math.IsInf(g.V, 1) }},
		{"NUL", orm.Set("S", "a\x00b"), func(g *meter) bool { return g.S == "a\x00b" }},
		{"invalid UTF-8", orm.Set("S", "a\xffb"), func(g *meter) bool { return g.S == "a\xffb" }},
	} {
		e.rec.Reset()
		_, err := orm.Repo[meter](s).UpdateWhere(e.ctx, orm.Eq("ID", 1), c.set)
		if err != nil {
			if got := e.rec.Statements(); len(got) != 0 {
				t.Errorf("%s: refused (%v) after sending %q", c.name, err, got)
			}
			continue
		}
		got, err := orm.Repo[meter](e.db.Session()).Get(e.ctx, int64(1))
		if err != nil || !c.check(got) || !c.check(g) {
			t.Errorf("%s: UpdateWhere succeeded, then the row holds %v %q and the managed meter %v %q (%v); want the value set, exactly", c.name, got.V, got.S, g.V, g.S, err)
		}
	}
}

// testAddUnsigned: Add takes a negative delta for an unsigned field.
func testAddUnsigned(t *testing.T, open suite) {
	e := setup(t, open, writeEntities)
	s := e.db.Session()
	m := &meter{ID: 1, U: 5}
	s.Persist(m)
	e.flush(s)
	if n, err := orm.Repo[meter](s).UpdateWhere(e.ctx, orm.Eq("ID", 1), orm.Add("U", -2)); err != nil || n != 1 || m.U != 3 {
		t.Fatalf("UpdateWhere Add(U, -2) = %d, %v, U %d; want 1 row, U 3", n, err, m.U)
	}
	if _, err := orm.Repo[meter](s).UpdateWhere(e.ctx, nil, orm.Add("U", "one")); err == nil {
		t.Error("Add of a string succeeded")
	}
}
