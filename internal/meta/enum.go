package meta

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Enum is the set of values a field of an enum type may hold: a named
// string or integer type with a method Values() []T listing them.
type Enum struct {
	Type    reflect.Type
	Strings []string // the values of a string type, in the order Values gives
	Ints    []int64  // the values of an integer type
	strs    map[string]bool
	ints    map[int64]bool
}

// enumOf returns the Enum of t, nil when t is no enum type, or an error
// saying why its Values cannot stand for a column's allowed values.
func enumOf(t reflect.Type, kind Kind) (*Enum, error) {
	if kind != KindString && kind != KindInt && kind != KindUint || t.Name() == "" {
		return nil, nil
	}
	m, ok := t.MethodByName("Values")
	if !ok || m.Type.NumIn() != 1 || m.Type.NumOut() != 1 || m.Type.Out(0) != reflect.SliceOf(t) {
		return nil, nil
	}
	vs, err := callValues(t)
	if err != nil {
		return nil, err
	}
	if vs.Len() == 0 {
		return nil, fmt.Errorf("%s.Values() lists no value", t)
	}
	e := &Enum{Type: t, strs: map[string]bool{}, ints: map[int64]bool{}}
	for i := range vs.Len() {
		v := vs.Index(i)
		switch kind {
		case KindString:
			s := v.String()
			if !utf8.ValidString(s) || strings.ContainsAny(s, "\x00\\") {
				return nil, fmt.Errorf("%s.Values() lists %q: an enum value must be valid UTF-8 without NUL or backslash (the CHECK constraint spells it as an SQL literal)", t, s)
			}
			e.Strings, e.strs[s] = append(e.Strings, s), true
		case KindInt:
			e.Ints, e.ints[v.Int()] = append(e.Ints, v.Int()), true
		default:
			if v.Uint() > 1<<63-1 {
				return nil, fmt.Errorf("%s.Values() lists %d, above the largest integer a column holds", t, v.Uint())
			}
			e.Ints, e.ints[int64(v.Uint())] = append(e.Ints, int64(v.Uint())), true
		}
	}
	return e, nil
}

// callValues calls Values on the zero value of t, turning a panic into an
// error.
func callValues(t reflect.Type) (vs reflect.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s.Values() panicked: %v", t, r)
		}
	}()
	return reflect.Zero(t).MethodByName("Values").Call(nil)[0], nil
}

// checkEnum reports a value of the enum field f in the entity at p that
// its type does not list; a nil pointer (NULL) is not checked.
func (f *Field) checkEnum(p unsafe.Pointer) error {
	a := f.peek(p)
	if a == nil {
		return nil
	}
	if f.Ptr {
		if a = *(*unsafe.Pointer)(a); a == nil {
			return nil
		}
	}
	e := f.Enum
	switch f.Kind {
	case KindString:
		if s := *(*string)(a); !e.strs[s] {
			return fmt.Errorf("value %q is not a %s (%s lists %s)", s, e.Type.Name(), e.Type, e.list())
		}
	case KindInt:
		if n := readInt(a, f.size); !e.ints[n] {
			return fmt.Errorf("value %d is not a %s (%s lists %s)", n, e.Type.Name(), e.Type, e.list())
		}
	default:
		if n := readUint(a, f.size); n > 1<<63-1 || !e.ints[int64(n)] {
			return fmt.Errorf("value %d is not a %s (%s lists %s)", n, e.Type.Name(), e.Type, e.list())
		}
	}
	return nil
}

// list spells the values, for messages.
func (e *Enum) list() string {
	var parts []string
	for _, s := range e.Strings {
		parts = append(parts, strconv.Quote(s))
	}
	for _, n := range e.Ints {
		parts = append(parts, strconv.FormatInt(n, 10))
	}
	const most = 10
	if len(parts) > most {
		parts = append(parts[:most], fmt.Sprintf("… %d in all", len(parts)))
	}
	return strings.Join(parts, ", ")
}
