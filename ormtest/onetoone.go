package ormtest

import (
	"errors"
	"testing"

	"github.com/unitofwork/orm"
)

// citizen and visa are one-to-one: a visa's holder is unique.
type citizen struct {
	ID   int64
	Name string
}

type visa struct {
	ID     int64
	Number string
	Holder orm.Ref[citizen] `orm:"unique"`
}

// testOneToOne: a unique Ref is the owning side of a one-to-one relation:
// a second row pointing at the same target is a unique ConstraintError and
// leaves the Session as it was; NULLs do not conflict on SQL databases;
// Populate and relation paths follow it; Upsert takes it as the conflict
// target.
func testOneToOne(t *testing.T, open suite) {
	e := setup(t, open, []any{&citizen{}, &visa{}})
	s := e.db.Session()
	ann, bob := &citizen{Name: "ann"}, &citizen{Name: "bob"}
	va, vb := &visa{Number: "A1", Holder: orm.RefTo(ann)}, &visa{Number: "B1", Holder: orm.RefTo(bob)}
	s.Persist(va, vb)
	e.flush(s)
	dup := &visa{Number: "A2", Holder: orm.RefTo(ann)}
	s.Persist(dup)
	err := s.Flush(e.ctx)
	var ce *orm.ConstraintError
	if !errors.As(err, &ce) || ce.Kind != orm.Unique {
		t.Fatalf("a second visa for ann = %v; want a unique ConstraintError", err)
	}
	if dup.ID != 0 {
		t.Errorf("the failed flush gave the second visa key %d", dup.ID)
	}
	s.Detach(dup)
	if e.has(SQL) { // MongoDB's unique indexes count a missing value as one
		s.Persist(&visa{Number: "N1"}, &visa{Number: "N2"})
		e.flush(s)
	}
	fresh := e.db.Session()
	got, err := orm.Repo[visa](fresh).Find(e.ctx, orm.Eq("Holder.Name", "ann"), orm.Populate("Holder"))
	if err != nil || len(got) != 1 || got[0].Number != "A1" || got[0].Holder.Get() == nil || got[0].Holder.Get().Name != "ann" {
		t.Fatalf("Find(Holder.Name = ann) with Populate = %+v, %v; want visa A1 with ann", got, err)
	}
	if got, err := orm.Repo[visa](fresh).Find(e.ctx, orm.Eq("Holder", bob.ID)); err != nil || len(got) != 1 || got[0].Number != "B1" {
		t.Errorf("Find(Holder = bob's key) = %+v, %v; want visa B1", got, err)
	}
	up, err := orm.Repo[visa](fresh).Upsert(e.ctx, &visa{Number: "A3", Holder: orm.RefTo(got[0].Holder.Get())}, orm.OnConflict("Holder"))
	if err != nil || up != got[0] || up.Number != "A3" {
		t.Errorf("Upsert on the holder = %+v, %v; want ann's visa, now A3", up, err)
	}
	e.rec.Reset()
	e.flush(fresh)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("a clean flush sent %q", st)
	}
}
