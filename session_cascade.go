package orm

import (
	"context"
	"fmt"
	"slices"
	"unsafe"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// attach makes the relations of the entity at p belong to the Session: Refs
// can Load and collections know their owner. A collection of an entity read
// from the database starts unloaded. A Ref whose target is managed points
// at it.
func (s *Session) attach(m *meta.Entity, p unsafe.Pointer, fromDB bool) {
	for _, rel := range m.Relations {
		if rel.Kind == meta.RelRef {
			d := rel.Field.Ref(p)
			d.S = unsafe.Pointer(s)
			if d.Ptr == nil && d.ID != nil {
				if k, null, known := rel.Field.RefKey(d); known && !null {
					if es := s.lookup(rel.Target, k); es != nil && es.status == stManaged {
						d.Ptr = es.ptr
					}
				}
			}
			continue
		}
		c := rel.Coll(p)
		if c.Rel == nil || c.S != unsafe.Pointer(s) {
			c.Owner, c.Rel, c.S = p, rel, unsafe.Pointer(s)
			c.Unloaded = fromDB
		}
	}
}

// tracked is one entity the cascade walks.
type tracked struct {
	ts *typeState
	es *entityState
}

// cascade persists new entities reachable from tracked ones, removes those
// reachable from removed ones through cascade:remove relations, and removes
// orphans.
func (s *Session) cascade(ctx context.Context) error {
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
	for i := 0; i < len(work); i++ {
		ts, es := work[i].ts, work[i].es
		m, p := ts.m, es.ptr
		if es.status == stRemoved {
			if err := s.cascadeRemove(ctx, m, p, &work); err != nil {
				return err
			}
			continue
		}
		if es.status == detached {
			continue
		}
		for _, rel := range m.Relations {
			if rel.Kind == meta.RelRef {
				d := rel.Field.Ref(p)
				d.S = unsafe.Pointer(s)
				if d.Ptr != nil {
					if err := s.cascadePersist(rel.Target, d.Ptr, &work); err != nil {
						return fmt.Errorf("orm: Flush: %s.%s: %w", m.Name, rel.Name, err)
					}
				}
				continue
			}
			c := rel.Coll(p)
			if c.Rel == nil {
				c.Owner, c.Rel, c.S = p, rel, unsafe.Pointer(s)
			}
			for _, item := range c.Added {
				if rel.Kind == meta.RelHasMany {
					if ref := rel.Inverse.Field.Ref(item); ref.Ptr != p {
						ref.Ptr, ref.ID = p, nil
					}
				}
				if rel.Kind == meta.RelHasMany || rel.Owning() {
					if err := s.cascadePersist(rel.Target, item, &work); err != nil {
						return fmt.Errorf("orm: Flush: %s.%s: %w", m.Name, rel.Name, err)
					}
				}
			}
			if rel.Kind == meta.RelHasMany && rel.OrphanRemoval {
				tts := s.types(rel.Target)
				for _, item := range c.Removed {
					if ies := tts.lookup(item); ies != nil && rel.Inverse.Field.IsZero(item) {
						s.removeTracked(tts, ies, &work)
					}
				}
			}
		}
	}
	return nil
}

// cascadePersist persists the entity at p of type t unless it is tracked or
// is a reference to an existing row (its generated key is set).
func (s *Session) cascadePersist(t *meta.Entity, p unsafe.Pointer, work *[]tracked) error {
	ts := s.types(t)
	if ts.lookup(p) != nil {
		return nil
	}
	if t.Auto != nil && !t.Auto.IsZero(p) {
		return nil
	}
	if t.HasKey(p) && ts.byKey.get(t.Key(p)) != nil {
		return fmt.Errorf("another %s with key %v is already managed by this Session", t.Name, t.KeyValue(p))
	}
	es := ts.add(p, stNew)
	s.attach(t, p, false)
	*work = append(*work, tracked{ts, es})
	return nil
}

// removeTracked removes a tracked entity and queues it for the cascade.
func (s *Session) removeTracked(ts *typeState, es *entityState, work *[]tracked) {
	switch es.status {
	case stNew:
		ts.detach(es)
	case stManaged:
		es.status = stRemoved
		*work = append(*work, tracked{ts, es})
	}
}

// cascadeRemove removes what the removed entity at p reaches through
// relations tagged cascade:remove, loading unloaded collections first.
func (s *Session) cascadeRemove(ctx context.Context, m *meta.Entity, p unsafe.Pointer, work *[]tracked) error {
	for _, rel := range m.Relations {
		if !rel.CascadeRemove {
			continue
		}
		tts := s.types(rel.Target)
		var items []unsafe.Pointer
		if rel.Kind == meta.RelRef {
			d := rel.Field.Ref(p)
			if d.Ptr == nil && d.ID != nil {
				t, err := s.get(ctx, rel.Target, d.ID, nil)
				if err != nil {
					return fmt.Errorf("orm: Flush: cascading the removal of %s to %s: %w", m.Name, rel.Name, err)
				}
				d.Ptr = t
			}
			if d.Ptr != nil {
				items = append(items, d.Ptr)
			}
		} else {
			c := rel.Coll(p)
			if c.Unloaded {
				if err := s.populateRel(ctx, rel, []unsafe.Pointer{p}); err != nil {
					return err
				}
			}
			items = c.Items
		}
		for _, item := range items {
			if es := tts.lookup(item); es != nil {
				s.removeTracked(tts, es, work)
			}
		}
	}
	return nil
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
				if k, null, known := rel.Field.RefKey(rel.Field.Ref(es.snap)); known && !null {
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
			if k, null, known := rel.Field.RefKey(rel.Field.Ref(key)); known && !null {
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
func (s *Session) pivotBatches(w *flushWork, add func(*backend.Batch)) {
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
					if t := tts.lookup(item); t == nil || t.status == stRemoved {
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
					del.Links = append(del.Links, backend.Link{Owner: es.snap, Target: item})
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
		add(b)
	}
	for _, b := range ins {
		add(b)
	}
}
