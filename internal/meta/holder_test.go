package meta

import (
	"testing"
	"unsafe"
)

type (
	pin   struct{ Lat, Lng *float64 }
	place struct {
		City string
		Pin  *pin `orm:"embedded"`
	}
	office struct {
		Room place `orm:"embedded"`
	}
	parcel struct {
		ID   int64
		To   *place `orm:"embedded,prefix:to_"`
		Desk office `orm:"embedded"`
	}
)

func float(f float64) *float64 { return &f }

// TestPointerEmbeddables walks the paths nested pointer embeddables take:
// a nil one reads NULL in each column, NULL stored into a nil one leaves it
// nil, a value allocates it, a snapshot holds its own copies, and copying a
// field out of an entity whose embeddable is nil makes it nil.
func TestPointerEmbeddables(t *testing.T) {
	reg, err := Build([]any{&parcel{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := reg.List[0]
	lat, city, room := m.Field("To.Pin.Lat"), m.Field("To.City"), m.Field("Desk.Room.Pin.Lat")
	if lat == nil || city == nil || room == nil {
		t.Fatalf("fields %v", m.Fields)
	}
	if lat.Column != "to_pin_lat" || !lat.Nullable || !city.Nullable || lat.In.Outer != city.In || room.In.Outer != nil {
		t.Errorf("To.Pin.Lat: column %s, nullable %v, in %+v", lat.Column, lat.Nullable, lat.In)
	}
	if m.Field("Desk.Room.City").In != nil || m.Field("Desk.Room.City").Nullable {
		t.Error("a value embeddable's string field is nullable or in a holder")
	}
	var p parcel
	pp := unsafe.Pointer(&p)
	for _, f := range m.Fields {
		if f.In == nil {
			continue
		}
		if v, err := f.Value(pp); v != nil || err != nil {
			t.Errorf("%s of a nil embeddable = %v, %v; want NULL", f.Name, v, err)
		}
		if err := f.Store(pp, nil); err != nil || p.To != nil || p.Desk.Room.Pin != nil {
			t.Errorf("storing NULL in %s: %v; %+v", f.Name, err, p)
		}
	}
	if err := lat.Store(pp, 1.5); err != nil || p.To == nil || p.To.Pin == nil || *p.To.Pin.Lat != 1.5 {
		t.Fatalf("storing 1.5 in To.Pin.Lat: %v; %+v", err, p.To)
	}
	snap := m.Snapshot(pp)
	if !m.Unchanged(pp, snap) {
		t.Error("an entity differs from its snapshot")
	}
	if (*parcel)(snap).To == p.To || (*parcel)(snap).To.Pin == p.To.Pin {
		t.Fatal("the snapshot shares a pointer embeddable with the entity")
	}
	*p.To.Pin.Lat = 2
	if m.Unchanged(pp, snap) || lat.Equal(pp, snap) {
		t.Error("an edit inside a nested pointer embeddable is not seen")
	}
	p.To.Pin = &pin{}
	if !m.Field("To.Pin.Lng").Equal(pp, snap) {
		t.Error("a nil Lng in a new Pin differs from the snapshot's nil Lng")
	}
	var q parcel
	lat.CopyValue(unsafe.Pointer(&q), pp)
	if q.To == nil || q.To.Pin == nil || q.To.Pin.Lat != nil {
		t.Errorf("CopyValue of a nil Lat in a set Pin gave %+v", q.To)
	}
	p.To = nil
	city.CopyValue(unsafe.Pointer(&q), pp)
	if q.To != nil {
		t.Errorf("CopyValue from a nil To left %+v", q.To)
	}
	if !city.Equal(pp, unsafe.Pointer(&q)) || !city.IsZero(pp) {
		t.Error("two nil embeddables differ, or a nil one is not zero")
	}
	p.Desk.Room.Pin = &pin{Lat: float(3)}
	c := m.Clone(pp)
	if (*parcel)(c).Desk.Room.Pin == p.Desk.Room.Pin || *(*parcel)(c).Desk.Room.Pin.Lat != 3 {
		t.Error("Clone shares a pointer embeddable inside a value embeddable")
	}
}

// TestSetCopy: with the compiled copy a Repository gives, a snapshot is
// made by it, and still holds its own pointer embeddables and values.
func TestSetCopy(t *testing.T) {
	reg, err := Build([]any{&parcel{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := reg.List[0]
	calls := 0
	m.SetCopy(func(dst, src unsafe.Pointer) { calls++; *(*parcel)(dst) = *(*parcel)(src) })
	m.SetCopy(func(dst, src unsafe.Pointer) { t.Error("a second SetCopy replaced the first") })
	p := parcel{ID: 7, To: &place{City: "Oslo", Pin: &pin{Lat: float(1)}}}
	snap := (*parcel)(m.Snapshot(unsafe.Pointer(&p)))
	if calls != 1 || snap.ID != 7 || snap.To.City != "Oslo" || *snap.To.Pin.Lat != 1 {
		t.Fatalf("snapshot by the compiled copy (%d calls): %+v", calls, snap)
	}
	if snap.To == p.To || snap.To.Pin == p.To.Pin || snap.To.Pin.Lat == p.To.Pin.Lat {
		t.Error("the snapshot shares an embeddable or a pointer value with the entity")
	}
	if !m.Unchanged(unsafe.Pointer(&p), unsafe.Pointer(snap)) {
		t.Error("a fresh snapshot differs from its entity")
	}
}
