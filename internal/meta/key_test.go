package meta

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"
)

type (
	intKeyed  struct{ ID int64 }
	int8Keyed struct{ ID int8 }
	uintKeyed struct{ ID uint64 }
	strKeyed  struct{ ID string }
	arrKeyed  struct{ ID [4]byte }
	timeKeyed struct{ ID time.Time }
	compKeyed struct {
		A int    `orm:"pk"`
		B string `orm:"pk"`
	}
	// intRef stands for orm.Ref[intKeyed]: the probe below maps it.
	intRef    struct{ d RefData }
	refHolder struct {
		ID     int64
		Target intRef
	}
)

// keyEntities builds the entities of the key tests.
func keyEntities(t *testing.T) map[string]*Entity {
	t.Helper()
	probe := func(rt reflect.Type) (RelKind, reflect.Type, func(dst, src unsafe.Pointer)) {
		if rt == reflect.TypeFor[intRef]() {
			return RelRef, reflect.TypeFor[intKeyed](), nil
		}
		return RelNone, nil, nil
	}
	reg, err := Build([]any{&intKeyed{}, &int8Keyed{}, &uintKeyed{}, &strKeyed{}, &arrKeyed{},
		&timeKeyed{}, &compKeyed{}, &refHolder{}}, probe)
	if err != nil {
		t.Fatal(err)
	}
	es := map[string]*Entity{}
	for _, e := range reg.List {
		es[e.Name] = e
	}
	return es
}

// keyOf is the key of the entity v points at, read from its fields.
func keyOf[T any](es map[string]*Entity, v *T) Key {
	return es[reflect.TypeFor[T]().Name()].Key(unsafe.Pointer(v))
}

func TestKeySorts(t *testing.T) {
	es := keyEntities(t)
	tests := []struct {
		name   string
		intKey bool
		key    Key
		wantN  int64
		wantS  string
	}{
		{"intKeyed", true, keyOf(es, &intKeyed{ID: -7}), -7, ""},
		{"int8Keyed", true, keyOf(es, &int8Keyed{ID: -128}), -128, ""},
		{"uintKeyed", true, keyOf(es, &uintKeyed{ID: 1<<63 + 5}), math.MinInt64 + 5, ""},
		{"strKeyed", false, keyOf(es, &strKeyed{ID: "abc"}), 0, "abc"},
		{"arrKeyed", false, keyOf(es, &arrKeyed{ID: [4]byte{1, 0, 2, 0}}), 0, "\x01\x00\x02\x00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := es[tc.name].IntKey; got != tc.intKey {
				t.Errorf("IntKey = %v; want %v", got, tc.intKey)
			}
			if tc.key.Int() != tc.wantN || tc.key.Str() != tc.wantS {
				t.Errorf("got key (%d, %q); want (%d, %q)", tc.key.Int(), tc.key.Str(), tc.wantN, tc.wantS)
			}
		})
	}
	for _, name := range []string{"timeKeyed", "compKeyed", "refHolder"} {
		if want := name == "refHolder"; es[name].IntKey != want {
			t.Errorf("%s: IntKey = %v; want %v", name, es[name].IntKey, want)
		}
	}
}

