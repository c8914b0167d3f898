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
	g, cuts, err := newDepGraph(deps)
	if err != nil {
		return nil, nil, err
	}
	n := len(deps)
	order := make([]int, 0, n) // the rows, wave after wave
	for i := range n {
		if g.indeg[i] == 0 {
			order = append(order, i)
		}
	}
	done := make([]bool, n)
	for start := 0; start < n; {
		if start == len(order) { // blocked: a cycle
			pick := g.breakCycle(done, &cuts)
			if pick < 0 {
				return nil, nil, errRequiredCycle
			}
			if g.indeg[pick] == 0 {
				order = append(order, pick)
			}
			continue
		}
		end := len(order)
		for _, i := range order[start:end] {
			done[i] = true
			for _, k := range g.in[g.inAt[i]:g.inAt[i+1]] {
				if e := &g.edges[k]; !e.dead {
					e.dead = true
					if g.indeg[e.from]--; g.indeg[e.from] == 0 {
						order = append(order, e.from)
					}
				}
			}
		}
		waves = append(waves, order[start:end:end])
		start = end
	}
	return waves, cuts, nil
}

// depGraph holds insertOrder's dependencies as edges, in flat arrays: the
// edges of row i are edges[outAt[i]:outAt[i+1]], the edges to row j are
// in[inAt[j]:inAt[j+1]] (indexes into edges), and indeg counts each row's
// live edges.
type depGraph struct {
	edges       []depEdge
	outAt, inAt []int
	in, indeg   []int
}

// depEdge is one dependency in a depGraph.
type depEdge struct {
	from, to int
	nullable bool
	fk       int
	dead     bool // satisfied (to is inserted) or cut
}

// newDepGraph builds the graph of deps. Self-dependencies are not edges:
// it cuts the nullable ones, and a required one is a *requiredSelfRef.
func newDepGraph(deps [][]dep) (g depGraph, cuts []cut, err error) {
	n, m := len(deps), 0
	for _, ds := range deps {
		m += len(ds)
	}
	g.edges = make([]depEdge, 0, m)
	ints := make([]int, 3*n+2)
	g.outAt, g.inAt, g.indeg = ints[:n+1], ints[n+1:2*n+2], ints[2*n+2:]
	for i, ds := range deps {
		g.outAt[i] = len(g.edges)
		for k, d := range ds {
			if d.on == i {
				if !d.nullable {
					return g, nil, &requiredSelfRef{row: i, dep: k}
				}
				cuts = append(cuts, cut{row: i, fk: d.fk})
				continue
			}
			g.edges = append(g.edges, depEdge{from: i, to: d.on, nullable: d.nullable, fk: d.fk})
			g.inAt[d.on+1]++
			g.indeg[i]++
		}
	}
	g.outAt[n] = len(g.edges)
	for j := range n {
		g.inAt[j+1] += g.inAt[j]
	}
	g.in = make([]int, len(g.edges))
	fill := slices.Clone(g.inAt[:n])
	for k, e := range g.edges {
		g.in[fill[e.to]] = k
		fill[e.to]++
	}
	return g, cuts, nil
}

// breakCycle cuts the live nullable edges of the first row not done that
// has any, appending them to cuts, and returns that row, or -1 when no such
// row is left.
func (g *depGraph) breakCycle(done []bool, cuts *[]cut) int {
	for i := range done {
		if done[i] || !slices.ContainsFunc(g.edges[g.outAt[i]:g.outAt[i+1]], func(e depEdge) bool { return !e.dead && e.nullable }) {
			continue
		}
		for k := g.outAt[i]; k < g.outAt[i+1]; k++ {
			if e := &g.edges[k]; !e.dead && e.nullable {
				e.dead = true
				g.indeg[i]--
				*cuts = append(*cuts, cut{row: i, fk: e.fk})
			}
		}
		return i
	}
	return -1
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
	var all []dep // one backing array for the deps of every row
	for i, f := range news {
		start := len(all)
		for _, rel := range f.ts.m.Relations {
			if rel.Kind != meta.RelRef {
				continue
			}
			d := rel.Field.Ref(f.es.ptr)
			if j, ok := index[d.Ptr]; d.Ptr != nil && ok && news[j].ts.m == rel.Target {
				all = append(all, dep{on: j, nullable: !rel.Required, fk: rel.Field.Pos})
			}
		}
		deps[i] = all[start:len(all):len(all)]
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
	flat := make([]*flushed, 0, len(rows))
	for i, w := range waves {
		start := len(flat)
		for _, r := range w {
			flat = append(flat, rows[r])
		}
		out[i] = flat[start:len(flat):len(flat)]
	}
	return out
}
