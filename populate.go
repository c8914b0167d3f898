package orm

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unsafe"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// checkPopulate reports a populate path that names no relation.
func checkPopulate(m *meta.Entity, path string) error {
	for seg := range strings.SplitSeq(path, ".") {
		rel := m.Relation(seg)
		if rel == nil {
			rel = m.HasOneRel(seg)
		}
		if rel == nil {
			return fmt.Errorf("orm: Populate(%q): %s has no Ref or Collection field %q", path, m.Name, seg)
		}
		m = rel.Target
	}
	return nil
}

// populate loads the relations each path names for the entities of type m
// at ptrs, one query per path step, with the named filters off leaves on.
func (s *Session) populate(ctx context.Context, m *meta.Entity, ptrs []unsafe.Pointer, paths []string, off filterOff) error {
	for _, path := range paths {
		if err := checkPopulate(m, path); err != nil {
			return err
		}
		level, cur := ptrs, m
		segs := strings.Split(path, ".")
		for i, seg := range segs {
			rel := cur.Relation(seg)
			if rel == nil {
				rel = cur.HasOneRel(seg)
			}
			next, err := s.populateLevel(ctx, rel, level, i < len(segs)-1, off)
			if err != nil {
				return err
			}
			level, cur = next, rel.Target
			if len(level) == 0 {
				break
			}
		}
	}
	return nil
}

// populateRel loads one relation of the given owners, every filter on.
func (s *Session) populateRel(ctx context.Context, rel *meta.Relation, owners []unsafe.Pointer) error {
	_, err := s.populateLevel(ctx, rel, owners, false, filterOff{})
	return err
}

// populateLevel loads relation rel of the owners and, when more path steps
// follow, returns the entities it leads to, each once. The target's
// filters that off leaves on hide rows: a Ref to one stays unloaded, a
// collection leaves it out.
func (s *Session) populateLevel(ctx context.Context, rel *meta.Relation, owners []unsafe.Pointer, more bool, off filterOff) ([]unsafe.Pointer, error) {
	switch rel.Kind {
	case meta.RelRef:
		return s.populateRefs(ctx, rel, owners, more, off)
	case meta.RelHasOne:
		return s.populateHasOne(ctx, rel, owners, more, off)
	}
	ptrs, keys, byKey, err := s.unloadedOwners(rel, owners)
	if err != nil {
		return nil, err
	}
	// Tracked members whose Ref was changed in memory (or that are new)
	// belong where their Ref says, not where the database has them yet.
	var dirty map[unsafe.Pointer]bool
	var moved map[unsafe.Pointer][]unsafe.Pointer
	if rel.Kind == meta.RelHasMany && len(ptrs) > 0 {
		dirty, moved = s.movedMembers(rel)
	}
	hits, err := s.loadMembers(ctx, rel, ptrs, keys, byKey, off)
	if err != nil {
		return nil, err
	}
	all, at := groupHits(rel.Target, hits, len(ptrs))
	for i, o := range ptrs {
		loaded := all[at[i]:at[i+1]:at[i+1]] // capped: an Add must not spill into the next owner's
		if len(dirty) > 0 {
			loaded = s.inMemory(rel, o, loaded, dirty, moved[o])
		}
		c := rel.Coll(o)
		c.Items, c.Unloaded = withPending(c, loaded), false
	}
	if !more {
		return nil, nil
	}
	var next []unsafe.Pointer
	seen := map[unsafe.Pointer]bool{}
	for _, p := range owners {
		for _, item := range rel.Coll(p).Items {
			if !seen[item] {
				seen[item] = true
				next = append(next, item)
			}
		}
	}
	return next, nil
}

