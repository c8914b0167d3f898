package orm

import (
	"fmt"
	"slices"
	"unsafe"

	"github.com/unitofwork/orm/internal/meta"
)

// The relations of tracked entities belong to their Session: attach marks
// their Refs and Collections with it (foreign tells another Session's marks
// apart), and relink keeps the loaded one-to-many collections in step with
// the Refs they mirror as those move.

// attach makes the relations of the entity at p belong to the Session: Refs
// can Load and collections know their owner. A collection of an entity read
// from the database starts unloaded. A Ref whose target is managed points
// at it. With log set, what it changes is journaled.
func (s *Session) attach(m *meta.Entity, p unsafe.Pointer, fromDB, log bool) {
	sp := s.stamp()
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
	if len(m.HasOnes) > 0 {
		s.attachHasOnes(m, p, sp, fromDB, log)
	}
}

// foreign reports whether the entity at p carries the mark of another live
// Session: a Ref or Collection that Session attached to it (not one copied
// from another entity). An entity without relations carries no mark, and
// the marks of a Session that was cleared or has ended do not count.
func (s *Session) foreign(m *meta.Entity, p unsafe.Pointer) bool {
	sp := s.stamp()
	for _, rel := range m.Relations {
		if rel.Kind == meta.RelRef {
			if d := rel.Field.Ref(p); d.Owner == p && d.S != sp && sessionOf(d.S) != nil {
				return true
			}
		} else if c := rel.Coll(p); c.Owner == p && c.S != sp && sessionOf(c.S) != nil {
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
	if (len(rel.Mirrors) > 0 || rel.HasOne != nil) && unsafe.Add(unsafe.Pointer(d), -int(rel.Field.Offset)) == owner {
		s.during(func(log bool) {
			if es := s.types(rel.Owner).lookup(owner); es != nil && es.status != detached {
				from := s.refTarget(rel, d)
				if len(rel.Mirrors) > 0 {
					s.relink(rel, owner, from, to, log)
				}
				if rel.HasOne != nil {
					s.syncHasOne(rel, owner, from, to, log)
				}
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
