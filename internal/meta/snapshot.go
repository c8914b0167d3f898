package meta

import (
	"cmp"
	"reflect"
	"slices"
	"time"
	"unsafe"
)

// Unchanged reports whether the entity at p certainly holds the same mapped
// values as its snapshot at snap: its bytes outside deep fields are equal and
// its deep fields are equal. It is the fast path of change detection; false
// means "compare field by field".
func (e *Entity) Unchanged(p, snap unsafe.Pointer) bool {
	for _, s := range e.flat {
		n := s.to - s.from
		if unsafe.String((*byte)(unsafe.Add(p, s.from)), n) != unsafe.String((*byte)(unsafe.Add(snap, s.from)), n) {
			return false
		}
	}
	for _, f := range e.deep {
		if !f.Equal(p, snap) {
			return false
		}
	}
	return true
}

// Snapshot returns a deep copy of the entity at p, used to detect changes.
func (e *Entity) Snapshot(p unsafe.Pointer) unsafe.Pointer {
	dst := e.New()
	e.Copy(dst, p)
	return dst
}

// Clone returns an exact copy of the entity at p, pointers, byte slices and
// JSON values copied deeply, Refs kept as they are.
func (e *Entity) Clone(p unsafe.Pointer) unsafe.Pointer {
	dst := e.New()
	e.shallow(dst, p)
	e.copyHolders(dst)
	for _, f := range e.deep {
		if s := f.peek(p); s != nil && f.Kind != KindRef {
			f.clone(f.peek(dst), s)
		}
	}
	return dst
}

// Copy deep-copies the mapped state of the entity at src into dst.
func (e *Entity) Copy(dst, src unsafe.Pointer) {
	e.shallow(dst, src)
	e.copyHolders(dst)
	for _, f := range e.deep {
		if s := f.peek(src); s != nil {
			f.clone(f.peek(dst), s)
		}
	}
}

// SetCopy gives the entity type the assignment that generic code compiles
// for its struct type T, *(*T)(dst) = *(*T)(src): Copy, Clone and so every
// snapshot then use it instead of reflection's, which costs about ten
// times as much. It may be called any number of times, from any goroutine;
// the first call counts.
func (e *Entity) SetCopy(assign func(dst, src unsafe.Pointer)) { e.copy.CompareAndSwap(nil, assign) }

// HasCopy reports whether SetCopy gave the entity type its copy: a caller
// whose copy is a closure to make checks it first.
func (e *Entity) HasCopy() bool { return e.copy.Load() != nil }

// shallow copies the struct at src over the struct at dst, as an
// assignment does.
func (e *Entity) shallow(dst, src unsafe.Pointer) {
	if assign, ok := e.copy.Load().(func(dst, src unsafe.Pointer)); ok {
		assign(dst, src)
		return
	}
	reflect.NewAt(e.Type, dst).Elem().Set(reflect.NewAt(e.Type, src).Elem())
}

// span is a byte range [from, to) of a struct.
type span struct{ from, to uintptr }

// layout finds the byte ranges of the struct that change detection compares
// as bytes: all but the deep fields and the collections, compared their own
// way.
func (e *Entity) layout() {
	var skip []span
	for _, f := range e.deep {
		if f.In == nil {
			skip = append(skip, span{f.Offset, f.Offset + f.Type.Size()})
		}
	}
	for _, h := range e.holders {
		if h.Outer == nil {
			skip = append(skip, span{h.Offset, h.Offset + h.Type.Size()})
		}
	}
	for _, rel := range append(slices.Clip(e.Collections), e.HasOnes...) {
		skip = append(skip, span{rel.Offset, rel.Offset + e.Type.FieldByIndex(rel.Index).Type.Size()})
	}
	slices.SortFunc(skip, func(a, b span) int { return cmp.Compare(a.from, b.from) })
	e.flat = flatSpans(e.Type.Size(), skip)
}

// flatSpans returns the byte ranges of a struct of the given size that lie
// outside the skipped ranges, which are in offset order.
func flatSpans(size uintptr, skip []span) []span {
	var out []span
	var at uintptr
	for _, s := range skip {
		if s.from > at {
			out = append(out, span{at, s.from})
		}
		at = s.to
	}
	if size > at {
		out = append(out, span{at, size})
	}
	return out
}

