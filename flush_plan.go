package orm

import (
	"context"
	"fmt"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// plan computes the change sets and builds the batches of a flush, in order:
// pivot rows of removed entities, deletes nothing still points at, inserts
// (parents first), foreign-key fix-ups and links, updates, pivot deletes and
// inserts, and the remaining deletes. What it changes in entities and in the
// tracker is journaled.
func (s *Session) plan(ctx context.Context, w *flushWork) (*backend.Plan, error) {
	// Hooks may change the graph (add a new entity to a collection, move a
	// Ref): after any hook runs, the cascade runs again, until no hook is
	// left to run. Each hook runs once per flush.
	var hooked map[*entityState]bool
	for {
		if err := s.cascade(ctx, w); err != nil {
			return nil, err
		}
		var ran bool
		var err error
		if hooked, ran, err = s.runHooks(ctx, hooked); err != nil {
			return nil, err
		}
		if !ran {
			break
		}
	}
	// One record puts back the keys and versions set on new entities below
	// and by the backend: zero, as they were.
	s.journal = append(s.journal, undo{kind: undoInserts, w: w})
	var removed []*flushed
	for _, ts := range s.byType {
		if ts == nil || len(ts.list) == 0 {
			continue
		}
		m := ts.m
		for _, es := range ts.list {
			switch es.status {
			case stNew:
				fl := &flushed{ts: ts, es: es}
				w.inserted = append(w.inserted, fl)
				if m.Auto != nil && m.Auto.IsZero(es.ptr) {
					fl.generated = true // the backend sets it
				} else if !m.HasKey(es.ptr) {
					kg, ok := s.db.backend.(backend.KeyGenerator)
					if fl.assigned = ok && kg.GenerateKey(m, es.ptr); !fl.assigned {
						return nil, fmt.Errorf("orm: Flush: new %s has an empty primary key; set it before flushing", m.Name)
					}
				}
				if v := m.Version; v != nil && v.Int(es.ptr) == 0 {
					v.SetInt(es.ptr, 1)
					fl.versioned = true
				}
			case stManaged:
				if m.Unchanged(es.ptr, es.snap) {
					continue
				}
				changed, err := diff(m, es)
				if err != nil {
					return nil, err
				}
				if changed != nil { // nil: no change, or a hook put it back
					w.updated = append(w.updated, &flushed{ts: ts, es: es, changed: changed})
				}
			case stRemoved:
				removed = append(removed, &flushed{ts: ts, es: es})
			}
		}
	}
	waves, err := insertWaves(w.inserted)
	if err != nil {
		return nil, err
	}
	early, late := s.deleteWaves(removed)
	w.deleted = removed
	plan := &backend.Plan{}
	pivotClears(removed, plan)
	for _, wave := range early {
		batchesByType(wave, deleteBatch, plan)
	}
	for _, wave := range waves {
		batchesByType(wave, insertBatches, plan)
	}
	var fixups []*flushed
	for _, f := range w.inserted {
		if f.deferred != nil {
			fixups = append(fixups, f)
		}
	}
	batchesByType(fixups, fixupBatch, plan)
	linkBatches(w.links, plan)
	batchesByType(w.updated, updateBatch, plan)
	s.pivotBatches(w, plan)
	for _, wave := range late {
		batchesByType(wave, deleteBatch, plan)
	}
	return plan, nil
}

// diff returns the fields of a managed entity that differ from its snapshot,
// or nil when none does. The version is the Session's to set, and a changed
// primary key is an error.
func diff(m *meta.Entity, es *entityState) (backend.Mask, error) {
	var changed backend.Mask
	for _, f := range m.Fields {
		if f.Version || f.Equal(es.ptr, es.snap) {
			continue
		}
		if f.PK {
			return nil, fmt.Errorf("orm: %s %v: primary key field %s changed; keys of managed entities cannot change", m.Name, m.KeyValue(es.snap), f.Name)
		}
		if changed == nil {
			changed = backend.NewMask(len(m.Fields))
		}
		changed.Set(f.Pos)
	}
	return changed, nil
}
