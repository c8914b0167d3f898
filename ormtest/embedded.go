package ormtest

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/unitofwork/orm"
)

// postal and geo are value objects: embeddables.
type postal struct {
	Street string
	City   string
	Geo    geo `orm:"embedded,prefix:at_"`
}

type geo struct {
	Lat, Lng float64
}

// venue embeds two addresses, one under the default prefix, one under its own.
type venue struct {
	ID      int64
	Name    string
	Address postal `orm:"embedded"`
	Billing postal `orm:"embedded,prefix:bill_"`
	Note    *string
}

// testEmbedded: an embeddable's fields are columns of the entity, prefixed
// (nested ones too); they round-trip, filters and ordering name them by
// path, UpdateWhere sets them, and a change to one of them updates that
// column alone; a clean flush after a load sends nothing.
func testEmbedded(t *testing.T, open suite) {
	e := setup(t, open, []any{&venue{}})
	s := e.db.Session()
	a := &venue{Name: "hall", Address: postal{Street: "Main 1", City: "Oslo", Geo: geo{59.9, 10.7}}, Billing: postal{City: "Bergen"}}
	b := &venue{Name: "barn", Address: postal{City: "Turku"}}
	s.Persist(a, b)
	e.flush(s)
	repo := orm.Repo[venue](e.db.Session())
	got, err := repo.Find(e.ctx, orm.Eq("Address.City", "Oslo"))
	if err != nil || len(got) != 1 || !cmp.Equal(*got[0], *a) {
		t.Fatalf("Find(Address.City = Oslo) = %+v, %v; want %+v", got, err, a)
	}
	if got, err := repo.Find(e.ctx, orm.Gt("Address.Geo.Lat", 50.0)); err != nil || len(got) != 1 || got[0].ID != a.ID {
		t.Errorf("Find(Address.Geo.Lat > 50) = %v, %v; want the hall", got, err)
	}
	if got, err := repo.Find(e.ctx, nil, orm.OrderBy("-Address.City")); err != nil || len(got) != 2 || got[0].ID != b.ID {
		t.Errorf("Find ordered by -Address.City = %v, %v; want the barn first", got, err)
	}
	e.rec.Reset()
	e.flush(s)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("a clean flush sent %q", st)
	}
	a.Billing.Street = "Quay 2"
	e.flush(s)
	if n := e.writes("UPDATE"); n != 1 {
		t.Errorf("an edit of one embedded field sent %d UPDATEs; want 1", n)
	}
	if st := e.rec.Statements(); e.has(SQL) && !slices.ContainsFunc(st, func(q string) bool { return strings.Contains(q, "bill_street") }) {
		t.Errorf("the flush %q does not write bill_street", st)
	}
	if n, err := orm.Repo[venue](e.db.Session()).UpdateWhere(e.ctx, orm.Eq("ID", b.ID), orm.Set("Address.Street", "Kai 3")); err != nil || n != 1 {
		t.Errorf("UpdateWhere(Set Address.Street) = %d, %v; want 1", n, err)
	}
	fresh, err := orm.Repo[venue](e.db.Session()).Get(e.ctx, b.ID)
	if err != nil || fresh.Address.Street != "Kai 3" || fresh.Address.City != "Turku" {
		t.Errorf("Get after UpdateWhere = %+v, %v; want street Kai 3 in Turku", fresh, err)
	}
}

// depot holds a pointer embeddable: nil when every one of its columns is
// NULL.
type depot struct {
	ID   int64
	Name string
	Ship *postal `orm:"embedded,prefix:ship_"`
}

