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
	undoColl                    // a Collection
	undoValue                   // every field of an entity (Retry)
	undoTypes                   // the Session's whole tracker (Clear)
	undoInserts                 // the keys and versions a flush set on new entities
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
	saved  *meta.CollData // undoColl: the collection as it was, its slices copied
	m      *meta.Entity   // undoValue: p's type, and its copy in saved value
	value  unsafe.Pointer
	types  []*typeState // undoTypes
	w      *flushWork   // undoInserts
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
		case undoRef:
			*u.ref = u.refWas
		case undoColl:
			*u.coll = *u.saved
		case undoValue:
			reflect.NewAt(u.m.Type, u.p).Elem().Set(reflect.NewAt(u.m.Type, u.value).Elem())
		case undoTypes:
			s.byType = u.types
		case undoInserts:
			u.w.undoInserts()
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

// undoInserts sets the keys and versions a flush gave new entities back to
// zero.
func (w *flushWork) undoInserts() {
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
	}
}

// logRef journals a Ref.
func (s *Session) logRef(d *meta.RefData) {
	s.journal = append(s.journal, undo{kind: undoRef, ref: d, refWas: *d})
}

// logColl journals a Collection, copying its slices: they may change in
// place later.
func (s *Session) logColl(c *meta.CollData) {
	saved := cloneColl(*c)
	s.journal = append(s.journal, undo{kind: undoColl, coll: c, saved: &saved})
}

func cloneColl(c meta.CollData) meta.CollData {
	c.Items, c.Added, c.Removed, c.Keys = slices.Clone(c.Items), slices.Clone(c.Added), slices.Clone(c.Removed), slices.Clone(c.Keys)
	return c
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
			c := ts.m.Clone(es.ptr)
			for _, rel := range ts.m.Collections {
				d := rel.Coll(c)
				*d = cloneColl(*d)
			}
			s.journal = append(s.journal, undo{kind: undoValue, m: ts.m, p: es.ptr, value: c})
		}
	}
}

// logTypes journals the whole tracker, before Clear replaces it.
func (s *Session) logTypes() {
	s.journal = append(s.journal, undo{kind: undoTypes, types: s.byType})
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
