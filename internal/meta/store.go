package meta

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/unitofwork/orm/internal/uuid"
)

// errNull is returned when NULL is read into a field that cannot hold it.
var errNull = errors.New("NULL in a non-nullable field (make it a pointer)")

// Store sets the field in the entity at p from a driver value read from the
// database, converting between the driver's representation and the Go type.
func (f *Field) Store(p unsafe.Pointer, v any) error {
	if f.Kind == KindRef {
		return f.refStore((*RefData)(f.Addr(p)), v)
	}
	if v == nil && f.In != nil && f.peek(p) == nil {
		return nil // a NULL column of a nil pointer embeddable
	}
	a := f.Addr(p)
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

// storeElem sets the value at a, of the field's element type, from the
// driver value v, not nil.
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
		return storeBool((*bool)(a), v)
	case KindString:
		s, err := asString(v)
		if err != nil {
			return err
		}
		*(*string)(a) = s
	case KindBytes:
		return f.storeBytes((*[]byte)(a), v)
	case KindTime:
		t, err := asTime(v)
		if err != nil {
			return err
		}
		*(*time.Time)(a) = t
	case KindScanner:
		return f.storeScanner(a, v)
	case KindArray:
		return f.storeArray(unsafe.Slice((*byte)(a), f.size), v)
	case KindJSON:
		return f.storeJSON(a, v)
	}
	return nil
}

// fits reports whether n fits the integer field.
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

// storeBool sets *b from a driver's bool, integer or text.
func storeBool(b *bool, v any) error {
	switch v := v.(type) {
	case bool:
		*b = v
	case int64:
		*b = v != 0
	default:
		s, err := asString(v)
		if err != nil {
			return err
		}
		x, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		*b = x
	}
	return nil
}

// storeBytes sets the []byte field at b from a driver's bytes or text.
func (f *Field) storeBytes(b *[]byte, v any) error {
	switch v := v.(type) {
	case []byte:
		if v == nil {
			v = []byte{} // an empty value, not NULL
		}
		*b = v
	case string:
		*b = []byte(v)
	default:
		return fmt.Errorf("cannot store %T in %s", v, f.Elem)
	}
	return nil
}

// storeArray sets the byte array dst from a driver's bytes or text of its
// length; a UUID also from a [16]byte (pgx) or its text form (MariaDB's
// UUID type, PostgreSQL's uuid through database/sql).
func (f *Field) storeArray(dst []byte, v any) error {
	if u, ok := v.([16]byte); ok && len(dst) == 16 {
		copy(dst, u[:])
		return nil
	}
	s, err := asString(v)
	if err == nil && len(s) == len(dst) {
		copy(dst, s)
		return nil
	}
	if err == nil && f.Storage == KindUUID {
		if u, ok := uuid.Parse(s); ok {
			copy(dst, u[:])
			return nil
		}
	}
	return fmt.Errorf("cannot store %T of %d bytes in %s", v, len(s), f.Elem)
}

// storeScanner hands the driver value v to the Scan method of the value at a.
func (f *Field) storeScanner(a unsafe.Pointer, v any) error {
	switch x := v.(type) {
	case time.Time:
		v = x.UTC() // times come back in UTC, whatever zone the driver chose
	case []byte:
		if x == nil {
			v = []byte{} // an empty value, not NULL
		}
	}
	return reflect.NewAt(f.Elem, a).Interface().(sql.Scanner).Scan(v)
}

// storeJSON decodes the JSON text v into the value at a.
func (f *Field) storeJSON(a unsafe.Pointer, v any) error {
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
