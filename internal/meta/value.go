package meta

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"time"
	"unsafe"
)

// Value returns the field's value in the entity at p as a driver value:
// int64, float64, bool, string, []byte, time.Time (in UTC) or nil.
func (f *Field) Value(p unsafe.Pointer) (any, error) {
	a := f.peek(p)
	switch {
	case a == nil:
		return nil, nil
	case f.Kind == KindRef:
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
