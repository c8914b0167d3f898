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

// attach makes the relations of the entity at p belong to the Session: Refs
// can Load and collections know their owner. A collection of an entity read
// from the database starts unloaded. A Ref whose target is managed points
// at it. With log set, what it changes is journaled.
func (s *Session) attach(m *meta.Entity, p unsafe.Pointer, fromDB, log bool) {
	sp := unsafe.Pointer(s)
	for _, rel := range m.Relations {
		if rel.Kind == meta.RelRef {
			d := rel.Field.Ref(p)
			ptr := d.Ptr
			if ptr == nil && d.ID != nil {
				if k, ok, _ := rel.Field.RefKey(d); ok {
					if es := s.lookup(rel.Target, k); es != nil && es.status == stManaged {
						ptr = es.ptr
					}
				}
			}
			if d.S != sp || d.Owner != p || d.Ptr != ptr {
				if log {
					s.logRef(d)
				}
				d.S, d.Rel, d.Owner, d.Ptr = sp, rel, p, ptr
			}
			continue
		}
		c := rel.Coll(p)
		if c.Rel == nil || c.S != sp {
			if log {
				s.logAttach(c)
			}
			c.Owner, c.Rel, c.S = p, rel, sp
			c.Unloaded = fromDB
		}
	}
}

// foreign reports whether the entity at p carries the mark of another
// Session: a Ref or Collection that Session attached to it (not one copied
// from another entity). An entity without relations carries no mark.
func (s *Session) foreign(m *meta.Entity, p unsafe.Pointer) bool {
	sp := unsafe.Pointer(s)
	for _, rel := range m.Relations {
		if rel.Kind == meta.RelRef {
			if d := rel.Field.Ref(p); d.Owner == p && d.S != sp {
				return true
			}
		} else if c := rel.Coll(p); c.Owner == p && c.S != sp {
			return true
		}
	}
	return false
}

// describe names the entity at p by its key, for messages.
func describe(m *meta.Entity, p unsafe.Pointer) string {
	if !m.HasKey(p) {
		return "without a key"
	}
	return fmt.Sprintf("with key %v", m.KeyValue(p))
}

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

// cascade persists new entities reachable from tracked ones, removes those
// reachable from removed ones through cascade:remove relations, removes
// orphans, and keeps inverse collections in step with the Refs they mirror.
// Everything it changes is journaled.
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
	sp := unsafe.Pointer(s)
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
		ts, es := work[i].ts, work[i].es
		i++
		m, p := ts.m, es.ptr
		if es.status == stRemoved {
			if slices.ContainsFunc(m.Relations, func(r *meta.Relation) bool { return r.CascadeRemove }) {
				removed = append(removed, tracked{ts, es})
			}
			continue
		}
		if es.status == detached {
			continue
		}
		for _, rel := range m.Relations {
			if rel.Kind == meta.RelRef {
				d := rel.Field.Ref(p)
				if d.S != sp || d.Owner != p {
					s.logRef(d)
					d.S, d.Rel, d.Owner = sp, rel, p
				}
				if d.Ptr != nil {
					if _, err := s.cascadePersist(rel.Target, d.Ptr, &work); err != nil {
						return fmt.Errorf("orm: Flush: %s.%s: %w", m.Name, rel.Name, err)
					}
				}
				continue
			}
			c := rel.Coll(p)
			if c.Rel == nil {
				s.logAttach(c)
				c.Owner, c.Rel, c.S = p, rel, sp
			}
			for _, item := range c.Added {
				if rel.Kind == meta.RelHasMany {
					if ref := rel.Inverse.Field.Ref(item); ref.Ptr != p {
						s.logRef(ref)
						ref.Ptr, ref.ID = p, nil
					}
				}
				if rel.Kind == meta.RelHasMany || rel.Owning() {
					managed, err := s.cascadePersist(rel.Target, item, &work)
					if err != nil {
						return fmt.Errorf("orm: Flush: %s.%s: %w", m.Name, rel.Name, err)
					}
					if !managed && rel.Kind == meta.RelHasMany {
						t := rel.Target
						if other := s.lookup(t, t.Key(item)); other != nil {
							return fmt.Errorf("orm: Flush: %s.%s: another %s with key %v is managed by this Session; add that instance", m.Name, rel.Name, t.Name, t.KeyValue(item))
						}
						w.links = append(w.links, link{rel, item})
					}
				}
			}
			if rel.Kind == meta.RelHasMany {
				if err := s.removedMembers(rel, c, w, &work); err != nil {
					return err
				}
			}
		}
		s.reconcile(ts, es, true)
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
				s.removeTracked(tts, ies, work)
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

