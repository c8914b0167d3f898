package meta

import (
	"fmt"
	"reflect"
	"unsafe"
)

// Holder is a pointer embeddable (a *struct field tagged orm:"embedded"):
// nil when every one of its columns is NULL. The fields inside it have
// offsets from the start of its struct, and Field.In names it.
type Holder struct {
	Offset uintptr      // of the pointer, from the entity or from Outer's struct
	Type   reflect.Type // the struct it points to
	Outer  *Holder      // the pointer embeddable it sits in, if any
}

// base returns the address of the holder's struct in the entity at p, or
// nil when it (or one around it) is nil; with alloc it allocates the nil
// ones instead.
func (h *Holder) base(p unsafe.Pointer, alloc bool) unsafe.Pointer {
	if h.Outer != nil {
		if p = h.Outer.base(p, alloc); p == nil {
			return nil
		}
	}
	slot := (*unsafe.Pointer)(unsafe.Add(p, h.Offset))
	if *slot == nil && alloc {
		*slot = reflect.New(h.Type).UnsafePointer()
	}
	return *slot
}

// clear makes the holder in the entity at dst nil where it, or one around
// it, is nil in the entity at src.
func (h *Holder) clear(dst, src unsafe.Pointer) {
	if h.Outer != nil {
		if h.Outer.base(src, false) == nil {
			h.Outer.clear(dst, src)
			return
		}
	}
	if d := h.outerBase(dst); d != nil {
		*(*unsafe.Pointer)(unsafe.Add(d, h.Offset)) = nil
	}
}

// outerBase returns the address of the struct that holds the holder's
// pointer in the entity at p, or nil when that struct is behind a nil one.
func (h *Holder) outerBase(p unsafe.Pointer) unsafe.Pointer {
	if h.Outer == nil {
		return p
	}
	return h.Outer.base(p, false)
}

// copyHolders gives the entity at dst, a shallow copy of the entity at src,
// its own copy of every pointer embeddable, outer ones first.
func (e *Entity) copyHolders(dst unsafe.Pointer) {
	for _, h := range e.holders {
		if s := h.base(dst, false); s != nil {
			c := reflect.New(h.Type)
			c.Elem().Set(reflect.NewAt(h.Type, s).Elem())
			*(*unsafe.Pointer)(unsafe.Add(h.outerBase(dst), h.Offset)) = c.UnsafePointer()
		}
	}
}

// Addr returns the address of the field in the entity at p, allocating the
// pointer embeddables it sits in when they are nil: the address to write
// the field at.
func (f *Field) Addr(p unsafe.Pointer) unsafe.Pointer {
	if f.In != nil {
		p = f.In.base(p, true)
	}
	return unsafe.Add(p, f.Offset)
}

// peek returns the address of the field in the entity at p to read it at,
// or nil when it sits in a pointer embeddable that is nil (its column is
// NULL).
func (f *Field) peek(p unsafe.Pointer) unsafe.Pointer {
	if f.In != nil {
		if p = f.In.base(p, false); p == nil {
			return nil
		}
	}
	return unsafe.Add(p, f.Offset)
}

// holderField refuses what a field inside a pointer embeddable cannot be:
// something the Session or the database sets, which would make a nil
// embeddable non-nil behind the user's back.
func holderField(entity string, f *Field) error {
	var reason string
	switch {
	case f.PK:
		reason = "a primary key cannot be inside a pointer embeddable (it may be nil)"
	case f.Version:
		reason = "the version cannot be inside a pointer embeddable (it may be nil)"
	case f.Stamp != NoStamp:
		reason = fmt.Sprintf("the %s field cannot be inside a pointer embeddable: the Session sets it, and the embeddable may be nil", f.Stamp)
	case f.Default != "":
		reason = "a default cannot be inside a pointer embeddable: the database would fill it in when the embeddable is nil"
	default:
		return nil
	}
	return &Error{Entity: entity, Field: f.Name, Reason: reason}
}