// TestCompareKeys: keys order by value, field by field, the same way for
// every kind: negative integers first, uint64 keys above MaxInt64 last,
// strings and arrays by their bytes, times by instant (not by their
// text, whose length varies), composite keys by their first field first.
func TestCompareKeys(t *testing.T) {
	es := keyEntities(t)
	p := func(v any) unsafe.Pointer { return reflect.ValueOf(v).UnsafePointer() }
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name   string
		lo, hi any // lo orders before hi
		same   any // a key equal to lo, or nil
	}{
		{"intKeyed", &intKeyed{ID: -7}, &intKeyed{ID: 3}, &intKeyed{ID: -7}},
		{"int8Keyed", &int8Keyed{ID: -128}, &int8Keyed{ID: 127}, nil},
		{"uintKeyed", &uintKeyed{ID: 5}, &uintKeyed{ID: 1<<63 + 5}, nil},
		{"strKeyed", &strKeyed{ID: "C"}, &strKeyed{ID: "a"}, &strKeyed{ID: "C"}},
		{"strKeyed", &strKeyed{ID: "zz"}, &strKeyed{ID: "zzz"}, nil},
		{"arrKeyed", &arrKeyed{ID: [4]byte{1, 0, 2, 0}}, &arrKeyed{ID: [4]byte{1, 0, 0xff, 0}}, nil},
		{"timeKeyed", &timeKeyed{ID: t0.Add(100 * time.Millisecond)}, &timeKeyed{ID: t0.Add(time.Second)}, &timeKeyed{ID: t0.Add(100 * time.Millisecond).In(time.FixedZone("X", 3600))}},
		{"compKeyed", &compKeyed{A: -1, B: "z"}, &compKeyed{A: 1, B: "a"}, nil},
		{"compKeyed", &compKeyed{A: 1, B: "ab"}, &compKeyed{A: 1, B: "b"}, &compKeyed{A: 1, B: "ab"}},
	}
	for _, tc := range tests {
		e := es[tc.name]
		if got := e.CompareKeys(p(tc.lo), p(tc.hi)); got != -1 {
			t.Errorf("%s: CompareKeys(%v, %v) = %d; want -1", tc.name, tc.lo, tc.hi, got)
		}
		if got := e.CompareKeys(p(tc.hi), p(tc.lo)); got != 1 {
			t.Errorf("%s: CompareKeys(%v, %v) = %d; want 1", tc.name, tc.hi, tc.lo, got)
		}
		if tc.same != nil {
			if got := e.CompareKeys(p(tc.lo), p(tc.same)); got != 0 {
				t.Errorf("%s: CompareKeys(%v, %v) = %d; want 0", tc.name, tc.lo, tc.same, got)
			}
		}
	}
}

