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
