package meta

import (
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"
)

// errNull is returned when NULL is read into a field that cannot hold it.
var errNull = errors.New("NULL in a non-nullable field (make it a pointer)")

// Value returns the field's value in the entity at p as a driver value:
// int64, float64, bool, string, []byte, time.Time (in UTC) or nil.
func (f *Field) Value(p unsafe.Pointer) (any, error) {
	a := f.Addr(p)
	if f.Kind == KindRef {
		return f.refValue((*RefData)(a))
	}
	if f.Ptr {
		a = *(*unsafe.Pointer)(a)
		if a == nil {
			return nil, nil
		}
	}
	return f.elemValue(a)
}

func (f *Field) elemValue(a unsafe.Pointer) (any, error) {
	switch f.Kind {
	case KindInt:
		return readInt(a, f.size), nil
	case KindUint:
		u := readUint(a, f.size)
		if u > math.MaxInt64 {
			return nil, fmt.Errorf("value %d overflows a signed 64-bit column", u)
		}
		return int64(u), nil
	case KindFloat:
		if f.size == 4 {
			return float64(*(*float32)(a)), nil
		}
		return *(*float64)(a), nil
	case KindBool:
		return *(*bool)(a), nil
	case KindString:
		return *(*string)(a), nil
	case KindBytes:
		if b := *(*[]byte)(a); b != nil {
			return b, nil
		}
		return nil, nil
	case KindTime:
		return (*time.Time)(a).UTC(), nil
	case KindScanner:
		v := reflect.NewAt(f.Elem, a)
		var vr driver.Valuer
		if f.Elem.Implements(valuerType) {
			vr = v.Elem().Interface().(driver.Valuer)
		} else {
			vr = v.Interface().(driver.Valuer)
		}
		dv, err := vr.Value()
		if t, ok := dv.(time.Time); ok {
			dv = t.UTC() // as a time.Time field's: every time is written in UTC
		}
		return dv, err
	case KindArray:
		return append([]byte(nil), unsafe.Slice((*byte)(a), f.size)...), nil
	case KindJSON:
		b, err := json.Marshal(reflect.NewAt(f.Type, a).Interface())
		if err != nil {
			return nil, err
		}
		return string(b), nil
	}
	return nil, fmt.Errorf("unsupported kind %d", f.Kind)
}

// Store sets the field in the entity at p from a driver value read from the
// database, converting between the driver's representation and the Go type.
func (f *Field) Store(p unsafe.Pointer, v any) error {
	a := f.Addr(p)
	if f.Kind == KindRef {
		return f.refStore((*RefData)(a), v)
	}
	if v == nil {
		switch {
		case f.Ptr:
			*(*unsafe.Pointer)(a) = nil
		case f.Kind == KindScanner:
			return reflect.NewAt(f.Elem, a).Interface().(sql.Scanner).Scan(nil)
		case f.Kind == KindBytes || f.Kind == KindJSON || f.Nullable:
			reflect.NewAt(f.Type, a).Elem().SetZero()
		default:
			return errNull
		}
		return nil
	}
	if f.Ptr {
		np := reflect.New(f.Elem).UnsafePointer()
		if err := f.storeElem(np, v); err != nil {
			return err
		}
		*(*unsafe.Pointer)(a) = np
		return nil
	}
	return f.storeElem(a, v)
}

