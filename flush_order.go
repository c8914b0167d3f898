package orm

import (
	"errors"
	"fmt"
	"slices"
	"unsafe"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// The order of a flush's inserts and of its deletes. insertOrder and
// deleteOrder are pure: rows, numbered, with the rows each depends on, go
// in; waves of row numbers come out, each wave written with one statement
// per entity type after the waves before it. insertWaves and deleteWaves
// turn the flush's entities into such rows and back.

// dep is a dependency of a new row on another new row, by the other's
// number: its Ref points at it, so it is inserted after it.
type dep struct {
	on       int  // the row depended on
	nullable bool // the foreign key may be inserted NULL and fixed up after the inserts
	fk       int  // which foreign key, handed back in a cut
}

// cut is a dependency insertOrder broke: the foreign key fk of row is
// inserted NULL and fixed up after the inserts.
type cut struct{ row, fk int }

// errRequiredCycle is a cycle of required dependencies: no insert order
// satisfies them.
var errRequiredCycle = errors.New("required dependencies form a cycle")

// requiredSelfRef is a new row that depends on itself through a required
// foreign key: deps[row][dep].
type requiredSelfRef struct{ row, dep int }

func (e *requiredSelfRef) Error() string {
	return fmt.Sprintf("row %d depends on itself through required dependency %d", e.row, e.dep)
}

// insertOrder orders new rows so that each comes after the rows it depends
// on: deps[i] are row i's dependencies. A row depending on itself is cut
// there; a cycle is broken by cutting the nullable dependencies of the
// first row (by number) of the blocked ones that has any. The cuts are
// returned in the order made. A required self-dependency is a
// *requiredSelfRef, a cycle of required ones errRequiredCycle.
func insertOrder(deps [][]dep) (waves [][]int, cuts []cut, err error) {
	type edge struct {
		from, to int
		nullable bool
		fk       int
		dead     bool // satisfied (to is inserted) or cut
	}
	n := len(deps)
	var edges []edge
	out := make([][]int, n) // by row: its edges, as indexes into edges
	in := make([][]int, n)  // by row: the edges to it
	indeg := make([]int, n) // by row: its live edges
	for i, ds := range deps {
		for k, d := range ds {
			if d.on == i {
				if !d.nullable {
					return nil, nil, &requiredSelfRef{row: i, dep: k}
				}
				cuts = append(cuts, cut{row: i, fk: d.fk})
				continue
			}
			out[i] = append(out[i], len(edges))
			in[d.on] = append(in[d.on], len(edges))
			edges = append(edges, edge{from: i, to: d.on, nullable: d.nullable, fk: d.fk})
			indeg[i]++
		}
	}
	var current []int
	for i := range n {
		if indeg[i] == 0 {
			current = append(current, i)
		}
	}
	done := make([]bool, n)
	for remaining := n; remaining > 0; {
		if len(current) == 0 { // blocked: a cycle
			pick := -1
			for i := 0; i < n && pick < 0; i++ {
				for _, e := range out[i] {
					if !done[i] && !edges[e].dead && edges[e].nullable {
						pick = i
						break
					}
				}
			}
			if pick < 0 {
				return nil, nil, errRequiredCycle
			}
			for _, e := range out[pick] {
				if e := &edges[e]; !e.dead && e.nullable {
					e.dead = true
					indeg[pick]--
					cuts = append(cuts, cut{row: pick, fk: e.fk})
				}
			}
			if indeg[pick] == 0 {
				current = append(current, pick)
			}
			continue
		}
		var next []int
		for _, i := range current {
			done[i] = true
			remaining--
			for _, e := range in[i] {
				if e := &edges[e]; !e.dead {
					e.dead = true
					if indeg[e.from]--; indeg[e.from] == 0 {
						next = append(next, e.from)
					}
				}
			}
		}
		waves = append(waves, current)
		current = next
	}
	return waves, cuts, nil
}

// deleteOrder orders removed rows so that each is deleted before the rows
// it depends on: deps[i] are the rows row i's Refs point at. It splits them
// in two: held[i] reports that a row staying in the database points at row
// i, so row i is deleted late, after the updates that may move that row
// away, and so is every row a late one depends on; the others are deleted
// early, before the inserts, so a new row may take a deleted row's unique
// value. The rows of a cycle are deleted together, in one last wave.
func deleteOrder(deps [][]int, held []bool) (early, late [][]int) {
	n := len(deps)
	isLate := make([]bool, n)
	copy(isLate, held)
	indeg := make([]int, n)
	for i, ds := range deps {
		for _, j := range ds {
			if j != i {
				indeg[j]++
			}
		}
	}
	// A late row's parents are late too.
	for changed := true; changed; {
		changed = false
		for i := range n {
			if !isLate[i] {
				continue
			}
			for _, j := range deps[i] {
				if !isLate[j] {
					isLate[j], changed = true, true
				}
			}
		}
	}
	// The early rows go first: those still pending count down the late
	// rows they point at.
	done := make([]bool, n)
	return deleteWavesOf(deps, isLate, false, indeg, done), deleteWavesOf(deps, isLate, true, indeg, done)
}

// deleteWavesOf orders the rows whose isLate is late, children first;
// indeg counts the dependencies on each row of the rows not yet ordered.
func deleteWavesOf(deps [][]int, isLate []bool, late bool, indeg []int, done []bool) [][]int {
	var waves [][]int
	var current []int
	left := 0
	for i := range deps {
		if isLate[i] == late {
			left++
			if indeg[i] == 0 {
				current = append(current, i)
			}
		}
	}
	for left > 0 {
		if len(current) == 0 { // a cycle: delete the rest together
			var rest []int
			for i := range deps {
				if isLate[i] == late && !done[i] {
					rest = append(rest, i)
				}
			}
			return append(waves, rest)
		}
		var next []int
		for _, i := range current {
			done[i] = true
			left--
			for _, j := range deps[i] {
				if j == i {
					continue
				}
				if indeg[j]--; indeg[j] == 0 && isLate[j] == late {
					next = append(next, j)
				}
			}
		}
		waves = append(waves, current)
		current = next
	}
	return waves
}

// insertWaves orders the new entities of a flush so that each comes after
// the new entities its Refs point at, by insertOrder. A foreign key it
// cuts is inserted NULL and fixed up after the inserts (f.deferred).
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
	deps := make([][]dep, len(news))
	for i, f := range news {
		for _, rel := range f.ts.m.Relations {
			if rel.Kind != meta.RelRef {
				continue
			}
			d := rel.Field.Ref(f.es.ptr)
			if j, ok := index[d.Ptr]; d.Ptr != nil && ok && news[j].ts.m == rel.Target {
				deps[i] = append(deps[i], dep{on: j, nullable: !rel.Required, fk: rel.Field.Pos})
			}
		}
	}
	rows, cuts, err := insertOrder(deps)
	var self *requiredSelfRef
	switch {
	case errors.As(err, &self):
		m := news[self.row].ts.m
		return nil, fmt.Errorf("orm: Flush: new %s references itself through the required %s", m.Name, m.Fields[deps[self.row][self.dep].fk].Rel.Name)
	case err != nil:
		return nil, fmt.Errorf("orm: Flush: required Refs of new entities form a cycle; make one of them nullable")
	}
	for _, c := range cuts {
		f := news[c.row]
		if f.deferred == nil {
			f.deferred = backend.NewMask(len(f.ts.m.Fields))
		}
		f.deferred.Set(c.fk)
	}
	return pick(news, rows), nil
}

