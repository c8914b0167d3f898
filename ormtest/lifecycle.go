package ormtest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/unitofwork/orm"
)

// The lifecycle of one entity beyond Persist and Remove: Refresh, Detach
// and Merge keep the identity map true, and the next flush sends only what
// differs from the database.

// seedGarage stores two drivers and a car driven by the first.
func seedGarage(t *testing.T, e *env) (d1, d2 *driver, c *car) {
	t.Helper()
	s := e.db.Session()
	d1, d2 = &driver{Name: "d1"}, &driver{Name: "d2"}
	c = &car{Brand: "old", Driver: orm.RefTo(d1)}
	s.Persist(d1, d2, c)
	e.flush(s)
	e.rec.Reset()
	return d1, d2, c
}

// brands returns the brands of the cars of a driver's loaded collection.
func brands(d *driver) []string {
	var out []string
	for _, c := range d.Cars.Items() {
		out = append(out, c.Brand)
	}
	return out
}

func testRefresh(t *testing.T, open suite) {
	e := setup(t, open, uowEntities)
	d1, d2, seeded := seedGarage(t, e)
	s := e.db.Session()
	first, err := orm.Repo[driver](s).Get(e.ctx, d1.ID, orm.Populate("Cars"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := orm.Repo[driver](s).Get(e.ctx, d2.ID, orm.Populate("Cars"))
	if err != nil {
		t.Fatal(err)
	}
	c := first.Cars.Items()[0]
	// Another Session changes the row and moves the car to the second driver.
	other := e.db.Session()
	oc, err := orm.Repo[car](other).Get(e.ctx, seeded.ID)
	if err != nil {
		t.Fatal(err)
	}
	oc.Brand = "new"
	oc.Driver.Set(&driver{ID: d2.ID})
	e.flush(other)

	c.ForSale = true // an unflushed edit, discarded by Refresh
	e.rec.Reset()
	if err := s.Refresh(e.ctx, c); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if got := e.verbs(); !slices.Equal(got, []string{"SELECT car"}) {
		t.Errorf("Refresh sent %q; want one SELECT", got)
	}
	if c.Brand != "new" || c.ForSale || c.Driver.ID() != any(d2.ID) {
		t.Errorf("after Refresh: brand %q, for sale %v, driver %v; want new, false, %d", c.Brand, c.ForSale, c.Driver.ID(), d2.ID)
	}
	if b1, b2 := brands(first), brands(second); len(b1) != 0 || !slices.Equal(b2, []string{"new"}) {
		t.Errorf("after Refresh the drivers list %q and %q; want none and [new]", b1, b2)
	}
	if got, _ := orm.Repo[car](s).Get(e.ctx, c.ID); got != c {
		t.Error("after Refresh, Get returns another instance")
	}
	e.flush(s)
	if got := e.verbs(); len(got) != 0 {
		t.Errorf("a flush after Refresh sent %q; want nothing", got)
	}

	// A removal is an unflushed change too: Refresh cancels it.
	s.Remove(c)
	if err := s.Refresh(e.ctx, c); err != nil {
		t.Fatalf("Refresh of a removed car: %v", err)
	}
	e.flush(s)
	if n := count[car](t, e, nil); n != 1 {
		t.Errorf("%d cars after Refresh cancelled the removal; want 1", n)
	}

	// The row is gone: ErrNotFound, and the Session forgets the car.
	gone, _ := orm.Repo[car](other).Get(e.ctx, c.ID)
	other.Remove(gone)
	e.flush(other)
	if err := s.Refresh(e.ctx, c); !errors.Is(err, orm.ErrNotFound) {
		t.Fatalf("Refresh of a deleted row = %v; want ErrNotFound", err)
	}
	if got := brands(second); len(got) != 0 {
		t.Errorf("the driver still lists %q after Refresh found the row gone", got)
	}
	if _, err := orm.Repo[car](s).Get(e.ctx, c.ID); !errors.Is(err, orm.ErrNotFound) {
		t.Errorf("Get after Refresh found the row gone = %v; want ErrNotFound", err)
	}
	e.rec.Reset()
	e.flush(s)
	if got := e.verbs(); len(got) != 0 {
		t.Errorf("a flush after Refresh found the row gone sent %q; want nothing", got)
	}

	// Bad input.
	if err := s.Refresh(e.ctx, &car{Brand: "new"}); err == nil {
		t.Error("Refresh of an untracked car succeeded")
	}
	fresh := &car{Brand: "fresh"}
	s.Persist(fresh)
	if err := s.Refresh(e.ctx, fresh); err == nil {
		t.Error("Refresh of a new car succeeded")
	}
	if err := s.Refresh(e.ctx, 42); err == nil {
		t.Error("Refresh(42) succeeded")
	}
}

func testRefreshRolledBack(t *testing.T, open suite) {
	e := setup(t, open, uowEntities)
	_, _, seeded := seedGarage(t, e)
	s := e.db.Session()
	c, err := orm.Repo[car](s).Get(e.ctx, seeded.ID)
	if err != nil {
		t.Fatal(err)
	}
	other := e.db.Session()
	oc, _ := orm.Repo[car](other).Get(e.ctx, seeded.ID)
	oc.Brand = "new"
	e.flush(other)
	c.ForSale = true
	stop := errors.New("stop")
	err = s.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
		if err := s.Refresh(ctx, c); err != nil {
			return err
		}
		if c.Brand != "new" || c.ForSale {
			t.Errorf("inside the transaction after Refresh: %q, %v", c.Brand, c.ForSale)
		}
		return stop
	})
	if !errors.Is(err, stop) {
		t.Fatalf("Transaction = %v", err)
	}
	if c.Brand != "old" || !c.ForSale {
		t.Errorf("after the rollback: brand %q, for sale %v; want old, true (as before Refresh)", c.Brand, c.ForSale)
	}
	e.rec.Reset()
	e.flush(s)
	if got, want := e.verbs(), []string{"UPDATE car"}; !slices.Equal(got, want) {
		t.Errorf("the flush after the rollback sent %q; want %q (the edit is back)", got, want)
	}
}

