package ormtest

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/unitofwork/orm"
)

// citizen and visa are one-to-one: a visa's holder is unique.
type citizen struct {
	ID   int64
	Name string
	Visa orm.Ref[visa] `orm:"mappedBy:Holder"` // the inverse side: no column
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
	testOneToOneInverse(t, e, ann.ID, bob.ID)
}

// testOneToOneInverse: the inverse side of a one-to-one (a Ref tagged
// mappedBy) loads by Populate and by Load, is nil where no row points at
// it, and moves with the owning side, which it moves in turn.
func testOneToOneInverse(t *testing.T, e *env, annID, bobID int64) {
	s := e.db.Session()
	carl := &citizen{Name: "carl"}
	s.Persist(carl)
	e.flush(s)
	cs, err := orm.Repo[citizen](e.db.Session()).Find(e.ctx, nil, orm.OrderBy("ID"), orm.Populate("Visa"))
	if err != nil || len(cs) != 3 || cs[0].Visa.Get() == nil || cs[0].Visa.Get().Number != "A3" || cs[1].Visa.Get() == nil || cs[1].Visa.Get().Number != "B1" || cs[2].Visa.Get() != nil {
		t.Fatalf("Find citizens with Populate(Visa) = %+v, %v; want ann's A3, bob's B1, none for carl", cs, err)
	}
	if cs[0].Visa.Get().Holder.Get() != cs[0] {
		t.Error("ann's visa's holder is not the managed ann")
	}
	// Lazily, in a Session of its own.
	s = e.db.Session()
	repo := orm.Repo[citizen](s)
	ann, _ := repo.Get(e.ctx, annID)
	carl2, _ := repo.Get(e.ctx, carl.ID)
	e.rec.Reset()
	v, err := ann.Visa.Load(e.ctx)
	if err != nil || v == nil || v.Number != "A3" || len(e.rec.Statements()) != 1 {
		t.Fatalf("ann.Visa.Load = %+v, %v after %q; want A3 in one query", v, err, e.rec.Statements())
	}
	if none, err := carl2.Visa.Load(e.ctx); err != nil || none != nil {
		t.Errorf("carl.Visa.Load = %+v, %v; want nil", none, err)
	}
	e.rec.Reset()
	if again, _ := carl2.Visa.Load(e.ctx); again != nil || len(e.rec.Statements()) != 0 {
		t.Errorf("a second Load of carl's visa sent %q", e.rec.Statements())
	}
	// The owning side moves the inverse sides.
	v.Holder.Set(carl2)
	if ann.Visa.Get() != nil || carl2.Visa.Get() != v {
		t.Errorf("after visa.Holder.Set(carl) ann's visa is %p, carl's %p; want none and the visa", ann.Visa.Get(), carl2.Visa.Get())
	}
	e.rec.Reset()
	e.flush(s)
	if n := e.writes("UPDATE"); n != 1 {
		t.Errorf("moving the visa sent %d UPDATEs; want 1", n)
	}
	// The inverse side moves the owning side.
	ann.Visa.Set(v)
	if v.Holder.Get() != ann || carl2.Visa.Get() != nil {
		t.Errorf("after ann.Visa.Set(visa) its holder is %p, carl's visa %p; want ann and none", v.Holder.Get(), carl2.Visa.Get())
	}
	e.flush(s)
	got, err := orm.Repo[visa](e.db.Session()).Find(e.ctx, orm.Eq("Number", "A3"))
	if err != nil || len(got) != 1 || got[0].Holder.ID() != annID {
		t.Errorf("the visa reads back %+v, %v; want ann's", got, err)
	}
	// Decoding into the managed inverse side would move the owning side:
	// refused, nothing changed.
	if err := json.Unmarshal([]byte(`{"Visa": null}`), ann); err == nil || ann.Visa.Get() != v {
		t.Errorf("decoding into ann's inverse Visa = %v, visa now %p; want an error, the visa kept", err, ann.Visa.Get())
	}
	e.rec.Reset()
	e.flush(s)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("the refused decode left %q to flush", st)
	}
	_ = bobID
}
