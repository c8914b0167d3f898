package orm

import (
	"slices"
	"unsafe"

	"github.com/unitofwork/orm/internal/meta"
)

// status is where an entity stands in its Session.
type status uint8

const (
	detached  status = iota // no longer tracked
	stNew                   // persisted, not yet inserted
	stManaged               // loaded or flushed: snapshot holds the database's values
	stRemoved               // to be deleted at the next flush
)

// entityState is the tracker's record of one entity.
type entityState struct {
	ptr    unsafe.Pointer // the user's entity
	snap   unsafe.Pointer // copy of the entity as last read or written; nil while new
	key    meta.Key       // identity-map key, valid while managed or removed
	status status
	hard   bool // removed with HardDelete: deleted even when soft-deletable
}

// typeState is the identity map and work list of one entity type.
type typeState struct {
	m     *meta.Entity
	byKey keyMap                          // managed and removed entities
	byPtr map[unsafe.Pointer]*entityState // every tracked entity; nil until the first lookup
	list  []*entityState                  // tracked entities in the order they arrived
	dirty bool                            // list holds detached entries to compact

	// States and snapshots are allocated in blocks that double up to 64,
	// not one by one: loading a thousand rows costs a dozen allocations
	// for them, loading one row one (its snapshot).
	states     []entityState // the unused rest of the current block
	stateBlock int
	snaps      unsafe.Pointer // the current block of snapshots
	snapsUsed  int
	snapBlock  int

	// The first block of states and of the list, allocated with the type
	// state.
	states0 [1]entityState
	list0   [1]*entityState
}

// keyMap is an identity map.
type keyMap = keyIndex[*entityState]

// keyIndex maps entity keys to values. The keys of one entity type are all
// integer keys or all string keys (meta.Entity.IntKey), and each sort
// lives in a map of its own that hashes just the int64 or the string.
type keyIndex[V any] struct {
	intKeys bool // set from meta.Entity.IntKey when the index is made
	ints    map[int64]V
	strs    map[string]V
	// Until an index has a second integer key, its one entry is kept
	// here, without a map: a Session that reads one entity of a type (a
	// request's Get) makes none.
	k0   int64
	v0   V
	has0 bool
}

func (ki *keyIndex[V]) lookup(k meta.Key) (V, bool) {
	var v V
	ok := false
	switch {
	case !ki.intKeys:
		v, ok = ki.strs[k.Str()]
	case ki.ints != nil:
		v, ok = ki.ints[k.Int()]
	case ki.has0 && ki.k0 == k.Int():
		v, ok = ki.v0, true
	}
	return v, ok
}

// get returns the value of k, or the zero value.
func (ki *keyIndex[V]) get(k meta.Key) V {
	v, _ := ki.lookup(k)
	return v
}

func (ki *keyIndex[V]) set(k meta.Key, v V) {
	if !ki.intKeys {
		if ki.strs == nil {
			ki.strs = map[string]V{}
		}
		ki.strs[k.Str()] = v
		return
	}
	n := k.Int()
	if ki.ints == nil {
		if !ki.has0 || ki.k0 == n {
			ki.k0, ki.v0, ki.has0 = n, v, true
			return
		}
		var zero V
		ki.ints = map[int64]V{ki.k0: ki.v0}
		ki.has0, ki.v0 = false, zero
	}
	ki.ints[n] = v
}

func (ki *keyIndex[V]) del(k meta.Key) {
	switch {
	case !ki.intKeys:
		delete(ki.strs, k.Str())
	case ki.ints != nil:
		delete(ki.ints, k.Int())
	case ki.has0 && ki.k0 == k.Int():
		var zero V
		ki.has0, ki.v0 = false, zero
	}
}

func (ki *keyIndex[V]) len() int {
	if ki.has0 {
		return 1
	}
	return len(ki.ints) + len(ki.strs)
}

// reserve sizes an empty index for n keys, once rather than by growing row
// by row. One key needs no map.
func (ki *keyIndex[V]) reserve(n int) {
	switch {
	case n < 2 || ki.len() != 0:
	case ki.intKeys:
		ki.ints = make(map[int64]V, n)
	default:
		ki.strs = make(map[string]V, n)
	}
}

