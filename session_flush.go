package orm

import (
	"context"
	"fmt"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// hook interfaces, the optional one-method interfaces an entity may have.
type (
	beforeCreator interface{ BeforeCreate(context.Context) error }
	beforeUpdater interface{ BeforeUpdate(context.Context) error }
	beforeDeleter interface{ BeforeDelete(context.Context) error }
	afterLoader   interface{ AfterLoad(context.Context) error }
)

// flushWork is what one flush changes in the Session once the database has
// accepted it, and what it must undo if the database refuses it.
type flushWork struct {
	inserted []flushed
	updated  []flushed
	deleted  []flushed
}

type flushed struct {
	ts        *typeState
	es        *entityState
	generated bool // an insert whose key the database generates
	versioned bool // an insert whose zero version was set to 1
}

// Flush writes every change the Session tracks: inserts of persisted
// entities, updates of the changed columns of managed ones, and deletes of
// removed ones, in that order, batched into one statement per entity type
// and operation. Nothing is sent when nothing changed. Two or more
// statements run in one transaction.
//
// When Flush fails, the database is left unchanged and so is the Session:
// entities keep their state, snapshots and identity, and entities that were
// new get their generated keys reset to zero, so the cause can be fixed and
// Flush called again.
func (s *Session) Flush(ctx context.Context) error {
	if s.err != nil {
		err := s.err
		s.err = nil
		return err
	}
	plan, w, err := s.plan(ctx)
	if err != nil {
		return err
	}
	if len(plan.Batches) == 0 {
		return nil
	}
	if err := s.db.backend.Flush(ctx, s.scope(), plan); err != nil {
		w.rollback()
		return err
	}
	s.commit(w)
	return nil
}

// plan computes the change sets and builds the batches of a flush.
func (s *Session) plan(ctx context.Context) (*backend.Plan, *flushWork, error) {
	var inserts, updates, deletes []*backend.Batch
	w := &flushWork{}
	fail := func(err error) (*backend.Plan, *flushWork, error) {
		w.rollback()
		return nil, nil, err
	}
	for _, ts := range s.byType {
		if ts == nil || len(ts.list) == 0 {
			continue
		}
		m := ts.m
		var gen, explicit, upd, del *backend.Batch
		for _, es := range ts.list {
			switch es.status {
			case stNew:
				if m.Hooks&meta.HookBeforeCreate != 0 {
					if err := m.Interface(es.ptr).(beforeCreator).BeforeCreate(ctx); err != nil {
						return fail(fmt.Errorf("orm: %s.BeforeCreate: %w", m.Name, err))
					}
				}
				fl := flushed{ts: ts, es: es}
				b := &explicit
				if m.Auto != nil && m.Auto.IsZero(es.ptr) {
					b, fl.generated = &gen, true
				} else if !m.HasKey(es.ptr) {
					return fail(fmt.Errorf("orm: Flush: new %s has an empty primary key; set it before flushing", m.Name))
				}
				if v := m.Version; v != nil && v.Int(es.ptr) == 0 {
					v.SetInt(es.ptr, 1)
					fl.versioned = true
				}
				if *b == nil {
					*b = &backend.Batch{Kind: backend.Insert, Entity: m, Generated: b == &gen}
				}
				(*b).Rows = append((*b).Rows, backend.Row{Ptr: es.ptr})
				w.inserted = append(w.inserted, fl)
			case stManaged:
				if m.Unchanged(es.ptr, es.snap) {
					continue
				}
				changed, err := diff(m, es)
				if err != nil {
					return fail(err)
				}
				if changed == nil {
					continue
				}
				if m.Hooks&meta.HookBeforeUpdate != 0 {
					if err := m.Interface(es.ptr).(beforeUpdater).BeforeUpdate(ctx); err != nil {
						return fail(fmt.Errorf("orm: %s %v: BeforeUpdate: %w", m.Name, m.KeyValue(es.snap), err))
					}
					if changed, err = diff(m, es); err != nil {
						return fail(err)
					}
				}
				if upd == nil {
					upd = &backend.Batch{Kind: backend.Update, Entity: m}
				}
				upd.Rows = append(upd.Rows, backend.Row{Ptr: es.ptr, Key: es.snap, Changed: changed})
				w.updated = append(w.updated, flushed{ts: ts, es: es})
			case stRemoved:
				if m.Hooks&meta.HookBeforeDelete != 0 {
					if err := m.Interface(es.ptr).(beforeDeleter).BeforeDelete(ctx); err != nil {
						return fail(fmt.Errorf("orm: %s %v: BeforeDelete: %w", m.Name, es.key, err))
					}
				}
				key := es.snap
				if key == nil {
					key = es.ptr // removed by key, never loaded
				}
				if del == nil {
					del = &backend.Batch{Kind: backend.Delete, Entity: m}
				}
				del.Rows = append(del.Rows, backend.Row{Ptr: es.ptr, Key: key})
				w.deleted = append(w.deleted, flushed{ts: ts, es: es})
			}
		}
		for _, b := range []*backend.Batch{gen, explicit} {
			if b == nil {
				continue
			}
			for _, f := range m.Fields {
				if !(b.Generated && f.Auto) {
					b.Fields = append(b.Fields, f)
				}
			}
			inserts = append(inserts, b)
		}
		if upd != nil {
			upd.Fields = unionFields(m, upd.Rows)
			updates = append(updates, upd)
		}
		if del != nil {
			deletes = append(deletes, del)
		}
	}
	for i, j := 0, len(deletes)-1; i < j; i, j = i+1, j-1 {
		deletes[i], deletes[j] = deletes[j], deletes[i]
	}
	plan := &backend.Plan{Batches: append(append(inserts, updates...), deletes...)}
	return plan, w, nil
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

func unionFields(m *meta.Entity, rows []backend.Row) []*meta.Field {
	var fields []*meta.Field
	for _, f := range m.Fields {
		for _, r := range rows {
			if r.Changed.Has(f.Pos) {
				fields = append(fields, f)
				break
			}
		}
	}
	return fields
}

// rollback undoes what planning and executing a failed flush did to entities.
func (w *flushWork) rollback() {
	for _, f := range w.inserted {
		if f.generated {
			f.ts.m.Auto.SetInt(f.es.ptr, 0)
		}
		if f.versioned {
			f.ts.m.Version.SetInt(f.es.ptr, 0)
		}
	}
}

// commit records a successful flush: new entities become managed, updated
// ones get new snapshots and versions, deleted ones are detached. Inside a
// transaction it logs the fields it set, for a rollback to reset.
func (s *Session) commit(w *flushWork) {
	inTx := s.tx != nil
	for _, f := range w.inserted {
		f.ts.manage(f.es)
		if inTx && f.generated {
			s.undo = append(s.undo, undoEntry{ptr: f.es.ptr, field: f.ts.m.Auto})
		}
		if inTx && f.versioned {
			s.undo = append(s.undo, undoEntry{ptr: f.es.ptr, field: f.ts.m.Version})
		}
	}
	for _, f := range w.updated {
		if v := f.ts.m.Version; v != nil {
			old := v.Int(f.es.snap)
			v.SetInt(f.es.ptr, old+1)
			if inTx {
				s.undo = append(s.undo, undoEntry{ptr: f.es.ptr, field: v, old: old})
			}
		}
		f.ts.manage(f.es)
	}
	for _, f := range w.deleted {
		f.ts.detach(f.es)
	}
	for _, ts := range s.byType {
		if ts != nil {
			ts.compact()
		}
	}
}