func TestKeyOfID(t *testing.T) {
	es := keyEntities(t)
	at := time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)
	tests := []struct {
		name    string
		entity  string
		id      any
		want    Key
		wantErr string // a part of the error; "" for none
	}{
		{"int", "intKeyed", 5, keyOf(es, &intKeyed{ID: 5}), ""},
		{"int64", "intKeyed", int64(-5), keyOf(es, &intKeyed{ID: -5}), ""},
		{"int32", "intKeyed", int32(5), keyOf(es, &intKeyed{ID: 5}), ""},
		{"uint8 into int64", "intKeyed", uint8(5), keyOf(es, &intKeyed{ID: 5}), ""},
		{"int8 fits", "int8Keyed", 127, keyOf(es, &int8Keyed{ID: 127}), ""},
		{"int8 overflows", "int8Keyed", 128, Key{}, "int8Keyed key 128 (int): does not fit field ID (int8)"},
		{"uint64 above 2^63", "uintKeyed", uint64(1<<63 + 5), keyOf(es, &uintKeyed{ID: 1<<63 + 5}), ""},
		{"uint from int", "uintKeyed", 5, keyOf(es, &uintKeyed{ID: 5}), ""},
		{"negative uint", "uintKeyed", -1, Key{}, "uintKeyed key -1 (int): does not fit field ID (uint64)"},
		{"uint64 above int64", "intKeyed", uint64(1 << 63), Key{}, "intKeyed key 9223372036854775808 (uint64)"},
		{"string for int", "intKeyed", "5", Key{}, "intKeyed key 5 (string): does not fit field ID (int64)"},
		{"float for int", "intKeyed", 5.0, Key{}, "intKeyed key 5 (float64)"},
		{"NaN for int", "intKeyed", math.NaN(), Key{}, "intKeyed key NaN (float64)"},
		{"nil", "intKeyed", nil, Key{}, "intKeyed key <nil> (<nil>)"},
		{"wrong type", "intKeyed", struct{}{}, Key{}, "intKeyed key {} (struct {})"},
		{"string", "strKeyed", "abc", keyOf(es, &strKeyed{ID: "abc"}), ""},
		{"empty string", "strKeyed", "", keyOf(es, &strKeyed{}), ""},
		{"int for string", "strKeyed", 5, Key{}, "strKeyed key 5 (int): does not fit field ID (string)"},
		{"bytes for string", "strKeyed", []byte("abc"), Key{}, "strKeyed key [97 98 99] ([]uint8)"},
		{"array", "arrKeyed", [4]byte{1, 2, 3, 4}, keyOf(es, &arrKeyed{ID: [4]byte{1, 2, 3, 4}}), ""},
		{"bytes for array", "arrKeyed", []byte{1, 2, 3, 4}, Key{}, "arrKeyed key [1 2 3 4] ([]uint8)"},
		{"time", "timeKeyed", at, keyOf(es, &timeKeyed{ID: at}), ""},
		{"time in another zone", "timeKeyed", at.In(time.FixedZone("X", 3600)), keyOf(es, &timeKeyed{ID: at}), ""},
		{"composite", "compKeyed", []any{1, "y"}, keyOf(es, &compKeyed{A: 1, B: "y"}), ""},
		{"composite, converted", "compKeyed", []any{int64(1), "y"}, keyOf(es, &compKeyed{A: 1, B: "y"}), ""},
		{"composite, short", "compKeyed", []any{1}, Key{}, "the composite key takes a []any of 2 values"},
		{"composite, not a slice", "compKeyed", 1, Key{}, "compKeyed key 1 (int): the composite key"},
		{"composite, bad part", "compKeyed", []any{1, 2}, Key{}, "compKeyed key [1 2]: value 2, 2 (int), does not fit field B (string)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := es[tc.entity].KeyOfID(tc.id)
			checkKey(t, got, err, tc.want, tc.wantErr)
		})
	}
}

func TestKeyOfValue(t *testing.T) {
	es := keyEntities(t)
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name    string
		entity  string
		v       any
		want    Key
		wantErr string
	}{
		{"int64", "intKeyed", int64(5), keyOf(es, &intKeyed{ID: 5}), ""},
		{"text", "intKeyed", []byte("5"), keyOf(es, &intKeyed{ID: 5}), ""},
		{"whole float", "intKeyed", 5.0, keyOf(es, &intKeyed{ID: 5}), ""},
		{"fraction", "intKeyed", 5.5, Key{}, "intKeyed key 5.5 (float64)"},
		{"NaN", "intKeyed", math.NaN(), Key{}, "intKeyed key NaN (float64)"},
		{"Inf", "intKeyed", math.Inf(1), Key{}, "intKeyed key +Inf (float64)"},
		{"2^63 as float", "intKeyed", 0x1p63, Key{}, "(float64)"},
		{"NULL", "intKeyed", nil, Key{}, "intKeyed key <nil> (<nil>)"},
		{"int8 overflows", "int8Keyed", int64(300), Key{}, "int8Keyed key 300 (int64)"},
		{"negative uint", "uintKeyed", int64(-1), Key{}, "uintKeyed key -1 (int64)"},
		{"string", "strKeyed", "abc", keyOf(es, &strKeyed{ID: "abc"}), ""},
		{"bytes for string", "strKeyed", []byte("abc"), keyOf(es, &strKeyed{ID: "abc"}), ""},
		{"int64 for string", "strKeyed", int64(5), Key{}, "strKeyed key 5 (int64)"},
		{"bytes for array", "arrKeyed", []byte{1, 2, 3, 4}, keyOf(es, &arrKeyed{ID: [4]byte{1, 2, 3, 4}}), ""},
		{"short bytes for array", "arrKeyed", []byte{1, 2}, Key{}, "arrKeyed key [1 2] ([]uint8)"},
		{"time", "timeKeyed", at, keyOf(es, &timeKeyed{ID: at}), ""},
		{"time text", "timeKeyed", "2024-01-02 03:04:05", keyOf(es, &timeKeyed{ID: at}), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := es[tc.entity].KeyOfValue(tc.v)
			checkKey(t, got, err, tc.want, tc.wantErr)
		})
	}
}

