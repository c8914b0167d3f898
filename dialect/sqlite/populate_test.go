package sqlite_test

import (
	"context"
	"strings"
	"testing"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/ormtest"
)

// Parent has kids and labels.
type Parent struct {
	ID     int64
	Kids   orm.Collection[Kid]   `orm:"mappedBy:Parent"`
	Labels orm.Collection[Label] `orm:"m2m"`
}

// Kid has a parent.
type Kid struct {
	ID     int64
	Parent orm.Ref[Parent]
}

// Label is on parents.
type Label struct {
	ID   int64
	Name string
}

// TestPopulateSplitsLongKeyLists: a populate over more owners than half of
// SQLite's 32,766-variable limit is split by the backend into several
// queries (Query.Split), and every owner gets its members, for a
// one-to-many collection, a many-to-many one and a Ref.
func TestPopulateSplitsLongKeyLists(t *testing.T) {
	ctx := context.Background()
	var rec ormtest.Recorder
	db, err := orm.Open(open(t), orm.Entities(&Parent{}, &Kid{}, &Label{}), rec.Hook())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	const n = 16383 + 100 // two parts of at most 16,383 keys
	s := db.Session()
	l := &Label{Name: "l"}
	for range n {
		p := &Parent{}
		p.Labels.Add(l)
		s.Persist(p, &Kid{Parent: orm.RefTo(p)})
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	selects := func(table string) int {
		c := 0
		for _, st := range rec.Statements() {
			if strings.HasPrefix(st, "SELECT") && strings.Contains(st, `FROM "`+table+`"`) {
				c++
			}
		}
		return c
	}
	rec.Reset()
	parents, err := orm.Repo[Parent](db.Session()).Find(ctx, nil, orm.Populate("Kids", "Labels"))
	if err != nil {
		t.Fatal(err)
	}
	if len(parents) != n || selects("kid") != 2 || selects("label") != 2 {
		t.Fatalf("%d parents, %d kid and %d label queries; want %d, 2 and 2", len(parents), selects("kid"), selects("label"), n)
	}
	for _, p := range parents {
		if p.Kids.Len() != 1 || p.Labels.Len() != 1 {
			t.Fatalf("parent %d has %d kids and %d labels; want 1 and 1", p.ID, p.Kids.Len(), p.Labels.Len())
		}
	}
	rec.Reset()
	kids, err := orm.Repo[Kid](db.Session()).Find(ctx, nil, orm.Populate("Parent"))
	if err != nil {
		t.Fatal(err)
	}
	if len(kids) != n || selects("parent") != 2 {
		t.Fatalf("%d kids, %d parent queries; want %d and 2", len(kids), selects("parent"), n)
	}
	for _, k := range kids {
		if k.Parent.Get() == nil {
			t.Fatalf("kid %d has no parent loaded", k.ID)
		}
	}
}
