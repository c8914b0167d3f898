package orm

import (
	"fmt"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// plan computes the change sets of a flush and builds its batches, in the
// order batches gives them. It sends nothing: the cascade, which reads, has
// run before it (cascadeAndHooks). What it changes in entities (generated
// keys, first versions, time stamps) and in the tracker is journaled.
func (s *Session) plan(w *flushWork) (*backend.Plan, error) {
	// One record puts back the keys, versions and stamps set below and by
	// the backend: zero on new entities, as they were; an update's
	// updatedAt as it was.
	s.journal = append(s.journal, undo{kind: undoPlanned, w: w})
	removed, err := s.changeSets(w)
	if err != nil {
		return nil, err
	}
	inserts, err := insertWaves(w.inserted)
	if err != nil {
		return nil, err
	}
	early, late := s.deleteWaves(removed)
	w.deleted = removed
	return s.batches(w, inserts, early, late), nil
}

// changeSets sorts the tracked entities into a flush's change sets: new
// ones into w.inserted (by insertRow), managed ones that changed into
// w.updated with their changed fields, and removed ones of a
// soft-deletable type, unless removed with HardDelete, into w.updated as
// soft deletes. It returns the removed ones to delete.
func (s *Session) changeSets(w *flushWork) (removed []*flushed, err error) {
	for _, ts := range s.byType {
		if ts == nil || len(ts.list) == 0 {
			continue
		}
		for _, es := range ts.list {
			switch es.status {
			case stNew:
				f, err := s.insertRow(w, ts, es)
				if err != nil {
					return nil, err
				}
				w.stampInsert(s.db, f)
				w.inserted = append(w.inserted, f)
			case stManaged:
				if ts.m.Unchanged(es.ptr, es.snap) {
					continue
				}
				changed, err := diff(w, ts.m, es)
				if err != nil {
					return nil, err
				}
				if changed != nil { // nil: no change, or a hook put it back
					f := w.row(ts, es)
					f.changed = changed
					w.stampUpdate(s.db, f)
					w.updated = append(w.updated, f)
				}
			case stRemoved:
				if ts.m.SoftDelete != nil && !es.hard {
					w.updated = append(w.updated, w.softDelete(s.db, ts, es))
					continue
				}
				removed = append(removed, w.row(ts, es))
			}
		}
	}
	return removed, nil
}

// insertRow is the insert of the new entity es: a zero generated key is
// left to the database, a zero UUID key becomes a new UUIDv7, another
// empty key is filled in by a backend that generates keys
// ([backend.KeyGenerator]) or is an error, a zero version becomes 1, and a
// zero field with a default is left to the database.
func (s *Session) insertRow(w *flushWork, ts *typeState, es *entityState) (*flushed, error) {
	m := ts.m
	f := w.row(ts, es)
	switch {
	case m.Auto != nil && m.Auto.IsZero(es.ptr):
		f.generated = true // the backend sets it
	case m.UUIDKey != nil && m.UUIDKey.IsZero(es.ptr):
		s.db.newUUID(m.UUIDKey, es.ptr)
		f.assigned = true
	case !m.HasKey(es.ptr):
		kg, ok := s.db.backend.(backend.KeyGenerator)
		if f.assigned = ok && kg.GenerateKey(m, es.ptr); !f.assigned {
			return nil, fmt.Errorf("orm: Flush: new %s has an empty primary key; set it before flushing", m.Name)
		}
	}
	if v := m.Version; v != nil && v.Int(es.ptr) == 0 {
		v.SetInt(es.ptr, 1)
		f.versioned = true
	}
	for i, d := range m.Defaults {
		if d.IsZero(es.ptr) {
			f.defaulted |= 1 << i // the database fills it in
		}
	}
	return f, nil
}

// diff returns the fields of a managed entity that differ from its snapshot,
// or nil when none does, in a mask from w (made apart when w is nil). The
// version is the Session's to set, and a changed primary key is an error.
func diff(w *flushWork, m *meta.Entity, es *entityState) (backend.Mask, error) {
	var changed backend.Mask
	for _, f := range m.Fields {
		if f.Version || f.Equal(es.ptr, es.snap) {
			continue
		}
		if f.PK {
			return nil, fmt.Errorf("orm: %s %v: primary key field %s changed; keys of managed entities cannot change", m.Name, m.KeyValue(es.snap), f.Name)
		}
		if changed == nil {
			changed = w.mask(len(m.Fields))
		}
		changed.Set(f.Pos)
	}
	return changed, nil
}