// unloadedOwners attaches the owners' collection rel where it is not, and
// returns the owners whose collection is not loaded, each once, with their
// keys and, by key, their index in ptrs.
func (s *Session) unloadedOwners(rel *meta.Relation, owners []unsafe.Pointer) (ptrs []unsafe.Pointer, keys []any, byKey *keyIndex[int], err error) {
	om := rel.Owner
	byKey = &keyIndex[int]{intKeys: om.IntKey}
	byKey.reserve(len(owners))
	ptrs, keys = make([]unsafe.Pointer, 0, len(owners)), make([]any, 0, len(owners))
	for _, p := range owners {
		c := rel.Coll(p)
		if c.Rel == nil {
			s.attach(om, p, false, false)
		}
		if !c.Unloaded {
			continue
		}
		k := om.Key(p)
		if _, dup := byKey.lookup(k); !dup {
			v, err := om.PK[0].Value(p)
			if err != nil {
				return nil, nil, nil, err
			}
			byKey.set(k, len(ptrs))
			keys = append(keys, v)
			ptrs = append(ptrs, p)
		}
	}
	return ptrs, keys, byKey, nil
}

// hit is a member a populate query found: the item, and the index of its
// owner.
type hit struct {
	owner int
	item  unsafe.Pointer
}

// loadMembers loads the members of collection rel of the owners at ptrs,
// whose keys are keys (byKey gives their index), with one query the
// backend may split (Query.Split), and returns them in row order.
func (s *Session) loadMembers(ctx context.Context, rel *meta.Relation, ptrs []unsafe.Pointer, keys []any, byKey *keyIndex[int], off filterOff) ([]hit, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	om := rel.Owner
	// Sized by the members the relation's last populate found per owner.
	guess := min(len(keys)*int(rel.Fanout.Load())/fanoutUnit, maxGuess)
	s.types(rel.Target).reserve(guess)
	hits := make([]hit, 0, guess)
	// No ORDER BY: the members are put in key order in memory (groupHits),
	// which costs the database a sort or an index scan no more.
	q := &backend.Query{Entity: rel.Target, Split: true}
	var each func(p unsafe.Pointer, link any) error
	if rel.Kind == meta.RelHasMany {
		inv := rel.Inverse.Field
		q.Where = &backend.Cond{Op: backend.OpIn, Field: inv, Values: keys}
		each = func(p unsafe.Pointer, _ any) error {
			if k, ok, _ := inv.RefKey(inv.Ref(p)); ok {
				if o, ok := byKey.lookup(k); ok {
					hits = append(hits, hit{o, p})
				}
			}
			return nil
		}
	} else {
		q.Via = &backend.Via{Rel: rel, Owners: keys, Ptrs: ptrs}
		each = func(p unsafe.Pointer, link any) error {
			k, err := om.KeyOfValue(link)
			if err != nil {
				return fmt.Errorf("orm: Populate %s.%s: %w", om.Name, rel.Name, err)
			}
			if o, ok := byKey.lookup(k); ok {
				hits = append(hits, hit{o, p})
			}
			return nil
		}
	}
	q.Where = s.db.scoped(rel.Target, q.Where, off)
	if _, err := s.load(ctx, q, false, each); err != nil {
		return nil, err
	}
	rel.Fanout.Store(int64(len(hits) * fanoutUnit / len(keys)))
	return hits, nil
}

// A populate guesses the members it will find from the relation's last
// one (meta.Relation.Fanout, members per owner in fanoutUnits), and sizes
// the identity map and its lists for at most maxGuess of them.
const (
	fanoutUnit = 16
	maxGuess   = 4096
)

// groupHits groups the items of hits, entities of type m, by owner, in
// one backing array: owner i's are all[at[i]:at[i+1]], in key order
// (sortByKey).
func groupHits(m *meta.Entity, hits []hit, owners int) (all []unsafe.Pointer, at []int) {
	at = make([]int, 2*owners+1)
	at, fill := at[:owners+1], at[owners+1:]
	for _, h := range hits {
		at[h.owner+1]++
	}
	for i := range owners {
		at[i+1] += at[i]
	}
	copy(fill, at)
	all = make([]unsafe.Pointer, len(hits))
	for _, h := range hits {
		all[fill[h.owner]] = h.item
		fill[h.owner]++
	}
	for i := range owners {
		sortByKey(m, all[at[i]:at[i+1]])
	}
	return all, at
}

// sortByKey sorts entities of type m by key (meta.Entity.CompareKeys), the
// same on every database. Rows mostly come in key order already, which it
// checks first.
func sortByKey(m *meta.Entity, items []unsafe.Pointer) {
	if !slices.IsSortedFunc(items, m.CompareKeys) {
		slices.SortStableFunc(items, m.CompareKeys)
	}
}