func testDetach(t *testing.T, open suite) {
	e := setup(t, open, uowEntities)
	d1, _, seeded := seedGarage(t, e)
	s := e.db.Session()
	c, err := orm.Repo[car](s).Get(e.ctx, seeded.ID)
	if err != nil {
		t.Fatal(err)
	}
	s.Detach(c)
	c.Brand = "edited"
	fresh := &car{Brand: "never"}
	s.Persist(fresh)
	s.Detach(fresh)
	s.Detach(&car{Brand: "unknown"}) // not tracked: nothing happens
	s.Detach(nil)
	e.rec.Reset()
	e.flush(s)
	if got := e.verbs(); len(got) != 0 {
		t.Errorf("a flush after Detach sent %q; want nothing", got)
	}
	again, err := orm.Repo[car](s).Get(e.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again == c || again.Brand != "old" {
		t.Errorf("Get after Detach = %p (%q); want a new instance holding the row", again, again.Brand)
	}
	if _, err := c.Driver.Load(e.ctx); err == nil {
		t.Error("the detached car's Ref loaded through the Session")
	}
	// Another Session takes the detached entity as it takes any from outside.
	other := e.db.Session()
	merged, err := orm.Repo[car](other).Merge(e.ctx, c)
	if err != nil {
		t.Fatalf("Merge of the detached car in another Session: %v", err)
	}
	e.flush(other)
	if merged.Brand != "edited" || merged.Driver.ID() != any(d1.ID) {
		t.Errorf("merged car: %q, driver %v", merged.Brand, merged.Driver.ID())
	}
	if n := count[car](t, e, orm.Eq("Brand", "edited")); n != 1 {
		t.Errorf("%d edited cars; want 1", n)
	}
}

func testMerge(t *testing.T, open suite) {
	e := setup(t, open, uowEntities)
	seed := e.db.Session()
	a := &author{Name: "ann", Email: "ann@x.org", Age: 30}
	seed.Persist(a)
	e.flush(seed)
	d1, d2, seeded := seedGarage(t, e)

	// A request body: every field, the version as read.
	body := &author{ID: a.ID, Name: "anna", Email: a.Email, Age: 30, Version: a.Version}
	s := e.db.Session()
	e.rec.Reset()
	m, err := orm.Repo[author](s).Merge(e.ctx, body)
	if err != nil {
		t.Fatalf("Merge: %v", err)
	}
	if got := e.verbs(); !slices.Equal(got, []string{"SELECT author"}) {
		t.Errorf("Merge sent %q; want one SELECT", got)
	}
	if m == body || m.Name != "anna" {
		t.Errorf("Merge = %p (%q); want the managed instance, renamed", m, m.Name)
	}
	if got, _ := orm.Repo[author](s).Get(e.ctx, a.ID); got != m {
		t.Error("Get after Merge returns another instance")
	}
	e.flush(s)
	if got, want := e.verbs(), []string{"UPDATE author"}; !slices.Equal(got, want) {
		t.Errorf("the flush after Merge sent %q; want %q", got, want)
	}
	if m.Version != a.Version+1 {
		t.Errorf("version %d after the update; want %d", m.Version, a.Version+1)
	}
	// The Session holds the row: no query; the same values: nothing to write.
	same := &author{ID: a.ID, Name: "anna", Email: a.Email, Age: 30}
	if got, err := orm.Repo[author](s).Merge(e.ctx, same); err != nil || got != m {
		t.Errorf("Merge of equal values = %p, %v; want the managed instance", got, err)
	}
	e.flush(s)
	if got := e.verbs(); len(got) != 0 {
		t.Errorf("merging equal values sent %q; want nothing", got)
	}
	// A body read before the last write is stale.
	stale := &author{ID: a.ID, Name: "late", Email: a.Email, Version: a.Version}
	var ol *orm.OptimisticLockError
	if _, err := orm.Repo[author](e.db.Session()).Merge(e.ctx, stale); !errors.As(err, &ol) {
		t.Errorf("Merge of a stale version = %v; want *orm.OptimisticLockError", err)
	}
	// No row with that key; a zero key is a Persist.
	if _, err := orm.Repo[author](s).Merge(e.ctx, &author{ID: a.ID + 1000, Name: "x"}); !errors.Is(err, orm.ErrNotFound) {
		t.Errorf("Merge of a missing row = %v; want ErrNotFound", err)
	}
	newer := &author{Name: "new", Email: "new@x.org"}
	if got, err := orm.Repo[author](s).Merge(e.ctx, newer); err != nil || got != newer {
		t.Fatalf("Merge of a new author = %p, %v; want it, persisted", got, err)
	}
	e.flush(s)
	if newer.ID == 0 {
		t.Error("the merged new author has no key after the flush")
	}

	// A Ref's key moves; the loaded collections mirroring it follow.
	s2 := e.db.Session()
	first, _ := orm.Repo[driver](s2).Get(e.ctx, d1.ID, orm.Populate("Cars"))
	second, _ := orm.Repo[driver](s2).Get(e.ctx, d2.ID, orm.Populate("Cars"))
	moved := &car{ID: seeded.ID, Brand: "old", Driver: orm.RefTo(&driver{ID: d2.ID})}
	mc, err := orm.Repo[car](s2).Merge(e.ctx, moved)
	if err != nil {
		t.Fatalf("Merge of a moved car: %v", err)
	}
	if mc.Driver.Get() != second || len(first.Cars.Items()) != 0 || len(second.Cars.Items()) != 1 {
		t.Errorf("after Merge the car points at %p (want %p), drivers list %d and %d cars", mc.Driver.Get(), second, len(first.Cars.Items()), len(second.Cars.Items()))
	}
	e.rec.Reset()
	e.flush(s2)
	if got, want := e.verbs(), []string{"UPDATE car"}; !slices.Equal(got, want) {
		t.Errorf("the flush after the move sent %q; want %q", got, want)
	}
	if n := count[car](t, e, orm.Eq("Driver.Name", "d2")); n != 1 {
		t.Errorf("%d cars of d2 after the merge; want 1", n)
	}
	// A Ref to an entity without a key cannot be merged.
	bad := &car{ID: seeded.ID, Driver: orm.RefTo(&driver{Name: "unsaved"})}
	if _, err := orm.Repo[car](e.db.Session()).Merge(e.ctx, bad); err == nil {
		t.Error("Merge of a car pointing at an unsaved driver succeeded")
	}
}
