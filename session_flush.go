package orm

import (
	"context"
	"errors"
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
	inserted []*flushed
	updated  []*flushed
	deleted  []*flushed
	colls    []*meta.CollData // collections whose pending adds and removes were written
}

type flushed struct {
	ts        *typeState
	es        *entityState
	generated bool         // an insert whose key the database generates
	assigned  bool         // an insert whose empty key the backend filled in
	versioned bool         // an insert whose zero version was set to 1
	changed   backend.Mask // an update's changed fields
	deferred  backend.Mask // an insert's foreign keys written NULL, then fixed up
}

// Flush writes every change the Session tracks, batched into one statement
// per entity type and operation, atomically; see the package documentation
// for the statements and their order. Nothing is sent when nothing changed.
// Two or more statements run in one transaction.
//
// Before planning, Flush cascades: new entities reachable through Refs and
// Collections of tracked entities are persisted (an entity whose generated
// key is already set is taken as a reference to an existing row), entities
// reachable from removed ones through relations tagged orm:"cascade:remove"
// are removed, and entities removed from a one-to-many collection tagged
// orm:"orphanRemoval" (and not added elsewhere) are removed.
//
// When Flush fails, the database is left unchanged and so is the Session:
// entities keep their state, snapshots and identity, and entities that were
// new get their generated keys reset to zero, so the cause can be fixed and
// Flush called again.
func (s *Session) Flush(ctx context.Context) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if s.err != nil {
		err := s.err
		s.err = nil
		return err
	}
	w := &flushWork{}
	settled := false
	defer func() {
		if !settled { // a hook, a Valuer or the driver panicked
			w.rollback()
		}
	}()
	plan, err := s.plan(ctx, w)
	if err != nil {
		settled = true
		return err
	}
	if len(plan.Batches) == 0 {
		s.commit(w)
		settled = true
		return nil
	}
	if err := s.db.backend.Flush(ctx, s.scope(), plan); err != nil {
		var hp *backend.HookPanic
		if errors.As(err, &hp) && hp.Committed {
			s.commit(w) // the database has the changes: so does the Session
		} else {
			w.rollback()
		}
		settled = true
		if hp != nil {
			panic(hp.Value)
		}
		return err
	}
	s.commit(w)
	settled = true
	return nil
}

// plan computes the change sets and builds the batches of a flush, in order:
// deletes nothing still points at, inserts (parents first), foreign-key
// fix-ups, updates, pivot deletes and inserts, and the remaining deletes.
func (s *Session) plan(ctx context.Context, w *flushWork) (*backend.Plan, error) {
	fail := func(err error) (*backend.Plan, error) {
		w.rollback()
		return nil, err
	}
	if err := s.cascade(ctx); err != nil {
		return fail(err)
	}
	var removed []*flushed
	for _, ts := range s.byType {
		if ts == nil || len(ts.list) == 0 {
			continue
		}
		m := ts.m
		for _, es := range ts.list {
			switch es.status {
			case stNew:
				if m.Hooks&meta.HookBeforeCreate != 0 {
					if err := m.Interface(es.ptr).(beforeCreator).BeforeCreate(ctx); err != nil {
						return fail(fmt.Errorf("orm: %s.BeforeCreate: %w", m.Name, err))
					}
				}
				fl := &flushed{ts: ts, es: es}
				if m.Auto != nil && m.Auto.IsZero(es.ptr) {
					fl.generated = true
				} else if !m.HasKey(es.ptr) {
					kg, ok := s.db.backend.(backend.KeyGenerator)
					if !ok || !kg.GenerateKey(m, es.ptr) {
						return fail(fmt.Errorf("orm: Flush: new %s has an empty primary key; set it before flushing", m.Name))
					}
					fl.assigned = true
				}
				if v := m.Version; v != nil && v.Int(es.ptr) == 0 {
					v.SetInt(es.ptr, 1)
					fl.versioned = true
				}
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
				w.updated = append(w.updated, &flushed{ts: ts, es: es, changed: changed})
			case stRemoved:
				if m.Hooks&meta.HookBeforeDelete != 0 {
					if err := m.Interface(es.ptr).(beforeDeleter).BeforeDelete(ctx); err != nil {
						return fail(fmt.Errorf("orm: %s %v: BeforeDelete: %w", m.Name, es.key, err))
					}
				}
				removed = append(removed, &flushed{ts: ts, es: es})
			}
		}
	}
	waves, err := insertWaves(w.inserted)
	if err != nil {
		return fail(err)
	}
	early, late := s.deleteWaves(removed)
	w.deleted = removed
	plan := &backend.Plan{}
	add := func(b *backend.Batch) { plan.Batches = append(plan.Batches, b) }
	for _, wave := range early {
		batchesByType(wave, deleteBatch, add)
	}
	for _, wave := range waves {
		batchesByType(wave, insertBatches, add)
	}
	var fixups []*flushed
	for _, f := range w.inserted {
		if f.deferred != nil {
			fixups = append(fixups, f)
		}
	}
	batchesByType(fixups, fixupBatch, add)
	batchesByType(w.updated, updateBatch, add)
	s.pivotBatches(w, add)
	for _, wave := range late {
		batchesByType(wave, deleteBatch, add)
	}
	return plan, nil
}

