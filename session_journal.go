package orm

import (
	"reflect"
	"slices"
	"unsafe"

	"github.com/unitofwork/orm/internal/meta"
)

// The journal is the Session's one undo log. Every change a flush makes to
// the tracker or to entities — an entity's state, snapshot and key, a
// generated key or version, a Ref, a Collection — is written to it before
// it is made; inside a transaction so is every change a successful flush
// records. A failure puts everything back with undoTo, newest first: a
// failed flush to where it began, a rolled-back transaction or savepoint to
// where it began. Outside a transaction the journal is emptied once a flush
// has succeeded.
//
// Loads are not journaled: a row read inside a transaction that rolls back
// stays managed, since reading it wrote nothing.

// undoKind is what an undo record puts back.
type undoKind uint8

const (
	undoState   undoKind = iota // an entity's state, snapshot and key
	undoInt                     // an integer field
	undoRef                     // a Ref
	undoAttach                  // a Collection's owner, Session and loaded flag
	undoItem                    // one member added to or taken from a Collection
	undoPending                 // a Collection's pending adds and removes, written by a flush
	undoSlot                    // a Collection's backend slot, replaced by a flush
	undoValue                   // every field of an entity (Retry)
	undoTypes                   // the Session's whole tracker (Clear)
	undoPlanned                 // the keys, versions and stamps a flush set on entities it writes
	undoZero                    // a field set on an entity that left it zero (an upsert's version or stamp)
)

// undo is one journal record.
type undo struct {
	kind   undoKind
	ts     *typeState
	es     *entityState
	was    entityState // undoState: es as it was; status detached means untracked
	p      unsafe.Pointer
	f      *meta.Field
	old    int64
	ref    *meta.RefData
	refWas meta.RefData
	coll   *meta.CollData
	saved  *meta.CollData // undoAttach, undoPending, undoSlot: the collection as it was
	change itemChange     // undoItem: what happened to member p
	m      *meta.Entity   // undoValue: p's type, and its copy in saved value
	value  unsafe.Pointer
	types  []*typeState // undoTypes, with the cell in p
	w      *flushWork   // undoPlanned
}

// mark returns the journal's position, for undoTo.
func (s *Session) mark() int { return len(s.journal) }

// undoTo puts back every change journaled since mark, newest first, and
// forgets them.
func (s *Session) undoTo(mark int) {
	for i := len(s.journal) - 1; i >= mark; i-- {
		u := &s.journal[i]
		switch u.kind {
		case undoState:
			u.ts.reset(u.es, u.was)
		case undoInt:
			u.f.SetInt(u.p, u.old)
		case undoZero:
			u.f.SetZero(u.p)
		case undoRef:
			*u.ref = u.refWas
		case undoAttach:
			c := u.coll
			c.Owner, c.Rel, c.S, c.Unloaded = u.saved.Owner, u.saved.Rel, u.saved.S, u.saved.Unloaded
		case undoItem:
			u.undoItem()
		case undoPending:
			u.undoPending()
		case undoSlot:
			u.coll.Slot = u.saved.Slot
		case undoValue:
			reflect.NewAt(u.m.Type, u.p).Elem().Set(reflect.NewAt(u.m.Type, u.value).Elem())
		case undoTypes:
			s.byType = u.types
			s.setCell((*sessionCell)(u.p))
		case undoPlanned:
			u.w.undoPlanned()
		}
		*u = undo{}
	}
	s.journal = s.journal[:mark]
}

// forget drops the records since mark: what they undo is final.
func (s *Session) forget(mark int) {
	clear(s.journal[mark:])
	s.journal = s.journal[:mark]
}

// logState journals es's state before it changes.
func (s *Session) logState(ts *typeState, es *entityState) {
	s.journal = append(s.journal, undo{kind: undoState, ts: ts, es: es, was: *es})
}

// track starts tracking the entity at p, journaled when log is set.
func (s *Session) track(ts *typeState, p unsafe.Pointer, st status, log bool) *entityState {
	es := ts.add(p, st)
	if log {
		s.journal = append(s.journal, undo{kind: undoState, ts: ts, es: es, was: entityState{ptr: p}})
	}
	return es
}

// setStatus moves es to status st (detached: stops tracking it), journaled
// when log is set.
func (s *Session) setStatus(ts *typeState, es *entityState, st status, log bool) {
	if log {
		s.logState(ts, es)
	}
	if st == detached {
		ts.detach(es)
		return
	}
	es.status = st
}

// logInt journals the integer field f of the entity at p.
func (s *Session) logInt(p unsafe.Pointer, f *meta.Field) {
	s.journal = append(s.journal, undo{kind: undoInt, p: p, f: f, old: f.Int(p)})
}

// undoPlanned sets the keys, versions, stamps and defaults a flush gave
// new entities back to zero, and the updatedAt stamps it gave updated ones
// back to what they were.
func (w *flushWork) undoPlanned() {
	for _, f := range w.updated {
		if f.stamps != 0 {
			f.unstamp(f.ts.m, false)
		}
	}
	for _, f := range w.inserted {
		m := f.ts.m
		if f.generated {
			m.Auto.SetInt(f.es.ptr, 0)
		}
		if f.assigned {
			for _, k := range m.PK {
				k.SetZero(f.es.ptr)
			}
		}
		if f.versioned {
			m.Version.SetInt(f.es.ptr, 0)
		}
		for i, d := range m.Defaults {
			if f.defaulted&(1<<i) != 0 {
				d.SetZero(f.es.ptr) // it was zero; the database had filled it in
			}
		}
		if f.stamps != 0 {
			f.unstamp(m, true)
		}
	}
}