// removeTracked removes a tracked entity and queues it for the cascade.
func (s *Session) removeTracked(ts *typeState, es *entityState, work *[]tracked) {
	switch es.status {
	case stNew:
		s.unlink(ts.m, es.ptr, true)
		s.setStatus(ts, es, detached, true)
	case stManaged:
		s.setStatus(ts, es, stRemoved, true)
		*work = append(*work, tracked{ts, es})
	}
}

// cascadeRemove removes what one level of removed entities reaches through
// relations tagged cascade:remove, with one query per type and relation
// whatever the number of entities: entities removed by key are read first,
// so that they cascade like loaded ones, then unloaded collections and Ref
// targets are loaded. The entities it removes are queued in work, for the
// next level.
func (s *Session) cascadeRemove(ctx context.Context, level []tracked, work *[]tracked) error {
	byType := map[*typeState][]*entityState{}
	var order []*typeState
	for _, t := range level {
		if byType[t.ts] == nil {
			order = append(order, t.ts)
		}
		byType[t.ts] = append(byType[t.ts], t.es)
	}
	for _, ts := range order {
		ess, err := s.readRemoved(ctx, ts, byType[ts])
		if err != nil {
			return err
		}
		owners := make([]unsafe.Pointer, len(ess))
		for i, es := range ess {
			owners[i] = es.ptr
		}
		for _, rel := range ts.m.Relations {
			if rel.CascadeRemove {
				if err := s.cascadeRel(ctx, rel, owners, work); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// cascadeRel removes what removed owners reach through the cascade:remove
// relation rel, loading it first where it is not loaded.
func (s *Session) cascadeRel(ctx context.Context, rel *meta.Relation, owners []unsafe.Pointer, work *[]tracked) error {
	var unloaded []unsafe.Pointer
	for _, p := range owners {
		if rel.Kind == meta.RelRef {
			if d := rel.Field.Ref(p); d.Ptr == nil && d.ID != nil {
				s.logRef(d)
				unloaded = append(unloaded, p)
			}
		} else if c := rel.Coll(p); c.Unloaded {
			s.logAttach(c)
			unloaded = append(unloaded, p)
		}
	}
	if len(unloaded) > 0 {
		if _, err := s.populateLevel(ctx, rel, unloaded, false); err != nil {
			return fmt.Errorf("orm: Flush: cascading the removal of %s to %s: %w", rel.Owner.Name, rel.Name, err)
		}
	}
	tts := s.types(rel.Target)
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
				s.removeTracked(tts, es, work)
			}
		}
	}
	return nil
}

// readRemoved reads, with one query, the rows of the entities of ess that
// were removed by key, into them, making them removed entities with
// snapshots, as if they had been loaded. It returns the entities of ess
// that have rows.
func (s *Session) readRemoved(ctx context.Context, ts *typeState, ess []*entityState) ([]*entityState, error) {
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
	case len(conds) > 1:
		q.Where = &backend.Cond{Op: backend.OpOr, Conds: conds}
	}
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

// reconcile keeps the loaded one-to-many collections that mirror the Refs
// of a tracked entity in step with them: a new entity joins its targets'
// collections, a managed one whose Ref changed since its snapshot moves
// from the old target's to the new one's.
func (s *Session) reconcile(ts *typeState, es *entityState, log bool) {
	for _, rel := range ts.m.Relations {
		if rel.Kind != meta.RelRef || len(rel.Mirrors) == 0 {
			continue
		}
		var from unsafe.Pointer
		if es.snap != nil {
			if rel.Field.Equal(es.ptr, es.snap) {
				continue
			}
			from = s.refTarget(rel, rel.Field.Ref(es.snap))
		}
		s.relink(rel, es.ptr, from, s.refTarget(rel, rel.Field.Ref(es.ptr)), log)
	}
}

// unlink takes a new entity the Session forgets out of the loaded
// collections its Refs put it in.
func (s *Session) unlink(m *meta.Entity, p unsafe.Pointer, log bool) {
	for _, rel := range m.Relations {
		if rel.Kind == meta.RelRef && len(rel.Mirrors) > 0 {
			s.relink(rel, p, s.refTarget(rel, rel.Field.Ref(p)), nil, log)
		}
	}
}

// refTarget returns the entity a Ref points at, when it is known.
func (s *Session) refTarget(rel *meta.Relation, d *meta.RefData) unsafe.Pointer {
	if d.Ptr != nil || d.ID == nil {
		return d.Ptr
	}
	if k, ok, _ := rel.Field.RefKey(d); ok {
		if es := s.lookup(rel.Target, k); es != nil && es.status != detached {
			return es.ptr
		}
	}
	return nil
}

// relink moves the entity at p, whose Ref rel pointed at from and now points
// at to (either may be nil), out of from's loaded collections mirroring rel
// and into to's. With log set, what it changes is journaled.
func (s *Session) relink(rel *meta.Relation, p, from, to unsafe.Pointer, log bool) {
	if from == to {
		return
	}
	is := func(q unsafe.Pointer) bool { return q == p }
	for _, mc := range rel.Mirrors {
		if from != nil {
			c := mc.Coll(from)
			if !c.Unloaded && slices.Contains(c.Items, p) {
				if log {
					s.logItem(c, p, itemUnlisted)
				}
				c.Items = slices.DeleteFunc(slices.Clone(c.Items), is)
			}
			if slices.Contains(c.Added, p) {
				if log {
					s.logItem(c, p, itemUnadded)
				}
				c.Added = slices.DeleteFunc(slices.Clone(c.Added), is)
			}
		}
		if to != nil {
			if c := mc.Coll(to); !c.Unloaded && !slices.Contains(c.Items, p) {
				if log {
					s.logItem(c, p, itemListed)
				}
				c.Items = append(c.Items[:len(c.Items):len(c.Items)], p)
			}
		}
	}
}

// moveRef is Ref.Set on a Ref this Session attached: the loaded collections
// mirroring it follow at once.
// While another call runs, the collections are left to the next flush's
// reconciliation rather than touched.
func (s *Session) moveRef(d *meta.RefData, to unsafe.Pointer) {
	rel, owner := d.Rel, d.Owner
	if len(rel.Mirrors) > 0 && unsafe.Add(unsafe.Pointer(d), -int(rel.Field.Offset)) == owner {
		s.during(func(log bool) {
			if es := s.types(rel.Owner).lookup(owner); es != nil && es.status != detached {
				s.relink(rel, owner, s.refTarget(rel, d), to, log)
			}
		})
	}
	d.Ptr, d.ID = to, nil
}

// during runs fn on the Session's state for a call that returns no error:
// at once when no other call runs, or inside an entity hook of a flush (on
// the flush's goroutine; fn then journals what it changes); else not at
// all, and the next flush reconciles.
func (s *Session) during(fn func(log bool)) {
	if s.hooking.Load() {
		fn(true)
		return
	}
	if s.enter() != nil {
		return
	}
	defer s.leave()
	fn(false)
}

// edge is a dependency between two entities of one flush: from must be
// written after to (an insert after its Ref's target; a delete before it).
type edge struct {
	from, to int
	field    *meta.Field
	dead     bool // broken: the foreign key is written NULL and fixed up
}

// insertWaves orders new entities so that each comes after the new entities
// its Refs point at: wave by wave, each wave one INSERT per type. A cycle is
// broken at a nullable Ref, written NULL and fixed up after the inserts; a
// cycle of required Refs is an error.
func insertWaves(news []*flushed) ([][]*flushed, error) {
	if len(news) == 0 {
		return nil, nil
	}
	if !slices.ContainsFunc(news, func(f *flushed) bool { return len(f.ts.m.Relations) > 0 }) {
		return [][]*flushed{news}, nil
	}
	index := make(map[unsafe.Pointer]int, len(news))
	for i, f := range news {
		index[f.es.ptr] = i
	}
	out := make([][]*edge, len(news))
	in := make([][]*edge, len(news))
	indeg := make([]int, len(news))
	for i, f := range news {
		for _, rel := range f.ts.m.Relations {
			if rel.Kind != meta.RelRef {
				continue
			}
			d := rel.Field.Ref(f.es.ptr)
			j, ok := index[d.Ptr]
			if d.Ptr == nil || !ok || news[j].ts.m != rel.Target {
				continue
			}
			e := &edge{from: i, to: j, field: rel.Field}
			if j == i { // a self-reference: written NULL, then fixed up
				if rel.Required {
					return nil, fmt.Errorf("orm: Flush: new %s references itself through the required %s", f.ts.m.Name, rel.Name)
				}
				deferField(f, rel.Field)
				continue
			}
			out[i] = append(out[i], e)
			in[j] = append(in[j], e)
			indeg[i]++
		}
	}
	var waves [][]*flushed
	var current []int
	for i := range news {
		if indeg[i] == 0 {
			current = append(current, i)
		}
	}
	done := make([]bool, len(news))
	remaining := len(news)
	for remaining > 0 {
		if len(current) == 0 {
			pick := -1
			for i := range news {
				if done[i] {
					continue
				}
				for _, e := range out[i] {
					if !e.dead && !e.field.Rel.Required {
						pick = i
						break
					}
				}
				if pick >= 0 {
					break
				}
			}
			if pick < 0 {
				return nil, fmt.Errorf("orm: Flush: required Refs of new entities form a cycle; make one of them nullable")
			}
			for _, e := range out[pick] {
				if !e.dead && !e.field.Rel.Required {
					e.dead = true
					indeg[pick]--
					deferField(news[pick], e.field)
				}
			}
			if indeg[pick] == 0 {
				current = append(current, pick)
			}
			continue
		}
		wave := make([]*flushed, 0, len(current))
		var next []int
		for _, i := range current {
			done[i] = true
			remaining--
			wave = append(wave, news[i])
			for _, e := range in[i] {
				if e.dead {
					continue
				}
				e.dead = true
				if indeg[e.from]--; indeg[e.from] == 0 {
					next = append(next, e.from)
				}
			}
		}
		waves = append(waves, wave)
		current = next
	}
	return waves, nil
}

func deferField(f *flushed, field *meta.Field) {
	if f.deferred == nil {
		f.deferred = backend.NewMask(len(f.ts.m.Fields))
	}
	f.deferred.Set(field.Pos)
}

// deleteWaves orders removed entities so that each is deleted before the
// removed entities its Refs point at. Those that no remaining row of the
// Session points at are deleted first, before the inserts, so a new row may
// take a deleted row's unique value; the others after the updates that may
// move their children away.
func (s *Session) deleteWaves(removed []*flushed) (early, late [][]*flushed) {
	if len(removed) == 0 {
		return nil, nil
	}
	type target struct {
		m *meta.Entity
		k meta.Key
	}
	index := map[target]int{}
	for i, f := range removed {
		index[target{f.ts.m, f.es.key}] = i
	}
	// Rows still pointing at a removed entity: its delete waits.
	isLate := make([]bool, len(removed))
	for _, ts := range s.byType {
		if ts == nil {
			continue
		}
		for _, rel := range ts.m.Relations {
			if rel.Kind != meta.RelRef {
				continue
			}
			for _, es := range ts.list {
				if es.status != stManaged {
					continue
				}
				if k, ok, _ := rel.Field.RefKey(rel.Field.Ref(es.snap)); ok {
					if i, ok := index[target{rel.Target, k}]; ok {
						isLate[i] = true
					}
				}
			}
		}
	}
	// Edges: a removed child before the removed parent it points at.
	out := make([][]int, len(removed))
	indeg := make([]int, len(removed))
	for i, f := range removed {
		key := f.es.snap
		if key == nil {
			key = f.es.ptr
		}
		for _, rel := range f.ts.m.Relations {
			if rel.Kind != meta.RelRef {
				continue
			}
			if k, ok, _ := rel.Field.RefKey(rel.Field.Ref(key)); ok {
				if j, ok := index[target{rel.Target, k}]; ok && j != i {
					out[i] = append(out[i], j)
					indeg[j]++
				}
			}
		}
	}
	// A late entity's parents are late too.
	for changed := true; changed; {
		changed = false
		for i := range removed {
			if !isLate[i] {
				continue
			}
			for _, j := range out[i] {
				if !isLate[j] {
					isLate[j], changed = true, true
				}
			}
		}
	}
	waves := func(late bool) [][]*flushed {
		var ws [][]*flushed
		var current []int
		left := 0
		for i := range removed {
			if isLate[i] != late {
				continue
			}
			left++
			if indeg[i] == 0 {
				current = append(current, i)
			}
		}
		done := make([]bool, len(removed))
		for left > 0 {
			if len(current) == 0 { // a cycle: delete the rest together
				var rest []*flushed
				for i := range removed {
					if isLate[i] == late && !done[i] {
						rest = append(rest, removed[i])
					}
				}
				return append(ws, rest)
			}
			var wave []*flushed
			var next []int
			for _, i := range current {
				done[i] = true
				left--
				wave = append(wave, removed[i])
				for _, j := range out[i] {
					if indeg[j]--; indeg[j] == 0 && isLate[j] == late {
						next = append(next, j)
					}
				}
			}
			ws = append(ws, wave)
			current = next
		}
		return ws
	}
	return waves(false), waves(true)
}

// pivotBatches adds the pivot inserts and deletes of owning many-to-many
// collections, and records every collection whose pending changes this
// flush writes.
func (s *Session) pivotBatches(w *flushWork, plan *backend.Plan) {
	var dels, ins []*backend.Batch
	for _, ts := range s.byType {
		if ts == nil || len(ts.m.Collections) == 0 {
			continue
		}
		for _, rel := range ts.m.Collections {
			var del, insert *backend.Batch
			tts := s.types(rel.Target)
			for _, es := range ts.list {
				if es.status == detached {
					continue
				}
				c := rel.Coll(es.ptr)
				if len(c.Added) == 0 && len(c.Removed) == 0 {
					continue
				}
				w.colls = append(w.colls, c)
				if !rel.Owning() || es.status == stRemoved {
					continue
				}
				for _, item := range c.Added {
					// An untracked member is a reference to its row: the
					// cascade made sure it has a key.
					if t := tts.lookup(item); t != nil && t.status == stRemoved {
						continue
					}
					if insert == nil {
						insert = &backend.Batch{Kind: backend.PivotInsert, Entity: rel.Target, Rel: rel}
					}
					insert.Links = append(insert.Links, backend.Link{Owner: es.ptr, Target: item})
				}
				if es.status == stNew {
					continue
				}
				for _, item := range c.Removed {
					t := tts.lookup(item)
					if t != nil && t.status == stNew {
						continue
					}
					if del == nil {
						del = &backend.Batch{Kind: backend.PivotDelete, Entity: rel.Target, Rel: rel}
					}
					del.Links = append(del.Links, backend.Link{Owner: es.ptr, Target: item})
				}
			}
			if del != nil {
				dels = append(dels, del)
			}
			if insert != nil {
				ins = append(ins, insert)
			}
		}
	}
	for _, b := range dels {
		plan.Add(b)
	}
	for _, b := range ins {
		plan.Add(b)
	}
}
