package ormtest

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/internal/uuid"
)

// uuidKey is a UUID type of the test's own: any [16]byte array type maps
// to the database's UUID column.
type uuidKey [16]byte

// String is the canonical text form, for messages.
func (u uuidKey) String() string { return uuid.Format(u) }

// vendor has a generated UUID key.
type vendor struct {
	ID   uuidKey
	Name string `orm:"unique"`
}

// device has a generated UUID key, a nullable UUID, a Ref to a UUID-keyed
// entity and a many-to-many relation to another.
type device struct {
	ID     uuidKey
	N      int
	Serial *uuidKey
	Vendor orm.Ref[vendor]
	Badges orm.Collection[badge] `orm:"m2m"`
}

// badge has a UUID key the program sets.
type badge struct {
	ID   uuidKey
	Name string
}

// checkV7 reports a key that is not an RFC 9562 version 7 UUID.
func checkV7(t *testing.T, what string, u uuidKey) {
	t.Helper()
	if u[6]>>4 != 7 || u[8]&0xc0 != 0x80 {
		t.Errorf("%s key %v: version %d, variant bits %02b; want version 7, variant 10", what, u, u[6]>>4, u[8]>>6)
	}
}

// testUUIDKeys: a zero UUID key is generated at the flush, a UUIDv7, in
// creation order for a thousand entities flushed at once; UUIDs round-trip
// exactly through keys, nullable fields, foreign keys and pivot rows; Get,
// Eq, In and OrderBy work on them; a clean flush after a load sends
// nothing; a failed flush sets the generated keys back to zero.
func testUUIDKeys(t *testing.T, open suite) {
	e := setup(t, open, []any{&vendor{}, &device{}, &badge{}})
	s := e.db.Session()
	v := &vendor{Name: "acme"}
	b1 := &badge{ID: uuidKey{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, Name: "ones"}
	b2 := &badge{ID: uuidKey{15: 1}, Name: "one"}
	const n = 1000
	ds := make([]*device, n)
	for i := range ds {
		ds[i] = &device{N: i, Vendor: orm.RefTo(v)}
		if i%2 == 0 {
			serial := uuidKey{0: byte(i >> 8), 1: byte(i), 6: 0x40, 8: 0x80, 15: byte(i)}
			ds[i].Serial = &serial
		}
	}
	ds[0].Badges.Add(b1, b2)
	ds[1].Badges.Add(b2)
	s.Persist(v)
	for _, d := range ds {
		s.Persist(d)
	}
	e.flush(s)
	checkV7(t, "vendor", v.ID)
	seen := map[uuidKey]bool{v.ID: true}
	for i, d := range ds {
		if seen[d.ID] {
			t.Fatalf("device %d got key %v, given already", i, d.ID)
		}
		seen[d.ID] = true
		checkV7(t, "device", d.ID)
		if i > 0 && bytes.Compare(ds[i-1].ID[:], d.ID[:]) >= 0 {
			t.Fatalf("device %d key %v is not after device %d key %v: keys are not in creation order", i, d.ID, i-1, ds[i-1].ID)
		}
	}
	if b1.ID[0] != 0xff || b2.ID != (uuidKey{15: 1}) {
		t.Errorf("the flush changed keys the program set: %v, %v", b1.ID, b2.ID)
	}
	e.rec.Reset()
	e.flush(s)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("a clean flush after the inserts sent %q", st)
	}

	// Get by key, a fresh Session: the row reads back exactly.
	s2 := e.db.Session()
	got, err := orm.Repo[device](s2).Get(e.ctx, ds[500].ID, orm.Populate("Vendor", "Badges"))
	if err != nil {
		t.Fatalf("Get(%v) = %v", ds[500].ID, err)
	}
	if got.N != 500 || got.Serial == nil || *got.Serial != *ds[500].Serial || got.Vendor.Get() == nil || got.Vendor.Get().ID != v.ID {
		t.Errorf("Get(%v) = %+v; want N 500, serial %v, vendor %v", ds[500].ID, got, *ds[500].Serial, v.ID)
	}
	if _, err := orm.Repo[device](s2).Get(e.ctx, [16]byte(ds[501].ID)); err != nil {
		t.Errorf("Get with a [16]byte key = %v", err)
	}
	if _, err := orm.Repo[device](s2).Get(e.ctx, uuidKey{}); !errors.Is(err, orm.ErrNotFound) {
		t.Errorf("Get(zero UUID) = %v; want ErrNotFound", err)
	}

	// Filters and ordering.
	e.checkDevices(s2, "Eq ID", orm.Eq("ID", ds[3].ID), 3)
	e.checkDevices(s2, "Eq Serial", orm.Eq("Serial", *ds[4].Serial), 4)
	e.checkDevices(s2, "Eq Serial pointer", orm.Eq("Serial", ds[6].Serial), 6)
	e.checkDevices(s2, "In ID", orm.In("ID", ds[7].ID, ds[9].ID, uuidKey{}), 7, 9)
	var many, serials []any
	var wantMany []int
	for i := 100; i < 250; i++ {
		many = append(many, ds[i].ID)
		if ds[i].Serial != nil {
			serials = append(serials, *ds[i].Serial)
		}
		wantMany = append(wantMany, i)
	}
	e.checkDevices(s2, "In 150 IDs", orm.In("ID", many...), wantMany...)
	if c, err := orm.Repo[device](s2).Count(e.ctx, orm.In("Serial", serials...)); err != nil || c != 75 {
		t.Errorf("Count(In 75 serials) = %d, %v; want 75", c, err)
	}
	if c, err := orm.Repo[device](s2).Count(e.ctx, orm.IsNull("Serial")); err != nil || c != n/2 {
		t.Errorf("Count(IsNull Serial) = %d, %v; want %d", c, err, n/2)
	}
	if c, err := orm.Repo[device](s2).Count(e.ctx, orm.Eq("Vendor", v.ID)); err != nil || c != n {
		t.Errorf("Count(Eq Vendor) = %d, %v; want %d", c, err, n)
	}
	if c, err := orm.Repo[device](s2).Count(e.ctx, orm.Eq("Vendor.Name", "acme")); err != nil || c != n {
		t.Errorf("Count(Eq Vendor.Name) = %d, %v; want %d", c, err, n)
	}
	all, err := orm.Repo[device](s2).Find(e.ctx, nil, orm.OrderBy("ID"), orm.Populate("Vendor", "Badges"))
	if err != nil || len(all) != n {
		t.Fatalf("Find ordered by ID = %d rows, %v", len(all), err)
	}
	for i, d := range all {
		if d.N != i {
			t.Fatalf("ordered by ID, row %d is device %d; want keys in creation order", i, d.N)
		}
	}
	last, err := orm.Repo[device](s2).FindOne(e.ctx, nil, orm.OrderBy("-ID"))
	if err != nil || last.N != n-1 {
		t.Errorf("FindOne ordered by -ID = %+v, %v; want device %d", last, err, n-1)
	}
	if all[0].Vendor.Get() != got.Vendor.Get() || all[0].Badges.Len() != 2 || all[1].Badges.Len() != 1 || all[2].Badges.Len() != 0 {
		t.Errorf("populated: vendor %p (want %p), badges %d, %d, %d; want 2, 1, 0",
			all[0].Vendor.Get(), got.Vendor.Get(), all[0].Badges.Len(), all[1].Badges.Len(), all[2].Badges.Len())
	}
	if all[0].Badges.Len() == 2 {
		ids := map[uuidKey]bool{all[0].Badges.Items()[0].ID: true, all[0].Badges.Items()[1].ID: true}
		if !ids[b1.ID] || !ids[b2.ID] {
			t.Errorf("device 0 badges %v; want %v and %v", ids, b1.ID, b2.ID)
		}
	}
	e.rec.Reset()
	e.flush(s2)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("a clean flush after the loads sent %q", st)
	}

	// Changes: a nullable UUID set and cleared, every row updated at once.
	serial := uuidKey{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10}
	all[1].Serial, all[0].Serial = &serial, nil
	for _, d := range all {
		d.N += n
	}
	e.flush(s2)
	s3 := e.db.Session()
	back, err := orm.Repo[device](s3).Find(e.ctx, orm.In("ID", ds[0].ID, ds[1].ID), orm.OrderBy("ID"))
	if err != nil || len(back) != 2 {
		t.Fatalf("Find after the update = %v, %v", back, err)
	}
	if back[0].Serial != nil || back[1].Serial == nil || *back[1].Serial != serial || back[0].N != n || back[1].N != n+1 {
		t.Errorf("after the update: %+v, %+v; want serial nil, N %d, then serial %v, N %d", back[0], back[1], n, serial, n+1)
	}
	if k, err := orm.Repo[device](s3).UpdateWhere(e.ctx, orm.Eq("ID", ds[2].ID), orm.Set("Serial", serial)); err != nil || k != 1 {
		t.Errorf("UpdateWhere Set Serial = %d, %v; want 1 row", k, err)
	}
	e.checkDevices(s3, "Eq Serial after the updates", orm.Eq("Serial", serial), n+1, n+2)

	// A failed flush sets the keys it generated back to zero.
	s4 := e.db.Session()
	dup := &vendor{Name: "acme"} // a unique violation
	x := &device{Vendor: orm.RefTo(dup)}
	s4.Persist(x)
	if err := s4.Flush(e.ctx); err == nil {
		t.Fatal("a flush violating a unique constraint succeeded")
	}
	if x.ID != (uuidKey{}) || dup.ID != (uuidKey{}) {
		t.Errorf("after the failed flush: device key %v, vendor key %v; want both zero", x.ID, dup.ID)
	}
	dup.Name = "other"
	e.flush(s4)
	checkV7(t, "retried device", x.ID)
	if bytes.Compare(x.ID[:], ds[n-1].ID[:]) <= 0 || x.Vendor.Get().ID == v.ID {
		t.Errorf("after the retried flush: device key %v (want after %v), vendor %v", x.ID, ds[n-1].ID, dup.ID)
	}

	// A rolled-back Transaction does too, for the flushes inside it.
	if e.has(Transactions) {
		var y *device
		err := s4.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
			y = &device{N: -1}
			s.Persist(y)
			if err := s.Flush(ctx); err != nil {
				return err
			}
			checkV7(t, "device flushed in a transaction", y.ID)
			return errors.New("roll back")
		})
		if err == nil || y.ID != (uuidKey{}) {
			t.Errorf("after a rolled-back Transaction: %v, device key %v; want an error and key zero", err, y.ID)
		}
	}

	// Upsert: a zero UUID key is generated for a row a unique field identifies.
	up, err := orm.Repo[vendor](s4).Upsert(e.ctx, &vendor{Name: "fresh"}, orm.OnConflict("Name"))
	if err != nil {
		t.Fatalf("Upsert OnConflict(Name) = %v", err)
	}
	checkV7(t, "upserted vendor", up.ID)
	if _, err := orm.Repo[vendor](s4).Upsert(e.ctx, &vendor{Name: "keyless"}); err == nil {
		t.Error("Upsert on a zero UUID key succeeded; want an error: a zero generated key identifies no row")
	}
}

// checkDevices checks the N of the devices f finds, in key order.
func (e *env) checkDevices(s *orm.Session, what string, f orm.Filter, want ...int) {
	e.t.Helper()
	got, err := orm.Repo[device](s).Find(e.ctx, f, orm.OrderBy("ID"))
	if err != nil {
		e.t.Errorf("%s: Find = %v", what, err)
		return
	}
	var ns []int
	for _, d := range got {
		ns = append(ns, d.N)
	}
	if len(ns) != len(want) {
		e.t.Errorf("%s: found devices %v; want %v", what, ns, want)
		return
	}
	for i := range ns {
		if ns[i] != want[i] {
			e.t.Errorf("%s: found devices %v; want %v", what, ns, want)
			return
		}
	}
}
