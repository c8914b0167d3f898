package orm

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"unsafe"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// tracked is one entity the cascade walks.
type tracked struct {
	ts *typeState
	es *entityState
}

// link is a member added to a one-to-many collection that the Session does
// not track: a reference to an existing row, whose foreign key the flush
// writes by its key.
type link struct {
	rel  *meta.Relation // the collection
	item unsafe.Pointer
}

// cascade walks the graph from the tracked entities: it persists new
// entities reachable from tracked ones, removes those reachable from
// removed ones through cascade:remove relations, removes orphans, and keeps
// inverse collections in step with the Refs they mirror. Everything it
// changes is journaled.
//
// The walk reads rows: a removal cascades through relations that are not
// loaded by loading them, and an entity removed by key by reading its row
// first (cascadeRemove).
func (s *Session) cascade(ctx context.Context, w *flushWork) error {
	w.links = w.links[:0] // a cascade run again finds them again
	var work []tracked
	for _, ts := range s.byType {
		if ts == nil || len(ts.m.Relations) == 0 {
			continue
		}
		for _, es := range ts.list {
			if es.status != detached {
				work = append(work, tracked{ts, es})
			}
		}
	}
	var removed []tracked // removed entities to cascade from, one level at a time
	for i := 0; i < len(work) || len(removed) > 0; {
		if i == len(work) {
			level := removed
			removed = nil
			if err := s.cascadeRemove(ctx, level, &work); err != nil {
				return err
			}
			continue
		}
		t := work[i]
		i++
		switch t.es.status {
		case stRemoved:
			if slices.ContainsFunc(t.ts.m.Relations, func(r *meta.Relation) bool { return r.CascadeRemove }) {
				removed = append(removed, t)
			}
		case stNew, stManaged:
			if err := s.cascadeFrom(t, w, &work); err != nil {
				return err
			}
		}
	}
	return nil
}

// cascadeFrom follows the relations of a new or managed entity: it attaches
// them to the Session, persists the new entities they reach, and keeps the
// collections mirroring its Refs in step.
func (s *Session) cascadeFrom(t tracked, w *flushWork, work *[]tracked) error {
	sp := s.stamp()
	m, p := t.ts.m, t.es.ptr
	for _, rel := range m.Relations {
		if rel.Kind != meta.RelRef {
			if err := s.cascadeColl(rel, p, w, work); err != nil {
				return err
			}
			continue
		}
		d := rel.Field.Ref(p)
		if d.S != sp || d.Owner != p {
			s.logRef(d)
			d.S, d.Rel, d.Owner = sp, rel, p
		}
		if d.Ptr != nil {
			if _, err := s.cascadePersist(rel.Target, d.Ptr, work); err != nil {
				return fmt.Errorf("orm: Flush: %s.%s: %w", m.Name, rel.Name, err)
			}
		}
	}
	s.reconcile(t.ts, t.es, true)
	return nil
}

// cascadeColl follows the collection rel of the entity at p: the members
// added to it are persisted when new (one-to-many and owning many-to-many)
// and point their Ref at p (one-to-many); those taken out are handled by
// removedMembers.
func (s *Session) cascadeColl(rel *meta.Relation, p unsafe.Pointer, w *flushWork, work *[]tracked) error {
	c := rel.Coll(p)
	if c.Rel == nil {
		s.logAttach(c)
		c.Owner, c.Rel, c.S = p, rel, s.stamp()
	}
	hasMany := rel.Kind == meta.RelHasMany
	for _, item := range c.Added {
		if hasMany {
			if ref := rel.Inverse.Field.Ref(item); ref.Ptr != p {
				s.logRef(ref)
				ref.Ptr, ref.ID = p, nil
			}
		}
		if !hasMany && !rel.Owning() {
			continue
		}
		managed, err := s.cascadePersist(rel.Target, item, work)
		if err != nil {
			return fmt.Errorf("orm: Flush: %s.%s: %w", rel.Owner.Name, rel.Name, err)
		}
		if !managed && hasMany {
			t := rel.Target
			if other := s.lookup(t, t.Key(item)); other != nil {
				return fmt.Errorf("orm: Flush: %s.%s: another %s with key %v is managed by this Session; add that instance", rel.Owner.Name, rel.Name, t.Name, t.KeyValue(item))
			}
			w.links = append(w.links, link{rel, item})
		}
	}
	if hasMany {
		return s.removedMembers(rel, c, w, work)
	}
	return nil
}

