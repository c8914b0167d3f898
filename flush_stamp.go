package orm

import (
	"time"

	"github.com/unitofwork/orm/internal/meta"
)

// Time stamps: a field tagged orm:"createdAt" or orm:"updatedAt" is set by
// the Session, to one time per flush (the DB's clock in UTC, truncated to
// the backend's precision, so that it reads back as set). An insert sets
// each stamp the program left zero (nil); an update sets updatedAt, unless
// the program changed it itself, when and only when another column of the
// entity changed, so an entity that did not change stays clean. A soft
// delete sets the softDelete field of a removed entity, to the same time
// (softDelete). The fields planning sets are put back when the flush
// fails.

// stamped records which stamps planning set on one entity.
type stamped uint8

const (
	stampedCreated stamped = 1 << iota // an insert's zero createdAt
	stampedUpdated                     // an insert's zero updatedAt, or an update's updatedAt (was in stampWas)
	stampedDeleted                     // a soft delete's softDelete field (was nil)
)

// stampTime is the time every stamp of the flush takes, read from the
// DB's clock the first time one is needed.
func (w *flushWork) stampTime(db *DB) time.Time {
	if w.now.IsZero() {
		w.now = db.now()
	}
	return w.now
}

// stampInsert sets the createdAt and updatedAt fields that the new entity
// of f leaves zero to the flush's time; those the program set are kept.
func (w *flushWork) stampInsert(db *DB, f *flushed) {
	m, p := f.ts.m, f.es.ptr
	if c := m.CreatedAt; c != nil && c.IsZero(p) {
		c.SetTime(p, w.stampTime(db))
		f.stamps |= stampedCreated
	}
	if u := m.UpdatedAt; u != nil && u.IsZero(p) {
		u.SetTime(p, w.stampTime(db))
		f.stamps |= stampedUpdated
	}
}

// stampUpdate sets the updatedAt field of the changed entity of f to the
// flush's time and adds it to the changed columns, unless the program
// changed the field itself.
func (w *flushWork) stampUpdate(db *DB, f *flushed) {
	u := f.ts.m.UpdatedAt
	if u == nil || f.changed.Has(u.Pos) {
		return
	}
	f.stampWas = u.SaveTime(f.es.ptr)
	f.stamps |= stampedUpdated
	u.SetTime(f.es.ptr, w.stampTime(db))
	f.changed.Set(u.Pos)
}

// softDelete is the update that soft-deletes the removed entity es: its
// softDelete field set to the flush's time, unless it holds a time
// already, is the one column it writes (and the version, checked and
// incremented). Other changes to the entity are not written, as a delete
// would not write them.
func (w *flushWork) softDelete(db *DB, ts *typeState, es *entityState) *flushed {
	m := ts.m
	f := w.row(ts, es)
	f.soft, f.changed = true, w.mask(len(m.Fields))
	f.changed.Set(m.SoftDelete.Pos)
	if m.SoftDelete.IsZero(es.ptr) {
		m.SoftDelete.SetTime(es.ptr, w.stampTime(db))
		f.stamps |= stampedDeleted
	}
	return f
}

// unstamp puts back the stamps planning set on the entity of f: zero for
// an insert, the time it had for an update, nil for a soft delete.
func (f *flushed) unstamp(m *meta.Entity, insert bool) {
	p := f.es.ptr
	if f.stamps&stampedDeleted != 0 {
		m.SoftDelete.SetZero(p)
	}
	if f.stamps&stampedCreated != 0 {
		m.CreatedAt.SetZero(p)
	}
	if f.stamps&stampedUpdated != 0 {
		if insert {
			m.UpdatedAt.SetZero(p)
		} else {
			m.UpdatedAt.RestoreTime(p, f.stampWas)
		}
	}
}
