package orm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"unsafe"

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
// accepted it. What planning changes on the way is journaled: a failed
// flush undoes it with the Session's journal.
type flushWork struct {
	inserted []*flushed
	updated  []*flushed
	deleted  []*flushed
	colls    []*meta.CollData // collections whose pending adds and removes were written
	links    []link           // unmanaged members of one-to-many collections
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
// Collections of tracked entities are persisted, entities reachable from
// removed ones through relations tagged orm:"cascade:remove" are removed
// (an entity removed by key is read first, to find them), and entities
// removed from a one-to-many collection tagged orm:"orphanRemoval" (and
// not added elsewhere) are removed. An entity reached through a relation
// that this Session does not track but that has a row — its generated key
// is set, or another Session loaded it — is a reference to that row by its
// key, as with [Ref.Set]: a many-to-many link to it is written, and added
// to a one-to-many collection it gets only its foreign key written. One
// that another Session has but not yet flushed is an error.
//
// Removing an entity deletes its many-to-many pivot rows first, on either
// side of the relation, and takes it out of the loaded collections that
// list it.
//
// When Flush fails, the database is left unchanged and so is the Session:
// every entity's state, snapshot, key, version, collections and Refs are as
// they were before the call — what the cascade decided is undone too — so
// the cause can be fixed, or the graph changed, and Flush called again; the
// retry writes what the graph says then.
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
	mark := s.mark()
	w := &flushWork{}
	settled := false
	defer func() {
		if !settled { // a hook, a Valuer or the driver panicked
			s.undoTo(mark)
		}
	}()
	plan, err := s.plan(ctx, w)
	if err != nil {
		s.undoTo(mark)
		settled = true
		return err
	}
	if len(plan.Batches) == 0 {
		s.commit(w, mark)
		settled = true
		return nil
	}
	plan.Slots = (*slots)(s)
	if err := s.db.backend.Flush(ctx, s.scope(), plan); err != nil {
		var hp *backend.HookPanic
		if errors.As(err, &hp) && hp.Committed {
			s.commit(w, mark) // the database has the changes: so does the Session
		} else {
			s.undoTo(mark)
		}
		settled = true
		if hp != nil {
			panic(hp.Value)
		}
		return err
	}
	s.commit(w, mark)
	settled = true
	return nil
}

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

// runHooks runs the Before hooks not yet run in this flush: BeforeCreate of
// new entities, BeforeUpdate of changed ones, BeforeDelete of removed ones.
// It reports whether it ran any.
func (s *Session) runHooks(ctx context.Context, hooked map[*entityState]bool) (map[*entityState]bool, bool, error) {
	s.hooking.Store(true)
	defer s.hooking.Store(false)
	ran := false
	for _, ts := range s.byType {
		if ts == nil || ts.m.Hooks&(meta.HookBeforeCreate|meta.HookBeforeUpdate|meta.HookBeforeDelete) == 0 {
			continue
		}
		m := ts.m
		for _, es := range ts.list {
			var err error
			switch {
			case hooked[es]:
				continue
			case es.status == stNew && m.Hooks&meta.HookBeforeCreate != 0:
				if err = m.Interface(es.ptr).(beforeCreator).BeforeCreate(ctx); err != nil {
					err = fmt.Errorf("orm: %s.BeforeCreate: %w", m.Name, err)
				}
			case es.status == stManaged && m.Hooks&meta.HookBeforeUpdate != 0:
				if m.Unchanged(es.ptr, es.snap) {
					continue
				}
				changed, derr := diff(m, es)
				if derr != nil {
					return hooked, false, derr
				}
				if changed == nil {
					continue
				}
				if err = m.Interface(es.ptr).(beforeUpdater).BeforeUpdate(ctx); err != nil {
					err = fmt.Errorf("orm: %s %v: BeforeUpdate: %w", m.Name, m.KeyValue(es.snap), err)
				}
			case es.status == stRemoved && m.Hooks&meta.HookBeforeDelete != 0:
				if err = m.Interface(es.ptr).(beforeDeleter).BeforeDelete(ctx); err != nil {
					err = fmt.Errorf("orm: %s %v: BeforeDelete: %w", m.Name, es.key, err)
				}
			default:
				continue
			}
			if err != nil {
				return hooked, false, err
			}
			if hooked == nil {
				hooked = map[*entityState]bool{}
			}
			hooked[es] = true
			ran = true
		}
	}
	return hooked, ran, nil
}

// batchesByType groups fs by entity type, in registration order, and makes
// the batches of each group with mk.
func batchesByType(fs []*flushed, mk func(m *meta.Entity, fs []*flushed, plan *backend.Plan), plan *backend.Plan) {
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
		mk(m, byType[m], plan)
	}
}

func sortEntities(es []*meta.Entity) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].ID < es[j-1].ID; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

func insertBatches(m *meta.Entity, fs []*flushed, plan *backend.Plan) {
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
		plan.Add(b)
	}
}

// fixupBatch fills in the foreign keys inserts left NULL; the rows are new,
// so their keys are read from the entities themselves.
func fixupBatch(m *meta.Entity, fs []*flushed, plan *backend.Plan) {
	plan.Add(rowsBatch(m, fs, true))
}

