package orm

import (
	"unsafe"

	"github.com/unitofwork/orm/internal/meta"
)

// status is where an entity stands in its Session.
type status uint8

const (
	detached  status = iota // no longer tracked
	stNew                   // persisted, not yet inserted
	stManaged               // loaded or flushed: snapshot holds the database's values
	stRemoved               // to be deleted at the next flush
)

// entityState is the tracker's record of one entity.
type entityState struct {
	ptr    unsafe.Pointer // the user's entity
	snap   unsafe.Pointer // copy of the entity as last read or written; nil while new
	key    meta.Key       // identity-map key, valid while managed or removed
	status status
}

// typeState is the identity map and work list of one entity type.
type typeState struct {
	m     *meta.Entity
	byKey map[meta.Key]*entityState       // managed and removed entities
	byPtr map[unsafe.Pointer]*entityState // every tracked entity; nil until the first lookup
	list  []*entityState                  // tracked entities in the order they arrived
	dirty bool                            // list holds detached entries to compact
}

func newTypeState(m *meta.Entity) *typeState {
	return &typeState{m: m, byKey: map[meta.Key]*entityState{}}
}

// lookup returns the tracked entity at p, or nil. The pointer index is built
// on the first lookup, at its full size: a Session that only reads never
// pays for it, and one that loads many rows and then flushes builds it once
// instead of growing it row by row.
func (ts *typeState) lookup(p unsafe.Pointer) *entityState {
	if ts.byPtr == nil {
		ts.byPtr = make(map[unsafe.Pointer]*entityState, len(ts.list))
		for _, es := range ts.list {
			if es.status != detached {
				ts.byPtr[es.ptr] = es
			}
		}
	}
	return ts.byPtr[p]
}

// add starts tracking the entity at p.
func (ts *typeState) add(p unsafe.Pointer, st status) *entityState {
	es := &entityState{ptr: p, status: st}
	if ts.byPtr != nil {
		ts.byPtr[p] = es
	}
	ts.list = append(ts.list, es)
	return es
}

// manage records es as managed with a fresh snapshot and key.
func (ts *typeState) manage(es *entityState) { ts.manageKey(es, ts.m.Key(es.ptr)) }

// manageKey is manage for a caller that has the key already.
func (ts *typeState) manageKey(es *entityState, k meta.Key) {
	es.snap = ts.m.Snapshot(es.ptr)
	es.key = k
	es.status = stManaged
	ts.byKey[k] = es
}

// detach stops tracking es.
func (ts *typeState) detach(es *entityState) {
	if cur := ts.byKey[es.key]; cur == es {
		delete(ts.byKey, es.key)
	}
	delete(ts.byPtr, es.ptr)
	es.status = detached
	ts.dirty = true
}

// compact drops detached entries from the list.
func (ts *typeState) compact() {
	if !ts.dirty {
		return
	}
	kept := ts.list[:0]
	for _, es := range ts.list {
		if es.status != detached {
			kept = append(kept, es)
		}
	}
	clear(ts.list[len(kept):])
	ts.list = kept
	ts.dirty = false
}

// types returns the state of entity type m, creating it on first use.
func (s *Session) types(m *meta.Entity) *typeState {
	if m.ID < len(s.byType) {
		if ts := s.byType[m.ID]; ts != nil {
			return ts
		}
	} else {
		grown := make([]*typeState, len(s.db.reg.List))
		copy(grown, s.byType)
		s.byType = grown
	}
	ts := newTypeState(m)
	s.byType[m.ID] = ts
	return ts
}

// lookup returns the tracked state of the entity of type m with key k, or nil.
func (s *Session) lookup(m *meta.Entity, k meta.Key) *entityState {
	if m.ID >= len(s.byType) || s.byType[m.ID] == nil {
		return nil
	}
	return s.byType[m.ID].byKey[k]
}

// checkpoint is a copy of the tracker taken when a transaction starts, so a
// rollback can put the Session back as it was.
type checkpoint struct {
	types [][]entityState
	undo  int // length of the Session's undo log
}

func (s *Session) checkpoint() checkpoint {
	cp := checkpoint{types: make([][]entityState, len(s.byType)), undo: len(s.undo)}
	for i, ts := range s.byType {
		if ts == nil {
			continue
		}
		ts.compact()
		saved := make([]entityState, len(ts.list))
		for j, es := range ts.list {
			saved[j] = *es
		}
		cp.types[i] = saved
	}
	return cp
}

func (s *Session) restore(cp checkpoint) {
	for i := len(s.undo) - 1; i >= cp.undo; i-- {
		u := s.undo[i]
		if u.coll != nil {
			u.coll.Added, u.coll.Removed, u.coll.Keys = u.added, u.removed, u.keys
			continue
		}
		if u.zero {
			u.field.SetZero(u.ptr)
			continue
		}
		u.field.SetInt(u.ptr, u.old)
	}
	s.undo = s.undo[:cp.undo]
	s.byType = make([]*typeState, len(s.db.reg.List))
	for i, saved := range cp.types {
		if saved == nil {
			continue
		}
		ts := newTypeState(s.db.reg.List[i])
		for _, es := range saved {
			es := es
			ts.list = append(ts.list, &es)
			if es.status == stManaged || es.status == stRemoved {
				ts.byKey[es.key] = &es
			}
		}
		s.byType[i] = ts
	}
}

// undoEntry records an integer field a successful flush set on an entity
// (a generated key or a version), so a rolled-back transaction can reset it.
//
// An entry with coll set records instead the pending adds and removes a
// flush cleared from a collection.
type undoEntry struct {
	ptr   unsafe.Pointer
	field *meta.Field
	old   int64
	zero  bool // set the field to its zero value instead

	coll           *meta.CollData
	added, removed []unsafe.Pointer
	keys           []any
}