// Equal reports whether the field holds the same value in entities a and b.
func (f *Field) Equal(a, b unsafe.Pointer) bool {
	pa, pb := f.peek(a), f.peek(b)
	switch {
	case pa == nil && pb == nil:
		return true
	case pa == nil: // in a nil pointer embeddable: NULL
		v, err := f.Value(b)
		return err == nil && v == nil
	case pb == nil:
		v, err := f.Value(a)
		return err == nil && v == nil
	case f.Kind == KindRef:
		return f.refEqual((*RefData)(pa), (*RefData)(pb))
	}
	if f.Ptr {
		pa, pb = *(*unsafe.Pointer)(pa), *(*unsafe.Pointer)(pb)
		if pa == nil || pb == nil {
			return pa == pb
		}
	}
	return f.equalElem(pa, pb)
}

func (f *Field) equalElem(a, b unsafe.Pointer) bool {
	switch f.Kind {
	case KindString:
		return *(*string)(a) == *(*string)(b)
	case KindBytes:
		x, y := *(*[]byte)(a), *(*[]byte)(b)
		return (x == nil) == (y == nil) && string(x) == string(y)
	case KindTime:
		return (*time.Time)(a).Equal(*(*time.Time)(b))
	case KindJSON:
		x, err1 := f.elemValue(a)
		y, err2 := f.elemValue(b)
		return err1 == nil && err2 == nil && x == y
	case KindScanner:
		if f.pointers {
			x, err1 := f.elemValue(a)
			y, err2 := f.elemValue(b)
			return err1 == nil && err2 == nil && driverEqual(x, y)
		}
	}
	if f.size == 8 {
		return *(*uint64)(a) == *(*uint64)(b)
	}
	return unsafe.String((*byte)(a), f.size) == unsafe.String((*byte)(b), f.size)
}

func driverEqual(x, y any) bool {
	switch x := x.(type) {
	case []byte:
		y, ok := y.([]byte)
		return ok && string(x) == string(y) && (x == nil) == (y == nil)
	case time.Time:
		y, ok := y.(time.Time)
		return ok && x.Equal(y)
	}
	return x == y
}

// clone deep-copies the field at address src into address dst, after a
// shallow copy of the whole struct.
func (f *Field) clone(dst, src unsafe.Pointer) {
	if f.Kind == KindRef {
		f.refClone((*RefData)(dst), (*RefData)(src))
		return
	}
	if f.Kind == KindJSON {
		c := reflect.New(f.Type)
		if s, err := f.elemValue(src); err == nil {
			_ = unmarshalJSON(s.(string), c.Interface())
		}
		reflect.NewAt(f.Type, dst).Elem().Set(c.Elem())
		return
	}
	if f.Ptr {
		sp := *(*unsafe.Pointer)(src)
		if sp == nil {
			return
		}
		np := reflect.New(f.Elem)
		np.Elem().Set(reflect.NewAt(f.Elem, sp).Elem())
		*(*unsafe.Pointer)(dst) = np.UnsafePointer()
		if f.Kind == KindBytes {
			b := (*[]byte)(np.UnsafePointer())
			*b = cloneBytes(*b)
		}
		return
	}
	if f.Kind == KindBytes {
		*(*[]byte)(dst) = cloneBytes(*(*[]byte)(src))
	}
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}

// CopyValue deep-copies the value of the field f, not a Ref, from the
// entity at src into the entity at dst, leaving dst's other fields as they
// are.
func (f *Field) CopyValue(dst, src unsafe.Pointer) {
	s := f.peek(src)
	if s == nil {
		f.In.clear(dst, src)
		return
	}
	d := f.Addr(dst)
	switch {
	case !f.Ptr && !f.pointers: // plain bytes: numbers, bools, arrays of them
		copy(unsafe.Slice((*byte)(d), f.size), unsafe.Slice((*byte)(s), f.size))
		return
	case !f.Ptr && f.Elem.Kind() == reflect.String:
		*(*string)(d) = *(*string)(s)
		return
	}
	reflect.NewAt(f.Type, d).Elem().Set(reflect.NewAt(f.Type, s).Elem())
	if f.deep() {
		f.clone(d, s)
	}
}
