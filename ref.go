package orm

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/unitofwork/orm/internal/meta"
)

// Ref is a to-one relation (many-to-one or one-to-one) to an entity of type
// T, held as a field of the owning entity. Its column is the field's
// snake_case name plus "_id" (Owner → owner_id), holding T's key. The zero
// Ref is NULL.
//
// A Ref holds the key and, once known, the entity itself. Refs hydrated or
// persisted by a Session belong to it, so [Ref.Load] needs no Session.
// In JSON a Ref is its loaded entity, else its key ([Ref.MarshalJSON]).
type Ref[T any] struct {
	d meta.RefData
}

func (Ref[T]) refTarget() reflect.Type { return reflect.TypeFor[T]() }

func (Ref[T]) copyTarget() func(dst, src unsafe.Pointer) { return copyOf[T] }

// RefTo returns a Ref to e (NULL when e is nil).
func RefTo[T any](e *T) Ref[T] { return Ref[T]{d: meta.RefData{Ptr: unsafe.Pointer(e)}} }

// Get returns the referenced entity, or nil when it is not loaded (or the
// Ref is NULL). A Session sets it when it loads the Ref's owner while the
// target is already managed, and when it loads the target through Load or
// Populate.
func (r Ref[T]) Get() *T { return (*T)(r.d.Ptr) }

// Set points the Ref at e; nil makes it NULL. When the Ref's owner is
// tracked by a Session and the Ref is mirrored by a one-to-many collection
// (orm:"mappedBy"), the owner moves at once out of the old target's loaded
// collection and into e's.
func (r *Ref[T]) Set(e *T) { setRef(&r.d, unsafe.Pointer(e)) }

// setRef points the Ref d at the entity at e, as [Ref.Set] does: through
// the Session that attached it, which keeps the other side in step, or
// plainly when none did.
func setRef(d *meta.RefData, e unsafe.Pointer) {
	if s := sessionOf(d.S); d.Rel != nil && s != nil {
		if d.Rel.Kind == meta.RelHasOne {
			s.setHasOne(d, e)
			return
		}
		s.moveRef(d, e)
		return
	}
	d.Ptr, d.ID = e, nil
}

// IsNil reports whether the Ref is NULL.
func (r Ref[T]) IsNil() bool { return r.d.Ptr == nil && r.d.ID == nil }

// ID returns the referenced entity's key, or nil when the Ref is NULL or
// points at an entity whose key is not known yet (a new entity before its
// flush, or one never seen by a Session).
func (r Ref[T]) ID() any {
	if r.d.Ptr == nil {
		return r.d.ID
	}
	if r.d.S != nil {
		if m := (*sessionCell)(r.d.S).db.reg.Lookup(reflect.TypeFor[T]()); m != nil && m.HasKey(r.d.Ptr) {
			return m.KeyValue(r.d.Ptr)
		}
	}
	return nil
}

// Load returns the referenced entity, loading it through the Session the Ref
// belongs to: from the identity map when it is managed there (no query),
// else with a SELECT that also loads the same Ref of every other entity
// of the owner's type that the Session manages and whose Ref is not loaded
// (so a loop over a hundred books loading each one's author sends one
// query; [Unbatched] turns that off, [Primary] sends it to the primary). A
// NULL Ref loads nil, and so does one whose target row the target type's
// filters hide (a soft-deleted row): the Ref stays unloaded, with its key,
// and there is no error. It returns [ErrConcurrentUse] while another call
// on the Session runs, and [ErrSessionEnded] when that Session was cleared
// or has ended.
func (r *Ref[T]) Load(ctx context.Context, opts ...QueryOption) (*T, error) {
	o, err := loadOptions(func() string { return fmt.Sprintf("Ref[%s].Load", reflect.TypeFor[T]().Name()) }, opts)
	if err != nil {
		return nil, err
	}
	if r.d.Rel != nil && r.d.Rel.Kind == meta.RelHasOne && r.d.Ptr == nil && !r.d.Loaded {
		return r.loadHasOne(ctx, &o)
	}
	if r.d.Ptr != nil || r.d.ID == nil {
		return (*T)(r.d.Ptr), nil
	}
	if r.d.S == nil {
		return nil, fmt.Errorf("orm: Ref[%s].Load: the Ref belongs to no Session; load its owner through a Session or use Repository.Get", reflect.TypeFor[T]().Name())
	}
	s := sessionOf(r.d.S)
	if s == nil {
		var m *meta.Entity
		if r.d.Rel != nil {
			m = r.d.Rel.Owner
		}
		return nil, ended(fmt.Sprintf("Ref[%s].Load", reflect.TypeFor[T]().Name()), m, r.d.Owner)
	}
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	m, err := s.db.entity(reflect.TypeFor[T]())
	if err != nil {
		return nil, err
	}
	ctx = s.readOn(ctx, &o)
	if rel := r.d.Rel; rel != nil && rel.Kind == meta.RelRef && r.d.Owner != nil && rel.Field.Ref(r.d.Owner) == &r.d {
		// The owner's own Ref: load it with its siblings'.
		if _, err := s.populateRefs(ctx, rel, s.lazyOwners(rel, r.d.Owner, &o), false, filterOff{}); err != nil {
			return nil, err
		}
		if r.d.Ptr == nil && !s.db.filtered(m, filterOff{}) {
			return nil, &entityNotFound{m.Name, r.d.ID}
		}
		return (*T)(r.d.Ptr), nil
	}
	p, err := s.get(ctx, m, r.d.ID, nil)
	if errors.Is(err, ErrNotFound) && s.db.filtered(m, filterOff{}) {
		return nil, nil // hidden, as Populate leaves it
	}
	if err != nil {
		return nil, err
	}
	r.d.Ptr = p
	return (*T)(p), nil
}

// Ref returns a reference to the entity of type T with key id, without
// loading it: set it on a Ref field to write the foreign key, or Load it.
func (r *Repository[T]) Ref(id any) Ref[T] {
	ref := Ref[T]{d: meta.RefData{ID: id, S: r.s.stamp()}}
	if r.m != nil {
		if p, err := r.m.KeyEntity(id); err == nil {
			ref.d.ID = r.m.KeyValue(p)
			if r.s.enter() == nil { // else Load finds the entity later
				if es := r.s.lookup(r.m, r.m.Key(p)); es != nil && es.status != stRemoved {
					ref.d.Ptr = es.ptr
				}
				r.s.leave()
			}
		}
	}
	return ref
}

// loadHasOne loads the inverse side of a one-to-one: the entity whose
// owning Ref points at the Ref's owner, or nil when none does.
func (r *Ref[T]) loadHasOne(ctx context.Context, o *queryOptions) (*T, error) {
	s := sessionOf(r.d.S)
	if s == nil {
		return nil, ended(fmt.Sprintf("Ref[%s].Load", reflect.TypeFor[T]().Name()), r.d.Rel.Owner, r.d.Owner)
	}
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	if err := s.populateRel(s.readOn(ctx, o), r.d.Rel, s.lazyOwners(r.d.Rel, r.d.Owner, o)); err != nil {
		return nil, err
	}
	return (*T)(r.d.Rel.InverseRef(r.d.Owner).Ptr), nil // r may be a copy
}
