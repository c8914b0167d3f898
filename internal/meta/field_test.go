package meta

import (
	"database/sql"
	"database/sql/driver"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// textID is a Scanner whose Value is text.
type textID struct{ v string }

func (t *textID) Scan(src any) error          { t.v, _ = src.(string); return nil }
func (t textID) Value() (driver.Value, error) { return t.v, nil }

// scanUUID is a UUID with Scan and Value methods, as
// github.com/google/uuid.UUID, whose Value is text.
type scanUUID [16]byte

func (u *scanUUID) Scan(src any) error          { return nil }
func (u scanUUID) Value() (driver.Value, error) { return "not used", nil }

type (
	strRef       struct{ d RefData }
	storageModel struct {
		ID      int64
		N       uint16
		F       float32
		B       bool
		S       string
		Bytes   []byte
		UUID    [16]byte
		SQLUUID scanUUID
		PtrUUID *scanUUID
		OID     [12]byte
		NullU   sql.Null[scanUUID]
		At      time.Time
		PtrAt   *time.Time
		NullI   sql.NullInt64
		NullS   sql.Null[string]
		Text    textID
		JSON    map[string]any `orm:"json"`
		ToStr   strRef
		ToArray intRef
	}
)

// storageProbe maps storageModel's Ref stand-ins to their targets.
func storageProbe(rt reflect.Type) (RelKind, reflect.Type, func(dst, src unsafe.Pointer)) {
	switch rt {
	case reflect.TypeFor[strRef]():
		return RelRef, reflect.TypeFor[strKeyed](), nil
	case reflect.TypeFor[intRef]():
		return RelRef, reflect.TypeFor[arrKeyed](), nil
	}
	return RelNone, nil, nil
}

func TestStorage(t *testing.T) {
	reg, err := Build([]any{&storageModel{}, &strKeyed{}, &arrKeyed{}}, storageProbe)
	if err != nil {
		t.Fatal(err)
	}
	e := reg.Lookup(reflect.TypeFor[storageModel]())
	tests := []struct {
		field string
		want  Kind
	}{
		{"ID", KindInt}, {"N", KindUint}, {"F", KindFloat}, {"B", KindBool}, {"S", KindString},
		{"Bytes", KindBytes}, {"UUID", KindUUID},
		{"SQLUUID", KindUUID}, {"PtrUUID", KindUUID}, {"OID", KindBytes}, {"NullU", KindString}, {"At", KindTime}, {"PtrAt", KindTime},
		{"NullI", KindInt}, {"NullS", KindString}, {"Text", KindString}, {"JSON", KindJSON},
		{"ToStr", KindString}, {"ToArray", KindBytes},
	}
	for _, tc := range tests {
		f := e.Field(tc.field)
		if f.Storage != tc.want || f.StorageKind() != tc.want {
			t.Errorf("%s: got Storage %d, StorageKind() %d; want %d", tc.field, f.Storage, f.StorageKind(), tc.want)
		}
	}
}

// TestUUIDField: a [16]byte array type is an array stored as a UUID, Scan
// and Value methods or not; it reads back from its bytes, a [16]byte and
// its text forms, and is written as its 16 bytes.
func TestUUIDField(t *testing.T) {
	type gadget struct {
		ID     scanUUID
		Serial *[16]byte
	}
	reg, err := Build([]any{&gadget{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := reg.Lookup(reflect.TypeFor[gadget]())
	if e.UUIDKey != e.Field("ID") || e.Auto != nil || e.IntKey {
		t.Errorf("UUIDKey %v, Auto %v, IntKey %t; want the ID field, nil, false", e.UUIDKey, e.Auto, e.IntKey)
	}
	want := scanUUID{0x01, 0x90, 0xa1, 0xb2, 0xc3, 0xd4, 0x7e, 0x5f, 0x8a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71}
	for _, f := range []*Field{e.Field("ID"), e.Field("Serial")} {
		if f.Kind != KindArray || f.Storage != KindUUID {
			t.Errorf("%s: kind %d, storage %d; want %d, %d", f.Name, f.Kind, f.Storage, KindArray, KindUUID)
		}
		for _, v := range []any{want[:], string(want[:]), [16]byte(want), "0190a1b2-c3d4-7e5f-8a1b-2c3d4e5f6071",
			[]byte("0190A1B2-C3D4-7E5F-8A1B-2C3D4E5F6071"), "0190a1b2c3d47e5f8a1b2c3d4e5f6071"} {
			p := e.New()
			if err := f.Store(p, v); err != nil {
				t.Errorf("%s: Store(%#v) = %v", f.Name, v, err)
				continue
			}
			if got, _ := f.Value(p); !reflect.DeepEqual(got, want[:]) {
				t.Errorf("%s: Store(%#v), then Value() = %#v; want %#v", f.Name, v, got, want[:])
			}
		}
		for _, v := range []any{"0190a1b2-c3d4", want[:15], int64(1), "0190a1b2-c3d4-7e5f-8a1b-2c3d4e5f607x"} {
			if err := f.Store(e.New(), v); err == nil {
				t.Errorf("%s: Store(%#v) succeeded; want an error", f.Name, v)
			}
		}
	}
	type typed struct {
		ID [16]byte `orm:"type:char(36)"`
	}
	if _, err := Build([]any{&typed{}}, nil); err == nil || !strings.Contains(err.Error(), "UUID") {
		t.Errorf("Build with type: on a UUID = %v; want an error saying a UUID takes the UUID type", err)
	}
}

// TestPointDirect holds Entity.PointDirect and Stored to DirectDest: every
// field is pointed at where DirectDest points, or listed for Store, never
// both, including fields in embeddables, pointer ones and narrow integers.
// A plain type mapped as JSON has no DirectDest.
func TestPointDirect(t *testing.T) {
	type spot struct{ X, Y float64 }
	type mixed struct {
		ID    int64
		N     int
		Small int32
		Name  string
		OK    bool
		F     float64
		Opt   *string
		At    time.Time
		Here  spot   `orm:"embedded"`
		There *spot  `orm:"embedded,prefix:there_"`
		JSON  string `orm:"json"`
	}
	reg, err := Build([]any{&mixed{}, &storageModel{}, &strKeyed{}, &arrKeyed{}, &parcel{}}, storageProbe)
	if err != nil {
		t.Fatal(err)
	}
	if m := reg.Lookup(reflect.TypeFor[mixed]()); m.Field("JSON").DirectDest(m.New()) != nil {
		t.Error("a string field mapped as JSON is scanned straight into the entity; its text is JSON (quoted)")
	}
	for _, e := range reg.List {
		p := e.New()
		dest := make([]any, len(e.Fields))
		e.PointDirect(dest, p)
		stored := map[int]bool{}
		for _, i := range e.Stored() {
			stored[i] = true
		}
		for i, f := range e.Fields {
			want := f.DirectDest(p)
			if dest[i] != want {
				t.Errorf("%s.%s: PointDirect gave %v; DirectDest gives %v", e.Name, f.Name, dest[i], want)
			}
			if stored[i] != (want == nil) {
				t.Errorf("%s.%s: in Stored %t; DirectDest gives %v", e.Name, f.Name, stored[i], want)
			}
		}
	}
}