func (f *Field) storeElem(a unsafe.Pointer, v any) error {
	switch f.Kind {
	case KindInt, KindUint:
		n, err := asInt(v)
		if err != nil {
			return err
		}
		if !f.fits(n) {
			return fmt.Errorf("value %d overflows %s", n, f.Elem)
		}
		writeInt(a, f.size, n)
	case KindFloat:
		x, err := asFloat(v)
		if err != nil {
			return err
		}
		if f.size == 4 {
			*(*float32)(a) = float32(x)
		} else {
			*(*float64)(a) = x
		}
	case KindBool:
		switch v := v.(type) {
		case bool:
			*(*bool)(a) = v
		case int64:
			*(*bool)(a) = v != 0
		default:
			s, err := asString(v)
			if err != nil {
				return err
			}
			b, err := strconv.ParseBool(s)
			if err != nil {
				return err
			}
			*(*bool)(a) = b
		}
	case KindString:
		s, err := asString(v)
		if err != nil {
			return err
		}
		*(*string)(a) = s
	case KindBytes:
		switch v := v.(type) {
		case []byte:
			if v == nil {
				v = []byte{} // an empty value, not NULL
			}
			*(*[]byte)(a) = v
		case string:
			*(*[]byte)(a) = []byte(v)
		default:
			return fmt.Errorf("cannot store %T in %s", v, f.Elem)
		}
	case KindTime:
		t, err := asTime(v)
		if err != nil {
			return err
		}
		*(*time.Time)(a) = t
	case KindScanner:
		switch x := v.(type) {
		case time.Time:
			v = x.UTC() // times come back in UTC, whatever zone the driver chose
		case []byte:
			if x == nil {
				v = []byte{} // an empty value, not NULL
			}
		}
		return reflect.NewAt(f.Elem, a).Interface().(sql.Scanner).Scan(v)
	case KindArray:
		s, err := asString(v)
		if err != nil || uintptr(len(s)) != f.size {
			return fmt.Errorf("cannot store %T of %d bytes in %s", v, len(s), f.Elem)
		}
		copy(unsafe.Slice((*byte)(a), f.size), s)
	case KindJSON:
		s, err := asString(v)
		if err != nil { // a driver that decoded the JSON itself (pgx)
			b, merr := json.Marshal(v)
			if merr != nil {
				return err
			}
			s = string(b)
		}
		dst := reflect.NewAt(f.Type, a)
		dst.Elem().SetZero()
		return unmarshalJSON(s, dst.Interface())
	}
	return nil
}

// unmarshalJSON decodes the JSON text s into dst. Numbers that land in an
// interface value (a map[string]any's) decode as json.Number, not float64,
// so that every number, integers beyond 2^53 included, reads back exactly
// and a snapshot never differs from the value it was taken of.
func unmarshalJSON(s string, dst any) error {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	if err := d.Decode(dst); err != nil {
		return err
	}
	if d.More() {
		return fmt.Errorf("invalid JSON: text after the value")
	}
	return nil
}

func (f *Field) fits(n int64) bool {
	if !f.signed {
		if n < 0 {
			return false
		}
		return f.size == 8 || uint64(n) < 1<<(8*f.size)
	}
	if f.size == 8 {
		return true
	}
	lim := int64(1) << (8*f.size - 1)
	return n >= -lim && n < lim
}

func asInt(v any) (int64, error) {
	switch v := v.(type) {
	case int64:
		return v, nil
	case uint64:
		if v > math.MaxInt64 {
			return 0, fmt.Errorf("value %d overflows int64", v)
		}
		return int64(v), nil
	case int:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case int16:
		return int64(v), nil
	case int8:
		return int64(v), nil
	case float64:
		if v != math.Trunc(v) || v < math.MinInt64 || v >= math.MaxInt64 { // NaN and ±Inf included
			return 0, fmt.Errorf("value %v is not an int64", v)
		}
		return int64(v), nil
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	}
	s, err := asString(v)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(s, 10, 64)
}

func asFloat(v any) (float64, error) {
	switch v := v.(type) {
	case float64:
		return v, nil
	case float32:
		return float64(v), nil
	case int64:
		return float64(v), nil
	}
	s, err := asString(v)
	if err != nil {
		return 0, err
	}
	return strconv.ParseFloat(s, 64)
}

func asString(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case []byte:
		return string(v), nil
	}
	return "", fmt.Errorf("cannot read %T as text", v)
}

// timeLayouts are the text forms databases hand back for timestamps.
var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999 -0700 MST",
	"2006-01-02",
}

