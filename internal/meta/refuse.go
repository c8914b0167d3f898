package meta

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
	"unsafe"
)

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
	RefuseLongDecimal                    // a decimal of more than 15 significant digits (SQLite, which keeps it as a REAL)
)

// Check reports, naming the value, why the field in the entity at p holds a
// value the database cannot store: one in r, one no column holds (a uint64
// above math.MaxInt64), one its enum type does not list, or text longer
// than its size. Fields whose values are always storable cost
// nothing.
func (f *Field) Check(p unsafe.Pointer, r Refuse) error {
	if f.Enum != nil {
		return f.checkEnum(p)
	}
	if f.Length > 0 {
		if err := f.checkLength(p); err != nil {
			return err
		}
	}
	if f.Decimal && r&RefuseLongDecimal != 0 {
		return f.checkDecimal(p)
	}
	switch f.Storage {
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
	a := f.peek(p)
	if a == nil {
		return nil
	}
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

// checkLength reports text in the field f of the entity at p longer than
// f.Length characters, which a database would refuse or cut (or, SQLite,
// keep): refused alike everywhere.
func (f *Field) checkLength(p unsafe.Pointer) error {
	var s string
	if f.Ptr || f.In != nil || f.Kind != KindString {
		v, err := f.Value(p)
		if err != nil {
			return err
		}
		if s, _ = v.(string); v == nil {
			return nil
		}
	} else {
		s = *(*string)(f.Addr(p))
	}
	if n := utf8.RuneCountInString(s); n > f.Length {
		return fmt.Errorf("value %.80q has %d characters, more than its size, %d", s, n, f.Length)
	}
	return nil
}

// checkDecimal reports a decimal in the field f of the entity at p with
// more significant digits than a REAL keeps (15): stored, it would read back
// rounded.
func (f *Field) checkDecimal(p unsafe.Pointer) error {
	v, err := f.Value(p)
	if err != nil {
		return err
	}
	s, _ := v.(string)
	mantissa, _, _ := strings.Cut(strings.ToLower(s), "e")
	digits := strings.Map(func(r rune) rune {
		if r < '0' || r > '9' {
			return -1
		}
		return r
	}, mantissa)
	if digits = strings.TrimRight(strings.TrimLeft(digits, "0"), "0"); len(digits) > 15 {
		return fmt.Errorf("value %s has %d significant digits: the database keeps a decimal as a REAL, exact to 15", s, len(digits))
	}
	return nil
}
