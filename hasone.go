package orm

import (
	"context"
	"fmt"
	"unsafe"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// The inverse side of a one-to-one relation is a Ref with no column
// (meta.RelHasOne), mapped by the unique Ref of its target that owns the
// relation: User.Profile, mappedBy Profile.User. It has no key of its own,
// so it is unloaded until Populate or Load asks the owning side, and then
// Loaded (a nil Ptr meaning no row points here). The Session keeps it in
// step with the owning side: setting Profile.User moves the inverse Refs
// of the old and the new user, and setting User.Profile sets the owning
// Refs of the old and the new profile.

// attachHasOnes marks the inverse one-to-one Refs of the entity at p as the
// Session's; one read from the database is unloaded, a new one loaded.
func (s *Session) attachHasOnes(m *meta.Entity, p unsafe.Pointer, sp unsafe.Pointer, fromDB, log bool) {
	for _, rel := range m.HasOnes {
		d := rel.InverseRef(p)
		if d.S == sp && d.Owner == p {
			continue
		}
		if log {
			s.logRef(d)
		}
		d.S, d.Rel, d.Owner = sp, rel, p
		if fromDB {
			d.Ptr, d.ID, d.Loaded = nil, nil, false
		} else {
			d.Loaded = true
		}
	}
}

// populateHasOne loads the inverse one-to-one rel of the owners whose Ref
// is not loaded: one query of the targets whose owning Ref points at them.
func (s *Session) populateHasOne(ctx context.Context, rel *meta.Relation, owners []unsafe.Pointer, more bool, off filterOff) ([]unsafe.Pointer, error) {
	om, inv := rel.Owner, rel.Inverse.Field
	byKey := map[meta.Key]unsafe.Pointer{}
	var keys []any
	for _, p := range owners {
		if d := rel.InverseRef(p); d.Rel == nil {
			s.attach(om, p, false, false)
		}
		d := rel.InverseRef(p)
		if d.Loaded || d.Ptr != nil {
			continue
		}
		k := om.Key(p)
		if _, dup := byKey[k]; dup {
			continue
		}
		v, err := om.PK[0].Value(p)
		if err != nil {
			return nil, err
		}
		byKey[k] = p
		keys = append(keys, v)
	}
	if len(keys) > 0 {
		q := &backend.Query{Entity: rel.Target, Where: &backend.Cond{Op: backend.OpIn, Field: inv, Values: keys}, Split: true}
		q.Where = s.db.scoped(rel.Target, q.Where, off)
		found := map[unsafe.Pointer]unsafe.Pointer{}
		_, err := s.load(ctx, q, false, func(t unsafe.Pointer, _ any) error {
			if k, ok, _ := inv.RefKey(inv.Ref(t)); ok { // where it points now, in memory
				if o := byKey[k]; o != nil {
					found[o] = t
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("orm: Populate %s.%s: %w", om.Name, rel.Name, err)
		}
		for _, o := range byKey {
			d := rel.InverseRef(o)
			d.Ptr, d.Loaded = found[o], true
		}
	}
	if !more {
		return nil, nil
	}
	var next []unsafe.Pointer
	for _, p := range owners {
		if t := rel.InverseRef(p).Ptr; t != nil {
			next = append(next, t)
		}
	}
	return next, nil
}

// syncHasOne keeps the inverse one-to-one Refs of the old and the new
// target of the owning Ref rel of owner in step with it: the old one's
// stops pointing at owner, the new one's points at it.
func (s *Session) syncHasOne(rel *meta.Relation, owner, from, to unsafe.Pointer, log bool) {
	inv := rel.HasOne
	if from != nil && from != to {
		if d := inv.InverseRef(from); d.Ptr == owner {
			if log {
				s.logRef(d)
			}
			d.Ptr = nil
		}
	}
	if to != nil {
		if d := inv.InverseRef(to); d.Rel != nil {
			if log {
				s.logRef(d)
			}
			d.Ptr, d.Loaded = owner, true
		}
	}
}

// setHasOne points the inverse one-to-one Ref d at e by moving the owning
// side: the old target's owning Ref is set NULL, e's points at d's owner.
func (s *Session) setHasOne(d *meta.RefData, e unsafe.Pointer) {
	rel, owner := d.Rel, d.Owner
	if unsafe.Add(unsafe.Pointer(d), -int(rel.Offset)) != owner { // a copy
		d.Ptr, d.Loaded = e, true
		return
	}
	own := rel.Inverse.Field
	if old := d.Ptr; old != nil && old != e {
		if r := own.Ref(old); s.refTarget(rel.Inverse, r) == owner {
			setRef(r, nil)
		}
	}
	if e != nil {
		setRef(own.Ref(e), owner)
	}
	d.Ptr, d.Loaded = e, true
}

// unlistHasOnes clears the inverse one-to-one Refs that point at deleted
// entities, which own them.
func (s *Session) unlistHasOnes(deleted []*flushed, log bool) {
	for _, f := range deleted {
		for _, rel := range f.ts.m.Relations {
			if rel.HasOne != nil {
				s.syncHasOne(rel, f.es.ptr, s.refTarget(rel, rel.Field.Ref(f.es.ptr)), nil, log)
			}
		}
	}
}