// removedMembers handles the members taken out of a one-to-many collection
// and not added elsewhere: tracked ones are removed when the relation is
// tagged orm:"orphanRemoval" (their cleared Ref is written otherwise); an
// untracked one with a key, a reference to its row, is deleted by key or
// gets its foreign key written NULL.
func (s *Session) removedMembers(rel *meta.Relation, c *meta.CollData, w *flushWork, work *[]tracked) error {
	t := rel.Target
	tts := s.types(t)
	for _, item := range c.Removed {
		if !rel.Inverse.Field.IsZero(item) {
			continue // added elsewhere
		}
		ies := tts.lookup(item)
		switch {
		case ies != nil:
			if rel.OrphanRemoval {
				s.removeTracked(tts, ies, true, work, false)
			}
		case !t.HasKey(item) || t.Auto != nil && t.Auto.IsZero(item):
			// never stored: nothing to write
		case tts.byKey.get(t.Key(item)) != nil:
			return fmt.Errorf("orm: Flush: %s.%s: another %s with key %v is managed by this Session; remove that instance", rel.Owner.Name, rel.Name, t.Name, t.KeyValue(item))
		case rel.OrphanRemoval:
			es := s.trackRemoved(tts, item, t.Key(item), true)
			*work = append(*work, tracked{tts, es})
		default:
			w.links = append(w.links, link{rel, item})
		}
	}
	return nil
}

// cascadePersist persists the entity at p of type t, reached through a
// relation, unless it is tracked or is a reference to an existing row: its
// generated key is set, or it comes from another Session with its key. It
// reports whether the entity is tracked.
func (s *Session) cascadePersist(t *meta.Entity, p unsafe.Pointer, work *[]tracked) (bool, error) {
	ts := s.types(t)
	if ts.lookup(p) != nil {
		return true, nil
	}
	foreign := s.foreign(t, p)
	if t.Auto != nil && !t.Auto.IsZero(p) || foreign && t.HasKey(p) {
		return false, nil
	}
	if foreign {
		return false, fmt.Errorf("the %s is new in another Session, not yet flushed there: it has no row to link to", t.Name)
	}
	if t.HasKey(p) && ts.byKey.get(t.Key(p)) != nil {
		return false, fmt.Errorf("another %s with key %v is already managed by this Session", t.Name, t.KeyValue(p))
	}
	es := s.track(ts, p, stNew, true)
	s.attach(t, p, false, true)
	*work = append(*work, tracked{ts, es})
	return true, nil
}

// removeTracked removes a tracked entity: a new one is forgotten, a managed
// one marked removed (hard: with HardDelete) and, when work is not nil,
// queued for the cascade. A removed one asked to be removed hard becomes
// so. With log set, the changes are journaled.
func (s *Session) removeTracked(ts *typeState, es *entityState, log bool, work *[]tracked, hard bool) {
	switch es.status {
	case stNew:
		s.unlink(ts.m, es.ptr, log)
		s.setStatus(ts, es, detached, log)
	case stManaged:
		s.setStatus(ts, es, stRemoved, log)
		es.hard = hard
		if work != nil {
			*work = append(*work, tracked{ts, es})
		}
	case stRemoved:
		if hard && !es.hard {
			if log {
				s.logState(ts, es)
			}
			es.hard = true
		}
	}
}