// asTime reads a driver's time value, in UTC: drivers hand back times in
// time.Local (pgx) or in a fixed zone parsed from text (SQLite).
func asTime(v any) (time.Time, error) {
	if t, ok := v.(time.Time); ok {
		return t.UTC(), nil
	}
	s, err := asString(v)
	if err != nil {
		return time.Time{}, err
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot parse %q as a time", s)
}

// Bind converts a value a caller compares the field with into the driver
// value sent as a bind parameter, encoded as the field's own values are.
func (f *Field) Bind(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if f.Kind == KindRef {
		return f.refBind(v)
	}
	if f.Ptr {
		if rv := reflect.ValueOf(v); rv.Type() == f.Type {
			if rv.IsNil() {
				return nil, nil
			}
			v = rv.Elem().Interface()
		}
	}
	tmp := reflect.New(f.Elem)
	if !assign(tmp.Elem(), v) {
		return nil, fmt.Errorf("field %s: %v (%T) does not fit %s", f.Name, v, v, f.Elem)
	}
	return f.elemValue(tmp.UnsafePointer())
}

// assign sets dst to v and reports true when v has dst's type or converts
// to it without loss; it leaves dst alone and reports false otherwise.
func assign(dst reflect.Value, v any) bool {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return false
	}
	dt := dst.Type()
	switch {
	case rv.Type() == dt || rv.Type().AssignableTo(dt):
		dst.Set(rv)
	case rv.CanInt() && dst.CanInt():
		if dst.OverflowInt(rv.Int()) {
			return false
		}
		dst.SetInt(rv.Int())
	case rv.CanInt() && dst.CanUint():
		if rv.Int() < 0 || dst.OverflowUint(uint64(rv.Int())) {
			return false
		}
		dst.SetUint(uint64(rv.Int()))
	case rv.CanUint() && dst.CanUint():
		if dst.OverflowUint(rv.Uint()) {
			return false
		}
		dst.SetUint(rv.Uint())
	case rv.CanUint() && dst.CanInt():
		if rv.Uint() > math.MaxInt64 || dst.OverflowInt(int64(rv.Uint())) {
			return false
		}
		dst.SetInt(int64(rv.Uint()))
	case rv.CanFloat() && dst.CanFloat():
		dst.SetFloat(rv.Float())
	case rv.Kind() == dst.Kind() && rv.Type().ConvertibleTo(dt) && dt.Kind() != reflect.Pointer:
		dst.Set(rv.Convert(dt))
	default:
		return false
	}
	return true
}

// Refuse is a set of values a database cannot store exactly; a backend
// refuses them before it sends anything, rather than store them altered or
// fail with an error that does not name the field.
type Refuse uint8

// The values a database may refuse.
const (
	RefuseNaN         Refuse = 1 << iota // a float NaN (SQLite stores NULL; MySQL has none)
	RefuseInf                            // ±Inf (MySQL has none)
	RefuseNUL                            // a NUL byte in text (PostgreSQL)
	RefuseInvalidUTF8                    // text that is not valid UTF-8 (PostgreSQL, MySQL utf8mb4, BSON)
)

// Check reports, naming the value, why the field in the entity at p holds a
// value the database cannot store: one in r, or one no column holds (a
// uint64 above math.MaxInt64). Fields whose values are always storable cost
// nothing.
func (f *Field) Check(p unsafe.Pointer, r Refuse) error {
	switch f.StorageKind() {
	case KindFloat, KindString, KindUint:
	default:
		return nil
	}
	if f.Kind == KindScanner || f.Ptr || f.size == 8 && f.Kind == KindUint {
		v, err := f.Value(p)
		if err != nil {
			return err
		}
		return checkValue(v, r)
	}
	a := f.Addr(p)
	switch f.Kind {
	case KindFloat:
		if f.size == 4 {
			return checkFloat(float64(*(*float32)(a)), r)
		}
		return checkFloat(*(*float64)(a), r)
	case KindString:
		return checkString(*(*string)(a), r)
	}
	return nil
}

func checkValue(v any, r Refuse) error {
	switch v := v.(type) {
	case float64:
		return checkFloat(v, r)
	case float32:
		return checkFloat(float64(v), r)
	case string:
		return checkString(v, r)
	}
	return nil
}

func checkFloat(x float64, r Refuse) error {
	switch {
	case r&RefuseNaN != 0 && math.IsNaN(x):
		return errors.New("value NaN: the database cannot store NaN")
	case r&RefuseInf != 0 && math.IsInf(x, 0):
		return fmt.Errorf("value %v: the database cannot store infinities", x)
	}
	return nil
}

func checkString(s string, r Refuse) error {
	switch {
	case r&RefuseNUL != 0 && strings.IndexByte(s, 0) >= 0:
		return fmt.Errorf("value %.80q: the database's text cannot hold NUL bytes (store it as []byte)", s)
	case r&RefuseInvalidUTF8 != 0 && !utf8.ValidString(s):
		return fmt.Errorf("value %.80q: the database's text must be valid UTF-8 (store it as []byte)", s)
	}
	return nil
}