// withPending returns the members loaded for collection c with its pending
// removes taken out and its pending adds appended.
func withPending(c *meta.CollData, loaded []unsafe.Pointer) []unsafe.Pointer {
	if len(c.Added) == 0 && len(c.Removed) == 0 {
		return loaded
	}
	merged := make([]unsafe.Pointer, 0, len(loaded)+len(c.Added))
	for _, p := range loaded {
		if !slices.Contains(c.Removed, p) {
			merged = append(merged, p)
		}
	}
	for _, p := range c.Added {
		if !slices.Contains(merged, p) {
			merged = append(merged, p)
		}
	}
	return merged
}

// movedMembers finds the tracked entities whose Ref mirrored by the
// one-to-many rel differs from their snapshot, or that are new: dirty holds
// them all, moved those whose Ref points at a known entity, by that entity.
func (s *Session) movedMembers(rel *meta.Relation) (dirty map[unsafe.Pointer]bool, moved map[unsafe.Pointer][]unsafe.Pointer) {
	inv := rel.Inverse
	for _, es := range s.types(rel.Target).list {
		if es.status == detached || es.status == stRemoved || es.snap != nil && inv.Field.Equal(es.ptr, es.snap) {
			continue
		}
		if dirty == nil {
			dirty, moved = map[unsafe.Pointer]bool{}, map[unsafe.Pointer][]unsafe.Pointer{}
		}
		dirty[es.ptr] = true
		if o := s.refTarget(inv, inv.Field.Ref(es.ptr)); o != nil {
			moved[o] = append(moved[o], es.ptr)
		}
	}
	return dirty, moved
}

// inMemory corrects the members the database lists for owner o by the Refs
// changed in memory: those moved away leave, those moved in join.
func (s *Session) inMemory(rel *meta.Relation, o unsafe.Pointer, loaded []unsafe.Pointer, dirty map[unsafe.Pointer]bool, in []unsafe.Pointer) []unsafe.Pointer {
	inv := rel.Inverse
	out := make([]unsafe.Pointer, 0, len(loaded)+len(in))
	for _, p := range loaded {
		if !dirty[p] || s.refTarget(inv, inv.Field.Ref(p)) == o {
			out = append(out, p)
		}
	}
	for _, p := range in {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// populateRefs points the owners' Refs at their targets, loading the
// targets the Session does not manage with one query.
func (s *Session) populateRefs(ctx context.Context, rel *meta.Relation, owners []unsafe.Pointer, more bool, off filterOff) ([]unsafe.Pointer, error) {
	f, t := rel.Field, rel.Target
	resolve := func() (missing []any, err error) {
		seen := map[meta.Key]bool{}
		for _, p := range owners {
			d := f.Ref(p)
			if d.Ptr != nil || d.ID == nil {
				continue
			}
			k, _, err := f.RefKey(d)
			if err != nil {
				return nil, fmt.Errorf("orm: Populate %s.%s: %w", rel.Owner.Name, rel.Name, err)
			}
			if es := s.lookup(t, k); es != nil && es.status == stManaged {
				d.Ptr = es.ptr
				continue
			}
			if !seen[k] {
				seen[k] = true
				v, err := t.PK[0].Bind(d.ID)
				if err != nil {
					return nil, fmt.Errorf("orm: Populate %s.%s: %w", rel.Owner.Name, rel.Name, err)
				}
				missing = append(missing, v)
			}
		}
		return missing, nil
	}
	missing, err := resolve()
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		q := &backend.Query{Entity: t, Where: &backend.Cond{Op: backend.OpIn, Field: t.PK[0], Values: missing}, Split: true}
		q.Where = s.db.scoped(t, q.Where, off)
		if _, err := s.load(ctx, q, false, nil); err != nil {
			return nil, err
		}
		if _, err := resolve(); err != nil {
			return nil, err
		}
	}
	if !more {
		return nil, nil
	}
	var next []unsafe.Pointer
	seen := map[unsafe.Pointer]bool{}
	for _, p := range owners {
		if d := f.Ref(p); d.Ptr != nil && !seen[d.Ptr] {
			seen[d.Ptr] = true
			next = append(next, d.Ptr)
		}
	}
	return next, nil
}