// cascadeRemove removes what one level of removed entities reaches through
// relations tagged cascade:remove, with one query per type and relation
// whatever the number of entities: entities removed by key are read first,
// so that they cascade like loaded ones, then unloaded collections and Ref
// targets are loaded. The entities it removes are queued in work, for the
// next level.
//
// A soft removal cascades as a removal (the entities reached are
// soft-deleted where their type is soft-deletable, deleted otherwise) and
// reads past every named filter but softDelete, leaving soft-deleted rows
// as they are; a hard one cascades hard and reads every row, so that no
// row is left pointing at a deleted one.
func (s *Session) cascadeRemove(ctx context.Context, level []tracked, work *[]tracked) error {
	type group struct {
		ts   *typeState
		hard bool
	}
	byType := map[group][]*entityState{}
	var order []group
	for _, t := range level {
		g := group{t.ts, t.es.hard}
		if byType[g] == nil {
			order = append(order, g)
		}
		byType[g] = append(byType[g], t.es)
	}
	for _, g := range order {
		ess, err := s.readRemoved(ctx, g.ts, byType[g], cascadeOff(g.hard))
		if err != nil {
			return err
		}
		owners := make([]unsafe.Pointer, len(ess))
		for i, es := range ess {
			owners[i] = es.ptr
		}
		for _, rel := range g.ts.m.Relations {
			if rel.CascadeRemove {
				if err := s.cascadeRel(ctx, rel, owners, work, g.hard); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// cascadeRel removes what removed owners reach through the cascade:remove
// relation rel, loading it first where it is not loaded.
func (s *Session) cascadeRel(ctx context.Context, rel *meta.Relation, owners []unsafe.Pointer, work *[]tracked, hard bool) error {
	var unloaded, loaded []unsafe.Pointer
	for _, p := range owners {
		if rel.Kind == meta.RelRef {
			if d := rel.Field.Ref(p); d.Ptr == nil && d.ID != nil {
				s.logRef(d)
				unloaded = append(unloaded, p)
			}
		} else if c := rel.Coll(p); c.Unloaded {
			s.logAttach(c)
			unloaded = append(unloaded, p)
		} else {
			loaded = append(loaded, p)
		}
	}
	if len(unloaded) > 0 {
		if _, err := s.populateLevel(ctx, rel, unloaded, false, cascadeOff(hard)); err != nil {
			return fmt.Errorf("orm: Flush: cascading the removal of %s to %s: %w", rel.Owner.Name, rel.Name, err)
		}
	}
	tts := s.types(rel.Target)
	if hard && rel.Kind == meta.RelHasMany && len(loaded) > 0 && s.db.filtered(rel.Target, filterOff{}) {
		hidden, err := s.hiddenMembers(ctx, rel, loaded)
		if err != nil {
			return fmt.Errorf("orm: Flush: cascading the removal of %s to %s: %w", rel.Owner.Name, rel.Name, err)
		}
		for _, item := range hidden {
			if es := tts.lookup(item); es != nil {
				s.removeTracked(tts, es, true, work, hard)
			}
		}
	}
	for _, p := range owners {
		var items []unsafe.Pointer
		if rel.Kind == meta.RelRef {
			items = []unsafe.Pointer{rel.Field.Ref(p).Ptr}
		} else {
			items = rel.Coll(p).Items
		}
		for _, item := range items {
			if item == nil {
				continue
			}
			if es := tts.lookup(item); es != nil {
				s.removeTracked(tts, es, true, work, hard)
			}
		}
	}
	return nil
}

// readRemoved reads, with one query, the rows of the entities of ess that
// were removed by key, into them, making them removed entities with
// snapshots, as if they had been loaded. It returns the entities of ess
// that have rows.
func (s *Session) readRemoved(ctx context.Context, ts *typeState, ess []*entityState, off filterOff) ([]*entityState, error) {
	m := ts.m
	byKey := map[meta.Key]*entityState{}
	var conds []*backend.Cond
	out := ess[:0:0]
	for _, es := range ess {
		if es.snap != nil {
			out = append(out, es)
			continue
		}
		q, err := keyQuery(m, es.ptr)
		if err != nil {
			return nil, err
		}
		byKey[es.key] = es
		conds = append(conds, q.Where)
	}
	if len(conds) == 0 {
		return out, nil
	}
	q := &backend.Query{Entity: m, Where: conds[0]}
	switch {
	case len(conds) > 1 && len(m.PK) == 1:
		keys := make([]any, len(conds))
		for i, c := range conds {
			keys[i] = c.Value
		}
		q.Where = &backend.Cond{Op: backend.OpIn, Field: m.PK[0], Values: keys}
		q.Split = true
	case len(conds) > 1:
		q.Where = &backend.Cond{Op: backend.OpOr, Conds: conds}
	}
	q.Where = s.db.scoped(m, q.Where, off)
	err := repanic(s.db.backend.Select(ctx, s.scope(), q, func(row unsafe.Pointer, _ any) error {
		es := byKey[m.Key(row)]
		if es == nil {
			return nil
		}
		p := es.ptr
		s.logValue(m, p)
		reflect.NewAt(m.Type, p).Elem().Set(reflect.NewAt(m.Type, row).Elem())
		s.logState(ts, es)
		es.snap = ts.snapshot(p)
		s.attach(m, p, true, true)
		out = append(out, es)
		return nil
	}))
	return out, err
}

// hiddenMembers reads the members of the loaded one-to-many collections rel
// of the owners that the target's filters hid when they were loaded (their
// soft-deleted members, say): a hard removal deletes them too, so that no
// row is left pointing at a deleted one.
func (s *Session) hiddenMembers(ctx context.Context, rel *meta.Relation, owners []unsafe.Pointer) ([]unsafe.Pointer, error) {
	keys := make([]any, len(owners))
	for i, p := range owners {
		v, err := rel.Owner.PK[0].Value(p)
		if err != nil {
			return nil, err
		}
		keys[i] = v
	}
	in := &backend.Cond{Op: backend.OpIn, Field: rel.Inverse.Field, Values: keys}
	q := &backend.Query{Entity: rel.Target, Where: andConds(in, []*backend.Cond{s.db.hidden(rel.Target)}), Split: true}
	var out []unsafe.Pointer
	_, err := s.load(ctx, q, false, func(p unsafe.Pointer, _ any) error {
		out = append(out, p)
		return nil
	})
	return out, err
}
