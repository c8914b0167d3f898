package sqlite_test

import (
	"context"
	"errors"
	"testing"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/ormtest"
)

func edgeDB(t *testing.T) (*orm.DB, context.Context) {
	t.Helper()
	ctx := context.Background()
	db, err := orm.Open(open(t), orm.Entities(&Driver{}, &Address{}, &Car{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	return db, ctx
}

func seedDrivers(t *testing.T, db *orm.DB, ctx context.Context) (d1, d2, c1 int64) {
	s := db.Session()
	a := &Driver{Name: "a"}
	b := &Driver{Name: "b"}
	c := &Car{Brand: "VW", Driver: orm.RefTo(a)}
	c2 := &Car{Brand: "BMW", Driver: orm.RefTo(a)}
	s.Persist(a, b, c, c2)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	return a.ID, b.ID, c.ID
}

// TestClearInsideStream: rows a Stream yields after its loop body cleared
// the Session are managed by the Session as it is now: edits to them are
// flushed and Get returns the same instance.
func TestClearInsideStream(t *testing.T) {
	db, ctx := edgeDB(t)
	seedDrivers(t, db, ctx)
	s := db.Session()
	var second *Car
	i := 0
	for c, err := range orm.Repo[Car](s).Stream(ctx, nil, orm.OrderBy("ID")) {
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if err := s.Clear(); err != nil {
				t.Fatal(err)
			}
		} else {
			second = c
		}
		i++
	}
	got, err := orm.Repo[Car](s).Get(ctx, second.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got != second {
		t.Errorf("Get after Stream returned a second instance of car %d (identity map lost the streamed row)", second.ID)
	}
	second.Brand = "Audi"
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	c, _ := orm.Repo[Car](db.Session()).Get(ctx, second.ID)
	if c.Brand != "Audi" {
		t.Errorf("edit to a car streamed after Clear was never flushed: brand %q", c.Brand)
	}
}

// TestRemoveNewLeavesCollection: Persist lists a new child in its owner's
// loaded collection; removing it before any flush takes it out again.
func TestRemoveNewLeavesCollection(t *testing.T) {
	db, ctx := edgeDB(t)
	d1, _, _ := seedDrivers(t, db, ctx)
	s := db.Session()
	d, err := orm.Repo[Driver](s).Get(ctx, d1, orm.Populate("Cars"))
	if err != nil {
		t.Fatal(err)
	}
	car := &Car{Brand: "Fiat", Driver: orm.RefTo(d)}
	s.Persist(car)
	if d.Cars.Len() != 3 {
		t.Fatalf("after Persist: %d cars, want 3", d.Cars.Len())
	}
	s.Remove(car)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	n, _ := orm.Repo[Car](s).Count(ctx, nil)
	if d.Cars.Len() != int(n) {
		t.Errorf("driver lists %d cars, the database has %d (a forgotten new car is still listed)", d.Cars.Len(), n)
	}
}

// TestRemoveUnmanagedFromHasMany: taking a car another Session loaded (a
// reference by key) out of a one-to-many collection writes its foreign key
// NULL, as adding it writes the owner's.
func TestRemoveUnmanagedFromHasMany(t *testing.T) {
	db, ctx := edgeDB(t)
	d1, _, c1 := seedDrivers(t, db, ctx)
	s := db.Session()
	d, err := orm.Repo[Driver](s).Get(ctx, d1)
	if err != nil {
		t.Fatal(err)
	}
	other := db.Session()
	car, _ := orm.Repo[Car](other).Get(ctx, c1)
	d.Cars.Remove(car)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := orm.Repo[Car](db.Session()).Get(ctx, c1)
	if !got.Driver.IsNil() {
		t.Errorf("car %d still has driver %v after Remove+Flush (removal of an unmanaged member silently dropped)", c1, got.Driver.ID())
	}
}

// TestLoadAfterRefSet: loading a collection after a Ref was moved to its
// owner in memory lists the moved entity, before any flush.
func TestLoadAfterRefSet(t *testing.T) {
	db, ctx := edgeDB(t)
	_, d2, c1 := seedDrivers(t, db, ctx)
	s := db.Session()
	car, _ := orm.Repo[Car](s).Get(ctx, c1)
	b, _ := orm.Repo[Driver](s).Get(ctx, d2)
	car.Driver.Set(b)
	if err := b.Cars.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if !b.Cars.Contains(car) {
		t.Errorf("b.Cars loaded after car.Driver.Set(b) does not list the car (%d items)", b.Cars.Len())
	}
}

// TestRollbackKeepsLaterAdd: a rolled-back Transaction puts back what an
// inner flush did to a collection and keeps an Add the function made
// afterwards: the new car stays listed and is inserted by the next flush.
func TestRollbackKeepsLaterAdd(t *testing.T) {
	db, ctx := edgeDB(t)
	d1, _, _ := seedDrivers(t, db, ctx)
	s := db.Session()
	d, _ := orm.Repo[Driver](s).Get(ctx, d1, orm.Populate("Cars"))
	boom := errors.New("boom")
	late := &Car{Brand: "Late"}
	err := s.Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
		d.Cars.Add(&Car{Brand: "Early"})
		if err := s.Flush(ctx); err != nil {
			return err
		}
		d.Cars.Add(late)
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	t.Logf("after rollback: late.Driver=%p d=%p, d.Cars.Contains(late)=%v, len=%d", late.Driver.Get(), d, d.Cars.Contains(late), d.Cars.Len())
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	n, _ := orm.Repo[Car](db.Session()).Count(ctx, orm.Eq("Brand", "Late"))
	if late.Driver.Get() == d && n == 0 {
		t.Errorf("the Add made after the inner flush is lost: late car points at the driver but was never inserted; collection lists it: %v", d.Cars.Contains(late))
	}
}

type HOwner struct {
	ID   int64
	Name string
	Kids orm.Collection[HKid] `orm:"mappedBy:Owner"`
	sess *orm.Session         `orm:"-"`
	alt  *HOwner              `orm:"-"`
}

type HKid struct {
	ID    int64
	Name  string
	Owner orm.Ref[HOwner]
	move  *HOwner `orm:"-"`
}

func (o *HOwner) BeforeUpdate(context.Context) error {
	if o.Name == "addkid" {
		o.Kids.Add(&HKid{Name: "from hook"})
	}
	if o.Name == "persist" && o.sess != nil {
		o.sess.Persist(&HKid{Name: "persisted in hook"}) // result ignored, as the docs allow
	}
	return nil
}

func (k *HKid) BeforeCreate(context.Context) error {
	if k.move != nil {
		k.Owner.Set(k.move)
	}
	return nil
}

func hookDB(t *testing.T) (*orm.DB, context.Context, *HOwner, *HOwner) {
	ctx := context.Background()
	db, err := orm.Open(open(t), orm.Entities(&HOwner{}, &HKid{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	s := db.Session()
	a, b := &HOwner{Name: "a"}, &HOwner{Name: "b"}
	s.Persist(a, b)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	return db, ctx, a, b
}

// TestHookAdds: a new child a BeforeUpdate hook adds to a collection is
// cascaded to and inserted by the same flush.
func TestHookAdds(t *testing.T) {
	db, ctx, a, _ := hookDB(t)
	s := db.Session()
	o, _ := orm.Repo[HOwner](s).Get(ctx, a.ID)
	o.Name = "addkid"
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	n, _ := orm.Repo[HKid](db.Session()).Count(ctx, nil)
	if n != 1 {
		t.Errorf("child added by a BeforeUpdate hook: %d rows, want 1 (silently dropped)", n)
	}
}

// TestHookPersists: an entity a hook persists is inserted by the same flush.
func TestHookPersists(t *testing.T) {
	db, ctx, a, _ := hookDB(t)
	s := db.Session()
	o, _ := orm.Repo[HOwner](s).Get(ctx, a.ID)
	o.Name, o.sess = "persist", s
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("second flush: %v", err)
	}
	n, _ := orm.Repo[HKid](db.Session()).Count(ctx, nil)
	if n != 1 {
		t.Errorf("Persist inside a hook: %d rows, want 1 or an error from Flush", n)
	}
}

// TestHookMovesRef: Ref.Set in a BeforeCreate hook moves the entity between
// the loaded collections, as outside a hook.
func TestHookMovesRef(t *testing.T) {
	db, ctx, a, b := hookDB(t)
	s := db.Session()
	oa, _ := orm.Repo[HOwner](s).Get(ctx, a.ID, orm.Populate("Kids"))
	ob, _ := orm.Repo[HOwner](s).Get(ctx, b.ID, orm.Populate("Kids"))
	k := &HKid{Name: "k", Owner: orm.RefTo(oa), move: ob}
	s.Persist(k)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if k.Owner.Get() != ob || oa.Kids.Contains(k) || !ob.Kids.Contains(k) {
		t.Errorf("kid's Ref is b=%v; a lists it=%v, b lists it=%v", k.Owner.Get() == ob, oa.Kids.Contains(k), ob.Kids.Contains(k))
	}
}

type Person struct {
	ID      int64
	Name    string
	Friends orm.Collection[Person] `orm:"m2m"`
}

// TestSelfM2MPivotClear: removing an entity of a self-referencing
// many-to-many relation deletes its pivot rows on both sides.
func TestSelfM2MPivotClear(t *testing.T) {
	ctx := context.Background()
	var rec ormtest.Recorder
	db, err := orm.Open(open(t), orm.Entities(&Person{}), rec.Hook())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	s := db.Session()
	a, b, c := &Person{Name: "a"}, &Person{Name: "b"}, &Person{Name: "c"}
	a.Friends.Add(b)
	c.Friends.Add(a)
	s.Persist(a, b, c)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	rec.Reset()
	s.Remove(a)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, st := range rec.Statements() {
		t.Log(st)
	}
	if c.Friends.Contains(a) {
		t.Errorf("c still lists removed a")
	}
}

// Driver has an Address and Cars.
type Driver struct {
	ID      int64
	Name    string
	Title   string
	Address orm.Ref[Address]
	Cars    orm.Collection[Car] `orm:"mappedBy:Driver"`
}

// Address is referenced by a Driver.
type Address struct {
	ID     int64
	Street string
	City   string
}

// Car belongs to a Driver.
type Car struct {
	ID      int64
	Brand   string
	ForSale bool
	Driver  orm.Ref[Driver]
}