// testEmbeddedPointer: a pointer embeddable is nullable as a whole. Nil
// writes NULL into each of its columns and reads back nil; a non-nil one,
// even all zero, reads back non-nil; filters name its columns by path; a
// change inside it, or setting or clearing it, updates its columns, and an
// edit in place is seen (the snapshot holds its own copy).
func testEmbeddedPointer(t *testing.T, open suite) {
	e := setup(t, open, []any{&depot{}})
	s := e.db.Session()
	none := &depot{Name: "none"}
	full := &depot{Name: "full", Ship: &postal{Street: "Main 1", City: "Oslo", Geo: geo{59.9, 10.7}}}
	zero := &depot{Name: "zero", Ship: &postal{}}
	s.Persist(none, full, zero)
	e.flush(s)
	read := func(what string, d *depot) *depot {
		t.Helper()
		got, err := orm.Repo[depot](e.db.Session()).Get(e.ctx, d.ID)
		if err != nil {
			t.Fatalf("%s: Get(%d): %v", what, d.ID, err)
		}
		return got
	}
	for _, d := range []*depot{none, full, zero} {
		if got := read("after insert", d); !cmp.Equal(got, d) {
			t.Errorf("Get(%s) = %+v; want %+v", d.Name, got, d)
		}
	}
	names := func(f orm.Filter) []string {
		t.Helper()
		got, err := orm.Repo[depot](e.db.Session()).Find(e.ctx, f, orm.OrderBy("Name"))
		if err != nil {
			t.Fatalf("Find(%v): %v", f, err)
		}
		var out []string
		for _, d := range got {
			out = append(out, d.Name)
		}
		return out
	}
	if got := names(orm.IsNull("Ship.City")); !slices.Equal(got, []string{"none"}) {
		t.Errorf("Find(Ship.City IS NULL) = %q; want [none]", got)
	}
	if got := names(orm.Gt("Ship.Geo.Lat", 1.0)); !slices.Equal(got, []string{"full"}) {
		t.Errorf("Find(Ship.Geo.Lat > 1) = %q; want [full]", got)
	}

	s = e.db.Session()
	loaded, err := orm.Repo[depot](s).Find(e.ctx, nil, orm.OrderBy("Name"))
	if err != nil || len(loaded) != 3 {
		t.Fatalf("Find = %v, %v; want 3 depots", loaded, err)
	}
	gotFull, gotNone, gotZero := loaded[0], loaded[1], loaded[2]
	e.rec.Reset()
	e.flush(s)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("a clean flush sent %q", st)
	}
	gotFull.Ship.Street = "Quay 2" // in place: the snapshot must not share the struct
	e.flush(s)
	if n := e.writes("UPDATE"); n != 1 {
		t.Errorf("an edit inside a pointer embeddable sent %d UPDATEs; want 1", n)
	}
	if st := e.rec.Statements(); e.has(SQL) && !slices.ContainsFunc(st, func(q string) bool { return strings.Contains(q, "ship_street") && !strings.Contains(q, "ship_city") }) {
		t.Errorf("the flush %q does not write ship_street alone", st)
	}
	gotNone.Ship = &postal{City: "Turku"}
	gotZero.Ship = nil
	e.rec.Reset()
	e.flush(s)
	if n := e.writes("UPDATE"); n == 0 {
		t.Errorf("setting and clearing pointer embeddables sent no UPDATE")
	}
	if got := read("after set", none); got.Ship == nil || *got.Ship != (postal{City: "Turku"}) {
		t.Errorf("a pointer embeddable set on a loaded entity reads back %+v; want Turku", got.Ship)
	}
	if got := read("after clear", zero); got.Ship != nil {
		t.Errorf("a pointer embeddable set to nil reads back %+v; want nil", got.Ship)
	}
	if got := read("after edit", full); got.Ship == nil || got.Ship.Street != "Quay 2" || got.Ship.City != "Oslo" {
		t.Errorf("a pointer embeddable edited in place reads back %+v; want Quay 2 in Oslo", got.Ship)
	}
	e.rec.Reset()
	e.flush(s)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("a clean flush after the edits sent %q", st)
	}
	mergeAndRefresh(t, e, gotNone)
}

// mergeAndRefresh: Merge of a detached depot whose embeddable is nil clears
// the managed one's, and Refresh puts back the row's, allocating it.
func mergeAndRefresh(t *testing.T, e *env, d *depot) {
	s := e.db.Session()
	managed, err := orm.Repo[depot](s).Get(e.ctx, d.ID)
	if err != nil || managed.Ship == nil {
		t.Fatalf("Get(%d) = %+v, %v; want a Ship", d.ID, managed, err)
	}
	got, err := orm.Repo[depot](s).Merge(e.ctx, &depot{ID: d.ID, Name: d.Name})
	if err != nil || got != managed || managed.Ship != nil {
		t.Fatalf("Merge of a nil Ship = %+v, %v; want the managed depot with no Ship", got, err)
	}
	if err := s.Refresh(e.ctx, managed); err != nil || managed.Ship == nil || managed.Ship.City != "Turku" {
		t.Errorf("Refresh = %v, Ship %+v; want Turku back", err, managed.Ship)
	}
	e.rec.Reset()
	e.flush(s)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("a flush after Refresh sent %q", st)
	}
}