// logRef journals a Ref.
func (s *Session) logRef(d *meta.RefData) {
	s.journal = append(s.journal, undo{kind: undoRef, ref: d, refWas: *d})
}

// itemChange is what a journaled change did to one member of a collection.
type itemChange uint8

const (
	itemListed   itemChange = iota // appended to Items
	itemUnlisted                   // taken out of Items
	itemUnadded                    // taken out of Added
)

// The journal records changes to a collection, not copies of it: a rollback
// of a transaction puts back what the flushes in it did and keeps what the
// function did to the collection afterwards.

// logAttach journals a Collection's owner, Session and loaded flag.
func (s *Session) logAttach(c *meta.CollData) {
	saved := meta.CollData{Owner: c.Owner, Rel: c.Rel, S: c.S, Unloaded: c.Unloaded}
	s.journal = append(s.journal, undo{kind: undoAttach, coll: c, saved: &saved})
}

// logItem journals that member p was listed in, unlisted from, or taken
// out of the pending adds of c.
func (s *Session) logItem(c *meta.CollData, p unsafe.Pointer, change itemChange) {
	s.journal = append(s.journal, undo{kind: undoItem, coll: c, p: p, change: change})
}

func (u *undo) undoItem() {
	c, p := u.coll, u.p
	switch u.change {
	case itemListed:
		c.Items = slices.DeleteFunc(slices.Clone(c.Items), func(q unsafe.Pointer) bool { return q == p })
	case itemUnlisted:
		if !slices.Contains(c.Items, p) {
			c.Items = append(c.Items[:len(c.Items):len(c.Items)], p)
		}
	case itemUnadded:
		if !slices.Contains(c.Added, p) && !slices.Contains(c.Removed, p) {
			c.Added = append(c.Added[:len(c.Added):len(c.Added)], p)
		}
	}
}

// logPending journals a Collection's pending adds and removes, before a
// flush that wrote them forgets them.
func (s *Session) logPending(c *meta.CollData) {
	saved := meta.CollData{Added: c.Added, Removed: c.Removed}
	s.journal = append(s.journal, undo{kind: undoPending, coll: c, saved: &saved})
}

// undoPending makes the adds and removes the flush wrote pending again,
// with those made since replayed on top.
func (u *undo) undoPending() {
	c := u.coll
	added, removed := slices.Clone(u.saved.Added), slices.Clone(u.saved.Removed)
	for _, p := range c.Added {
		if i := slices.Index(removed, p); i >= 0 {
			removed = slices.Delete(removed, i, i+1)
		} else if !slices.Contains(added, p) {
			added = append(added, p)
		}
	}
	for _, p := range c.Removed {
		if i := slices.Index(added, p); i >= 0 {
			added = slices.Delete(added, i, i+1)
		} else if !slices.Contains(removed, p) {
			removed = append(removed, p)
		}
	}
	c.Added, c.Removed = added, removed
}

// slots lets a backend's Flush replace collections' Slots, journaled: a
// *Session seen as a backend.Slots, without a method in Session's API.
type slots Session

// Set journals c's Slot, then replaces it with v.
func (j *slots) Set(c *meta.CollData, v any) {
	s := (*Session)(j)
	s.journal = append(s.journal, undo{kind: undoSlot, coll: c, saved: &meta.CollData{Slot: c.Slot}})
	c.Slot = v
}

// logValues journals every field of every tracked entity, collections
// included: what Retry puts back before each new attempt.
func (s *Session) logValues() {
	for _, ts := range s.byType {
		if ts == nil {
			continue
		}
		for _, es := range ts.list {
			if es.status == detached {
				continue
			}
			s.logValue(ts.m, es.ptr)
		}
	}
}

// logValue journals every field of the entity at p, the slices of its
// collections copied.
func (s *Session) logValue(m *meta.Entity, p unsafe.Pointer) {
	c := m.Clone(p)
	for _, rel := range m.Collections {
		d := rel.Coll(c)
		d.Items, d.Added, d.Removed = slices.Clone(d.Items), slices.Clone(d.Added), slices.Clone(d.Removed)
	}
	s.journal = append(s.journal, undo{kind: undoValue, m: m, p: p, value: c})
}

// trackRemoved starts tracking the entity at p, not loaded, as removed by
// its key k.
func (s *Session) trackRemoved(ts *typeState, p unsafe.Pointer, k meta.Key, log bool) *entityState {
	es := s.track(ts, p, stRemoved, log)
	es.key = k
	ts.byKey.set(k, es)
	return es
}

// logTypes journals the whole tracker and the Session's cell, before Clear
// replaces them.
func (s *Session) logTypes() {
	s.journal = append(s.journal, undo{kind: undoTypes, types: s.byType, p: unsafe.Pointer(s.cell)})
}

// reset puts es back to the state was, in the identity map and the
// pointer index too.
func (ts *typeState) reset(es *entityState, was entityState) {
	if es.status == stManaged || es.status == stRemoved {
		if ts.byKey.get(es.key) == es {
			ts.byKey.del(es.key)
		}
	}
	*es = was
	switch es.status {
	case detached:
		delete(ts.byPtr, es.ptr)
		ts.dirty = true
	case stManaged, stRemoved:
		ts.byKey.set(es.key, es)
		fallthrough
	default:
		if ts.byPtr != nil {
			ts.byPtr[es.ptr] = es
		}
	}
}