// linkBatches writes the foreign keys of unmanaged entities added to
// one-to-many collections: one fix-up UPDATE per type, by the keys the
// entities hold.
func linkBatches(links []link, plan *backend.Plan) {
	var byType map[*meta.Entity]*backend.Batch
	var order []*meta.Entity
	for _, l := range links {
		t := l.rel.Target
		b := byType[t]
		if b == nil {
			if byType == nil {
				byType = map[*meta.Entity]*backend.Batch{}
			}
			b = &backend.Batch{Kind: backend.Update, Entity: t, Fixup: true}
			byType[t] = b
			order = append(order, t)
		}
		changed := backend.NewMask(len(t.Fields))
		changed.Set(l.rel.Inverse.Field.Pos)
		b.Rows = append(b.Rows, backend.Row{Ptr: l.item, Key: l.item, Changed: changed})
	}
	sortEntities(order)
	for _, t := range order {
		b := byType[t]
		b.Fields = unionFields(t, b.Rows)
		plan.Add(b)
	}
}

// pivotClears deletes the pivot rows of removed entities: one batch per
// many-to-many relation and side, before any of their DELETEs.
func pivotClears(removed []*flushed, plan *backend.Plan) {
	type side struct {
		rel    *meta.Relation
		target bool
	}
	var batches map[side]*backend.Batch
	var order []side
	for _, f := range removed {
		m := f.ts.m
		key := f.es.snap
		if key == nil {
			key = f.es.ptr // removed by key, never loaded
		}
		for _, rel := range m.Pivots {
			for _, target := range []bool{false, true} {
				if target && rel.Target != m || !target && rel.Owner != m {
					continue
				}
				sd := side{rel, target}
				b := batches[sd]
				if b == nil {
					if batches == nil {
						batches = map[side]*backend.Batch{}
					}
					b = &backend.Batch{Kind: backend.PivotClear, Entity: m, Rel: rel, Target: target}
					batches[sd] = b
					order = append(order, sd)
				}
				b.Rows = append(b.Rows, backend.Row{Ptr: f.es.ptr, Key: key})
			}
		}
	}
	for _, sd := range order {
		plan.Add(batches[sd])
	}
}

func updateBatch(m *meta.Entity, fs []*flushed, plan *backend.Plan) {
	plan.Add(rowsBatch(m, fs, false))
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

func deleteBatch(m *meta.Entity, fs []*flushed, plan *backend.Plan) {
	b := &backend.Batch{Kind: backend.Delete, Entity: m}
	for _, f := range fs {
		key := f.es.snap
		if key == nil {
			key = f.es.ptr // removed by key, never loaded
		}
		b.Rows = append(b.Rows, backend.Row{Ptr: f.es.ptr, Key: key})
	}
	plan.Add(b)
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

// commit records a successful flush: new entities become managed, updated
// ones get new snapshots and versions, deleted ones are detached and leave
// the loaded collections that list them, and collections forget the adds
// and removes just written. Inside a transaction it journals what it
// changes, for a rollback to undo; outside, the flush is final and its
// journal is forgotten.
func (s *Session) commit(w *flushWork, mark int) {
	log := s.tx != nil
	for _, f := range w.inserted {
		if log {
			s.logState(f.ts, f.es)
		}
		f.ts.manage(f.es)
	}
	for _, f := range w.updated {
		if v := f.ts.m.Version; v != nil {
			if log {
				s.logInt(f.es.ptr, v)
			}
			v.SetInt(f.es.ptr, v.Int(f.es.snap)+1)
		}
		if log {
			s.logState(f.ts, f.es)
		}
		f.ts.manage(f.es)
	}
	s.unlist(w.deleted, log)
	for _, f := range w.deleted {
		s.setStatus(f.ts, f.es, detached, log)
	}
	for _, c := range w.colls {
		if log {
			s.logPending(c)
		}
		c.Added, c.Removed = nil, nil
	}
	if log {
		return
	}
	s.forget(mark)
	for _, ts := range s.byType {
		if ts != nil {
			ts.compact()
		}
	}
}

// unlist takes deleted entities out of the loaded collections of tracked
// entities that list them.
func (s *Session) unlist(deleted []*flushed, log bool) {
	if len(deleted) == 0 {
		return
	}
	gone := make(map[unsafe.Pointer]bool, len(deleted))
	types := map[*meta.Entity]bool{}
	for _, f := range deleted {
		gone[f.es.ptr] = true
		types[f.ts.m] = true
	}
	isGone := func(p unsafe.Pointer) bool { return gone[p] }
	for _, ts := range s.byType {
		if ts == nil {
			continue
		}
		for _, rel := range ts.m.Collections {
			if !types[rel.Target] {
				continue
			}
			for _, es := range ts.list {
				c := rel.Coll(es.ptr)
				if es.status == detached || c.Unloaded || !slices.ContainsFunc(c.Items, isGone) {
					continue
				}
				if log {
					for _, p := range c.Items {
						if gone[p] {
							s.logItem(c, p, itemUnlisted)
						}
					}
				}
				c.Items = slices.DeleteFunc(slices.Clone(c.Items), isGone)
			}
		}
	}
}
