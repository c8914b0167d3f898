package meta

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
)

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
