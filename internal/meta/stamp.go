package meta

import (
	"time"
	"unsafe"
)

// Stamp is the time a createdAt, updatedAt or softDelete field records.
type Stamp uint8

// The stamps.
const (
	NoStamp      Stamp = iota
	StampCreated       // orm:"createdAt": when the row was inserted
	StampUpdated       // orm:"updatedAt": when the row was last written
	StampDeleted       // orm:"softDelete": when the row was removed; NULL while it is not
)

// String returns the tag option of the stamp.
func (st Stamp) String() string {
	switch st {
	case StampCreated:
		return "createdAt"
	case StampUpdated:
		return "updatedAt"
	case StampDeleted:
		return "softDelete"
	}
	return "no stamp"
}

// TimeSlot is a time field's memory as it was before SetTime replaced it:
// a time.Time, or the pointer a *time.Time field held.
type TimeSlot struct {
	t   time.Time
	ptr *time.Time
}

// SaveTime returns the time field f of the entity at p as it is, for
// RestoreTime.
func (f *Field) SaveTime(p unsafe.Pointer) TimeSlot {
	a := f.Addr(p)
	if f.Ptr {
		return TimeSlot{ptr: *(**time.Time)(a)}
	}
	return TimeSlot{t: *(*time.Time)(a)}
}

// RestoreTime puts back the time field f of the entity at p as SaveTime
// found it: the same time, location and pointer.
func (f *Field) RestoreTime(p unsafe.Pointer, s TimeSlot) {
	a := f.Addr(p)
	if f.Ptr {
		*(**time.Time)(a) = s.ptr
		return
	}
	*(*time.Time)(a) = s.t
}

// SetTime sets the time field f (a time.Time or *time.Time) of the entity
// at p to t. A pointer field gets a pointer of its own, so a time the
// field pointed at, which others may share, is left as it is.
func (f *Field) SetTime(p unsafe.Pointer, t time.Time) {
	a := f.Addr(p)
	if f.Ptr {
		*(**time.Time)(a) = &t
		return
	}
	*(*time.Time)(a) = t
}