// batchesByType groups fs by entity type, in registration order, and makes
// the batches of each group with mk.
func batchesByType(fs []*flushed, mk func(m *meta.Entity, fs []*flushed, add func(*backend.Batch)), add func(*backend.Batch)) {
	if len(fs) == 0 {
		return
	}
	byType := map[*meta.Entity][]*flushed{}
	var order []*meta.Entity
	for _, f := range fs {
		m := f.ts.m
		if byType[m] == nil {
			order = append(order, m)
		}
		byType[m] = append(byType[m], f)
	}
	if len(order) > 1 {
		sortEntities(order)
	}
	for _, m := range order {
		mk(m, byType[m], add)
	}
}

func sortEntities(es []*meta.Entity) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].ID < es[j-1].ID; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

func insertBatches(m *meta.Entity, fs []*flushed, add func(*backend.Batch)) {
	var gen, explicit *backend.Batch
	for _, f := range fs {
		b := &explicit
		if f.generated {
			b = &gen
		}
		if *b == nil {
			*b = &backend.Batch{Kind: backend.Insert, Entity: m, Generated: f.generated}
		}
		(*b).Rows = append((*b).Rows, backend.Row{Ptr: f.es.ptr, Null: f.deferred})
	}
	// Explicit keys first: a generated key is then never one of them.
	for _, b := range []*backend.Batch{explicit, gen} {
		if b == nil {
			continue
		}
		for _, f := range m.Fields {
			if !(b.Generated && f.Auto) {
				b.Fields = append(b.Fields, f)
			}
		}
		add(b)
	}
}

// fixupBatch fills in the foreign keys inserts left NULL; the rows are new,
// so their keys are read from the entities themselves.
func fixupBatch(m *meta.Entity, fs []*flushed, add func(*backend.Batch)) {
	add(rowsBatch(m, fs, true))
}

func updateBatch(m *meta.Entity, fs []*flushed, add func(*backend.Batch)) {
	add(rowsBatch(m, fs, false))
}

func rowsBatch(m *meta.Entity, fs []*flushed, fixup bool) *backend.Batch {
	b := &backend.Batch{Kind: backend.Update, Entity: m, Fixup: fixup}
	for _, f := range fs {
		r := backend.Row{Ptr: f.es.ptr, Key: f.es.snap, Changed: f.changed}
		if fixup {
			r.Key, r.Changed = f.es.ptr, f.deferred
		}
		b.Rows = append(b.Rows, r)
	}
	b.Fields = unionFields(m, b.Rows)
	return b
}

func deleteBatch(m *meta.Entity, fs []*flushed, add func(*backend.Batch)) {
	b := &backend.Batch{Kind: backend.Delete, Entity: m}
	for _, f := range fs {
		key := f.es.snap
		if key == nil {
			key = f.es.ptr // removed by key, never loaded
		}
		b.Rows = append(b.Rows, backend.Row{Ptr: f.es.ptr, Key: key})
	}
	add(b)
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

// syncKeys returns a collection's stored member keys with its flushed adds
// and removes applied.
func syncKeys(c *meta.CollData) []any {
	t := c.Rel.Target
	gone := map[meta.Key]bool{}
	for _, p := range c.Removed {
		gone[t.Key(p)] = true
	}
	keys := make([]any, 0, len(c.Keys)+len(c.Added))
	have := map[meta.Key]bool{}
	for _, k := range c.Keys {
		mk, err := t.KeyOfValue(k)
		if err != nil || gone[mk] || have[mk] {
			continue
		}
		have[mk] = true
		keys = append(keys, k)
	}
	for _, p := range c.Added {
		if mk := t.Key(p); !have[mk] {
			if v, err := t.PK[0].Value(p); err == nil {
				have[mk] = true
				keys = append(keys, v)
			}
		}
	}
	return keys
}

// rollback undoes what planning and executing a failed flush did to entities.
func (w *flushWork) rollback() {
	for _, f := range w.inserted {
		if f.generated {
			f.ts.m.Auto.SetInt(f.es.ptr, 0)
		}
		if f.assigned {
			for _, k := range f.ts.m.PK {
				k.SetZero(f.es.ptr)
			}
		}
		if f.versioned {
			f.ts.m.Version.SetInt(f.es.ptr, 0)
		}
	}
}

// commit records a successful flush: new entities become managed, updated
// ones get new snapshots and versions, deleted ones are detached, and
// collections forget the adds and removes just written. Inside a
// transaction it logs what it changed, for a rollback to undo.
func (s *Session) commit(w *flushWork) {
	inTx := s.tx != nil
	for _, f := range w.inserted {
		f.ts.manage(f.es)
		if inTx && f.generated {
			s.undo = append(s.undo, undoEntry{ptr: f.es.ptr, field: f.ts.m.Auto})
		}
		if inTx && f.assigned {
			for _, k := range f.ts.m.PK {
				s.undo = append(s.undo, undoEntry{ptr: f.es.ptr, field: k, zero: true})
			}
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
	for _, c := range w.colls {
		if inTx {
			s.undo = append(s.undo, undoEntry{coll: c, added: c.Added, removed: c.Removed, keys: c.Keys})
		}
		if c.Keys != nil {
			c.Keys = syncKeys(c)
		}
		c.Added, c.Removed = nil, nil
	}
	for _, ts := range s.byType {
		if ts != nil {
			ts.compact()
		}
	}
}