func TestRefKey(t *testing.T) {
	es := keyEntities(t)
	f := es["refHolder"].Field("Target")
	tests := []struct {
		name    string
		d       RefData
		want    Key
		wantOK  bool
		wantErr string
	}{
		{"NULL", RefData{}, Key{}, false, ""},
		{"new target", RefData{Ptr: unsafe.Pointer(&intKeyed{})}, Key{}, false, ""},
		{"target", RefData{Ptr: unsafe.Pointer(&intKeyed{ID: 7})}, keyOf(es, &intKeyed{ID: 7}), true, ""},
		{"stored ID", RefData{ID: int64(7)}, keyOf(es, &intKeyed{ID: 7}), true, ""},
		{"user ID", RefData{ID: 7}, keyOf(es, &intKeyed{ID: 7}), true, ""},
		{"bad ID", RefData{ID: "7"}, Key{}, false, "intKeyed key 7 (string)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := f.RefKey(&tc.d)
			if ok != tc.wantOK {
				t.Errorf("ok = %v; want %v", ok, tc.wantOK)
			}
			checkKey(t, got, err, tc.want, tc.wantErr)
		})
	}
}

func TestRefersTo(t *testing.T) {
	es := keyEntities(t)
	f := es["refHolder"].Field("Target")
	target, other := &intKeyed{ID: 7}, &intKeyed{ID: 7}
	tests := []struct {
		name string
		d    RefData
		p    *intKeyed
		want bool
	}{
		{"holds it", RefData{Ptr: unsafe.Pointer(target)}, target, true},
		{"holds another with its key", RefData{Ptr: unsafe.Pointer(other)}, target, false},
		{"its key", RefData{ID: int64(7)}, target, true},
		{"another key", RefData{ID: int64(8)}, target, false},
		{"a bad ID", RefData{ID: "7"}, target, false},
		{"an ID, no key yet", RefData{ID: int64(0)}, &intKeyed{}, false},
		{"NULL", RefData{}, target, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := f.RefersTo(&tc.d, unsafe.Pointer(tc.p)); got != tc.want {
				t.Errorf("got %v; want %v", got, tc.want)
			}
		})
	}
}

func TestCompositeKeysDiffer(t *testing.T) {
	es := keyEntities(t)
	keys := map[Key]compKeyed{}
	for _, c := range []compKeyed{{0, ""}, {1, ""}, {0, "a"}, {1, "a"}, {1, "ab"}, {-1, "a"}, {0, "\x00"}} {
		k := keyOf(es, &c)
		if o, dup := keys[k]; dup {
			t.Errorf("%+v and %+v have the same key", o, c)
		}
		keys[k] = c
	}
}

func TestFloatKeyRefused(t *testing.T) {
	type floatKeyed struct{ ID float64 }
	_, err := Build([]any{&floatKeyed{}}, nil)
	if err == nil || !strings.Contains(err.Error(), "unsupported primary key type float64") {
		t.Errorf("got %v; want the float key refused", err)
	}
}

func checkKey(t *testing.T, got Key, err error, want Key, wantErr string) {
	t.Helper()
	switch {
	case wantErr == "" && err != nil:
		t.Fatalf("got error %v; want key (%d, %q)", err, want.Int(), want.Str())
	case wantErr != "" && err == nil:
		t.Fatalf("got key (%d, %q); want an error with %q", got.Int(), got.Str(), wantErr)
	case wantErr != "" && !strings.Contains(err.Error(), wantErr):
		t.Fatalf("got error %q; want one with %q", err, wantErr)
	case got != want:
		t.Errorf("got key (%d, %q); want (%d, %q)", got.Int(), got.Str(), want.Int(), want.Str())
	}
}