// deleteWaves orders the removed entities of a flush by deleteOrder: each
// is deleted before the removed entities its Refs point at (as stored), and
// those a managed entity still points at (as stored) are deleted late.
func (s *Session) deleteWaves(removed []*flushed) (early, late [][]*flushed) {
	if len(removed) == 0 {
		return nil, nil
	}
	if !s.hasRefs() {
		return [][]*flushed{removed}, nil
	}
	index := make(removedIndex, len(removed))
	for i, f := range removed {
		index[rowKey{f.ts.m, f.es.key}] = i
	}
	held := make([]bool, len(removed))
	var buf []int
	for _, ts := range s.byType {
		if ts == nil || !hasRef(ts.m) {
			continue
		}
		for _, es := range ts.list {
			if es.status == stManaged {
				buf = index.refs(ts.m, es.snap, -1, buf[:0])
				for _, j := range buf {
					held[j] = true
				}
			}
		}
	}
	deps := make([][]int, len(removed))
	for i, f := range removed {
		stored := f.es.snap
		if stored == nil {
			stored = f.es.ptr // removed by key, never loaded
		}
		deps[i] = index.refs(f.ts.m, stored, i, nil)
	}
	e, l := deleteOrder(deps, held)
	return pick(removed, e), pick(removed, l)
}

// rowKey names a row by its entity type and key.
type rowKey struct {
	m *meta.Entity
	k meta.Key
}

// removedIndex numbers the removed entities of a flush by their rows.
type removedIndex map[rowKey]int

// refs appends to dst the numbers of the removed entities the Refs of the
// entity at p, of type m, point at, but self.
func (ix removedIndex) refs(m *meta.Entity, p unsafe.Pointer, self int, dst []int) []int {
	for _, rel := range m.Relations {
		if rel.Kind != meta.RelRef {
			continue
		}
		if k, ok, _ := rel.Field.RefKey(rel.Field.Ref(p)); ok {
			if j, ok := ix[rowKey{rel.Target, k}]; ok && j != self {
				dst = append(dst, j)
			}
		}
	}
	return dst
}

// hasRefs reports whether an entity type the Session tracks has a Ref.
func (s *Session) hasRefs() bool {
	return slices.ContainsFunc(s.byType, func(ts *typeState) bool { return ts != nil && hasRef(ts.m) })
}

// hasRef reports whether entities of type m have a Ref.
func hasRef(m *meta.Entity) bool {
	return slices.ContainsFunc(m.Relations, func(r *meta.Relation) bool { return r.Kind == meta.RelRef })
}

// pick returns the waves of rows numbered by waves.
func pick(rows []*flushed, waves [][]int) [][]*flushed {
	if waves == nil {
		return nil
	}
	out := make([][]*flushed, len(waves))
	for i, w := range waves {
		out[i] = make([]*flushed, len(w))
		for j, r := range w {
			out[i][j] = rows[r]
		}
	}
	return out
}