// blockSize is the size of the block after one of size n.
func blockSize(n int) int { return min(max(2*n, 1), meta.MaxBlock) }

// newState returns a zero entity state.
func (ts *typeState) newState() *entityState {
	if len(ts.states) == 0 {
		ts.stateBlock = blockSize(ts.stateBlock)
		ts.states = make([]entityState, ts.stateBlock)
	}
	es := &ts.states[0]
	ts.states = ts.states[1:]
	return es
}

// snapshot returns a deep copy of the entity at p.
func (ts *typeState) snapshot(p unsafe.Pointer) unsafe.Pointer {
	if ts.snaps == nil || ts.snapsUsed == ts.snapBlock {
		ts.snapBlock = blockSize(ts.snapBlock)
		ts.snaps = ts.m.Block(ts.snapBlock)
		ts.snapsUsed = 0
	}
	dst := unsafe.Add(ts.snaps, uintptr(ts.snapsUsed)*ts.m.Type.Size())
	ts.snapsUsed++
	ts.m.Copy(dst, p)
	return dst
}

func newTypeState(m *meta.Entity) *typeState {
	ts := &typeState{m: m, byKey: keyMap{intKeys: m.IntKey}}
	ts.states, ts.stateBlock, ts.list = ts.states0[:], len(ts.states0), ts.list0[:0]
	return ts
}

// lookup returns the tracked entity at p, or nil. The pointer index is built
// on the first lookup, at its full size: a Session that only reads never
// pays for it, and one that loads many rows and then flushes builds it once
// instead of growing it row by row.
func (ts *typeState) lookup(p unsafe.Pointer) *entityState {
	if ts.byPtr == nil {
		ts.byPtr = make(map[unsafe.Pointer]*entityState, len(ts.list))
		for _, es := range ts.list {
			if es.status != detached {
				ts.byPtr[es.ptr] = es
			}
		}
	}
	return ts.byPtr[p]
}

// add starts tracking the entity at p.
func (ts *typeState) add(p unsafe.Pointer, st status) *entityState {
	es := ts.newState()
	es.ptr, es.status = p, st
	if ts.byPtr != nil {
		ts.byPtr[p] = es
	}
	ts.list = append(ts.list, es)
	return es
}

// reserve readies the type for n more entities: an empty identity map is
// made for n keys, and the list grown once for them.
func (ts *typeState) reserve(n int) {
	ts.byKey.reserve(n)
	ts.list = slices.Grow(ts.list, n)
}

// manage records es as managed with a fresh snapshot and key.
func (ts *typeState) manage(es *entityState) { ts.manageKey(es, ts.m.Key(es.ptr)) }

// manageKey is manage for a caller that has the key already.
func (ts *typeState) manageKey(es *entityState, k meta.Key) {
	es.snap = ts.snapshot(es.ptr)
	es.key = k
	es.status = stManaged
	ts.byKey.set(k, es)
}

// detach stops tracking es.
func (ts *typeState) detach(es *entityState) {
	if cur := ts.byKey.get(es.key); cur == es {
		ts.byKey.del(es.key)
	}
	delete(ts.byPtr, es.ptr)
	es.status = detached
	ts.dirty = true
}

// compact drops detached entries from the list.
func (ts *typeState) compact() {
	if !ts.dirty {
		return
	}
	kept := ts.list[:0]
	for _, es := range ts.list {
		if es.status != detached {
			kept = append(kept, es)
		}
	}
	clear(ts.list[len(kept):])
	ts.list = kept
	ts.dirty = false
}

// types returns the state of entity type m, creating it on first use.
func (s *Session) types(m *meta.Entity) *typeState {
	if m.ID < len(s.byType) {
		if ts := s.byType[m.ID]; ts != nil {
			return ts
		}
	} else {
		grown := make([]*typeState, len(s.db.reg.List))
		copy(grown, s.byType)
		s.byType = grown
	}
	ts := newTypeState(m)
	s.byType[m.ID] = ts
	return ts
}

// lookup returns the tracked state of the entity of type m with key k, or nil.
func (s *Session) lookup(m *meta.Entity, k meta.Key) *entityState {
	if m.ID >= len(s.byType) || s.byType[m.ID] == nil {
		return nil
	}
	return s.byType[m.ID].byKey.get(k)
}