type (
	keyBase    struct{ ID int64 }
	embedKeyed struct {
		Name string
		keyBase
	}
	lowerKeyed  struct{ Id string }
	taggedOther struct {
		ID   int64
		Code string `orm:"column:c, pk"`
	}
)

// TestKeyFieldsAgreeWithBuild: KeyFields finds, from the type alone, the
// key fields Build settles, at the same offsets.
func TestKeyFieldsAgreeWithBuild(t *testing.T) {
	types := []any{&intKeyed{}, &strKeyed{}, &timeKeyed{}, &compKeyed{}, &refHolder{},
		&embedKeyed{}, &lowerKeyed{}, &taggedOther{}}
	probe := func(rt reflect.Type) (RelKind, reflect.Type, func(dst, src unsafe.Pointer)) {
		if rt == reflect.TypeFor[intRef]() {
			return RelRef, reflect.TypeFor[intKeyed](), nil
		}
		return RelNone, nil, nil
	}
	reg, err := Build(types, probe)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range reg.List {
		t.Run(e.Name, func(t *testing.T) {
			var want, got []string
			for _, f := range e.PK {
				want = append(want, fmt.Sprint(f.Name, "@", f.Offset))
			}
			for _, sf := range KeyFields(e.Type) {
				got = append(got, fmt.Sprint(sf.Name, "@", sf.Offset))
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("KeyFields = %v; want %v", got, want)
			}
		})
	}
	if got := KeyFields(reflect.TypeFor[struct{ Name string }]()); got != nil {
		t.Errorf("KeyFields of a struct without a key = %v; want nil", got)
	}
}

// TestRefKeysUnboxed: a foreign key read from the database is kept as the
// driver boxed it, a snapshot of a Ref that holds its ID copies it, and
// the key of an int64 or string key field is read without reflection:
// none of them allocates, whatever the key (Go boxes only 0–255 for free).
func TestRefKeysUnboxed(t *testing.T) {
	es := keyEntities(t)
	holder := es["refHolder"]
	f := holder.Field("Target")
	var v any = int64(1 << 40)
	h := refHolder{ID: 1 << 41}
	d := &h.Target.d
	if n := testing.AllocsPerRun(100, func() { _ = f.Store(unsafe.Pointer(&h), v) }); n != 0 || d.ID != v {
		t.Errorf("storing the foreign key %v: %v allocations, ID %v", v, n, d.ID)
	}
	target := intKeyed{ID: 1 << 40}
	d.Ptr = unsafe.Pointer(&target) // as the Session resolves it, from the ID
	snap := new(refHolder)
	if n := testing.AllocsPerRun(100, func() { holder.Copy(unsafe.Pointer(snap), unsafe.Pointer(&h)) }); n != 0 {
		t.Errorf("snapshot of a Ref with its ID: %v allocations", n)
	}
	if sd := snap.Target.d; sd.Ptr != nil || sd.ID != v {
		t.Errorf("snapshot Ref %+v; want the ID %v and no target", sd, v)
	}
	for _, id := range []any{nil, int64(5)} { // no ID, or one naming another key: read the target's
		d.ID = id
		holder.Copy(unsafe.Pointer(snap), unsafe.Pointer(&h))
		if sd := snap.Target.d; sd.Ptr != nil || sd.ID != int64(1<<40) {
			t.Errorf("ID %v: snapshot Ref %+v; want the target's key", id, sd)
		}
	}
	sk := es["strKeyed"].PK[0]
	s := strKeyed{ID: "a key"}
	if got := sk.Get(unsafe.Pointer(&s)); got != "a key" {
		t.Errorf("Get = %v", got)
	}
}
