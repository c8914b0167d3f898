package orm

import (
	"slices"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// The batches of a flush, one kind of statement each, built from its change
// sets in the order plan sends them: pivot clears of removed entities,
// early deletes, inserts wave by wave, fix-ups of the foreign keys the
// inserts left NULL, links of unmanaged members, updates, pivot deletes and
// inserts, late deletes. A backend turns each batch into its statements:
// package sql in its compile_*.go files (compile_update.go for an UPDATE
// batch); dialect/*/testdata holds the statements each dialect receives.

// batches builds the plan of a flush from its change sets and the order of
// its inserts and deletes, in the order the statements are sent.
func (s *Session) batches(w *flushWork, inserts, early, late [][]*flushed) *backend.Plan {
	plan := &w.plan
	pivotClears(w.deleted, plan)
	for _, wave := range early {
		batchesByType(wave, deleteBatch, plan)
	}
	for _, wave := range inserts {
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
	return plan
}

// batchesByType groups fs by entity type, in registration order, and makes
// the batches of each group with mk.
func batchesByType(fs []*flushed, mk func(m *meta.Entity, fs []*flushed, plan *backend.Plan), plan *backend.Plan) {
	if len(fs) == 0 {
		return
	}
	if oneType(fs) { // the common case: no map, no copies
		mk(fs[0].ts.m, fs, plan)
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

// oneType reports whether every entity of fs is of one type.
func oneType(fs []*flushed) bool {
	for _, f := range fs[1:] {
		if f.ts != fs[0].ts {
			return false
		}
	}
	return true
}

// sortEntities sorts entity types in registration order.
func sortEntities(es []*meta.Entity) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].ID < es[j-1].ID; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
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

// deleteBatch deletes removed entities of type m by their stored keys.
func deleteBatch(m *meta.Entity, fs []*flushed, plan *backend.Plan) {
	b := &backend.Batch{Kind: backend.Delete, Entity: m, Rows: make([]backend.Row, 0, len(fs))}
	for _, f := range fs {
		key := f.es.snap
		if key == nil {
			key = f.es.ptr // removed by key, never loaded
		}
		b.Rows = append(b.Rows, backend.Row{Ptr: f.es.ptr, Key: key})
	}
	plan.Add(b)
}

// insertBatches inserts new entities of type m: one batch for those with
// explicit keys, one for those whose key the database generates, and
// apart for each set of defaulted fields the rows leave to the database.
func insertBatches(m *meta.Entity, fs []*flushed, plan *backend.Plan) {
	type group struct {
		defaulted uint64
		b         *backend.Batch
		n         int // rows
	}
	var groups []group // a few at most: searched, not hashed
	in := func(f *flushed) int {
		return slices.IndexFunc(groups, func(g group) bool { return g.b.Generated == f.generated && g.defaulted == f.defaulted })
	}
	for _, f := range fs { // the groups and their sizes, then their rows
		i := in(f)
		if i < 0 {
			i = len(groups)
			groups = append(groups, group{defaulted: f.defaulted, b: &backend.Batch{Kind: backend.Insert, Entity: m, Generated: f.generated}})
		}
		groups[i].n++
	}
	for i := range groups {
		groups[i].b.Rows = make([]backend.Row, 0, groups[i].n)
	}
	for _, f := range fs {
		b := groups[in(f)].b
		b.Rows = append(b.Rows, backend.Row{Ptr: f.es.ptr, Null: f.deferred})
	}
	// Explicit keys first: a generated key is then never one of them.
	slices.SortStableFunc(groups, func(a, b group) int { return cmpBool(a.b.Generated, b.b.Generated) })
	for _, g := range groups {
		b := g.b
		for i, d := range m.Defaults {
			if g.defaulted&(1<<i) != 0 {
				b.Defaults = append(b.Defaults, d)
			}
		}
		for _, f := range m.Fields {
			if !(b.Generated && f.Auto) && !slices.Contains(b.Defaults, f) {
				b.Fields = append(b.Fields, f)
			}
		}
		plan.Add(b)
	}
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
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

// updateBatch writes the changed fields of managed entities of type m.
func updateBatch(m *meta.Entity, fs []*flushed, plan *backend.Plan) {
	plan.Add(rowsBatch(m, fs, false))
}

// rowsBatch is an UPDATE batch of fs: their changed fields by their stored
// keys, or with fixup the foreign keys their inserts left NULL.
func rowsBatch(m *meta.Entity, fs []*flushed, fixup bool) *backend.Batch {
	b := &backend.Batch{Kind: backend.Update, Entity: m, Fixup: fixup, Rows: make([]backend.Row, 0, len(fs))}
	for _, f := range fs {
		r := backend.Row{Ptr: f.es.ptr, Key: f.key(), Changed: f.changed}
		if fixup {
			r.Key, r.Changed = f.es.ptr, f.deferred
		}
		b.Rows = append(b.Rows, r)
	}
	b.Fields = unionFields(m, b.Rows)
	return b
}

// unionFields returns the fields of m that any of rows changes.
func unionFields(m *meta.Entity, rows []backend.Row) []*meta.Field {
	union := backend.NewMask(len(m.Fields))
	for _, r := range rows {
		for i, w := range r.Changed {
			union[i] |= w
		}
	}
	var fields []*meta.Field
	for _, f := range m.Fields {
		if union.Has(f.Pos) {
			fields = append(fields, f)
		}
	}
	return fields
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
