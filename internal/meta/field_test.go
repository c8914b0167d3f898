package meta

import (
	"database/sql"
	"database/sql/driver"
	"reflect"
	"testing"
	"time"
)

// textID is a Scanner whose Value is text.
type textID struct{ v string }

func (t *textID) Scan(src any) error          { t.v, _ = src.(string); return nil }
func (t textID) Value() (driver.Value, error) { return t.v, nil }

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

func TestStorage(t *testing.T) {
	probe := func(rt reflect.Type) (RelKind, reflect.Type) {
		switch rt {
		case reflect.TypeFor[strRef]():
			return RelRef, reflect.TypeFor[strKeyed]()
		case reflect.TypeFor[intRef]():
			return RelRef, reflect.TypeFor[arrKeyed]()
		}
		return RelNone, nil
	}
	reg, err := Build([]any{&storageModel{}, &strKeyed{}, &arrKeyed{}}, probe)
	if err != nil {
		t.Fatal(err)
	}
	e := reg.Lookup(reflect.TypeFor[storageModel]())
	tests := []struct {
		field string
		want  Kind
	}{
		{"ID", KindInt}, {"N", KindUint}, {"F", KindFloat}, {"B", KindBool}, {"S", KindString},
		{"Bytes", KindBytes}, {"UUID", KindBytes}, {"At", KindTime}, {"PtrAt", KindTime},
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
