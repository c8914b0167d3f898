package orm

import (
	"context"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"unsafe"

	"github.com/unitofwork/orm/internal/meta"
)

// Collection is a to-many relation to entities of type T, held as a field of
// the owning entity: one-to-many when tagged orm:"mappedBy:Field" (Field is
// the Ref on T pointing back), many-to-many when tagged orm:"m2m" (a pivot
// table; orm:"m2m,mappedBy:Field" on the other side reads it too).
//
// A Collection of an entity loaded from the database starts unloaded: Load
// it, or Populate it in the query. Reading an unloaded collection (Items,
// Len, Contains, All, Set) panics with an error matching [ErrNotLoaded]
// rather than looking empty. Add and Remove work loaded or not. A new
// entity's collection is loaded and empty.
//
// Adding to a one-to-many collection points the added entity's Ref at the
// owner, and takes it out of its old owner's loaded collection; removing
// clears the Ref, so both sides agree. Within a Session the other way holds
// too: see [Ref.Set]; a Ref assigned directly is reconciled at Persist and
// Flush. An entity the Session does not track but that has a row (its
// generated key set, or loaded by another Session) can be added: it is
// taken as a reference to that row. At Flush, new entities
// added are inserted, moved ones get their foreign key updated, and for a
// many-to-many collection one INSERT and one DELETE of pivot rows carry all
// adds and removes. Changes to the inverse side of a many-to-many relation
// are not written: change the owning side.
//
// In JSON a loaded collection is an array of its members, an unloaded one
// null ([Collection.MarshalJSON]).
type Collection[T any] struct {
	d meta.CollData
}

func (Collection[T]) collTarget() reflect.Type { return reflect.TypeFor[T]() }

func (Collection[T]) copyTarget() func(dst, src unsafe.Pointer) { return copyOf[T] }

func (c *Collection[T]) mustBeLoaded(op string) {
	if c.d.Unloaded {
		panic(fmt.Errorf("orm: Collection[%s].%s: %w: call Load or query with orm.Populate first", reflect.TypeFor[T]().Name(), op, ErrNotLoaded))
	}
}

// Loaded reports whether the collection's members are known.
func (c *Collection[T]) Loaded() bool { return !c.d.Unloaded }

// Items returns the members. The slice belongs to the collection: do not
// modify it. It panics when the collection is not loaded. Members loaded
// from the database come in key order, the same on every backend: field by
// field of the key, integers by value, strings by their bytes (UTF-8, not
// the database's collation), UUIDs by their 16 bytes, times by instant.
// The Session sorts them; the query that loads them has no ORDER BY.
// Members added since the load follow them, in the order added.
func (c *Collection[T]) Items() []*T {
	c.mustBeLoaded("Items")
	return *(*[]*T)(unsafe.Pointer(&c.d.Items))
}

// All iterates over the members. It panics when the collection is not loaded.
func (c *Collection[T]) All() iter.Seq[*T] {
	return slices.Values(c.Items())
}

// Len returns the number of members. It panics when the collection is not
// loaded.
func (c *Collection[T]) Len() int {
	c.mustBeLoaded("Len")
	return len(c.d.Items)
}

// Contains reports whether e is a member. It panics when the collection is
// not loaded.
func (c *Collection[T]) Contains(e *T) bool {
	c.mustBeLoaded("Contains")
	return slices.Contains(c.d.Items, unsafe.Pointer(e))
}

// Add adds entities to the collection.
func (c *Collection[T]) Add(es ...*T) {
	for _, e := range es {
		if e != nil {
			collAdd(&c.d, unsafe.Pointer(e))
		}
	}
}

// Remove removes entities from the collection.
func (c *Collection[T]) Remove(es ...*T) {
	for _, e := range es {
		if e != nil {
			collRemove(&c.d, unsafe.Pointer(e))
		}
	}
}

// Set makes es the collection's members. It panics when the collection is
// not loaded.
func (c *Collection[T]) Set(es ...*T) {
	c.mustBeLoaded("Set")
	keep := make(map[unsafe.Pointer]bool, len(es))
	for _, e := range es {
		keep[unsafe.Pointer(e)] = true
	}
	for _, p := range slices.Clone(c.d.Items) {
		if !keep[p] {
			collRemove(&c.d, p)
		}
	}
	c.Add(es...)
}

// Load loads the collection's members through the Session its owner belongs
// to, keeping adds and removes not yet flushed, and leaving out the rows the
// member type's filters hide (soft-deleted ones). A loaded collection is left
// as it is. The query also loads the same collection of every other entity
// of the owner's type that the Session manages and whose collection is not
// loaded, so a loop loading each driver's cars sends one query;
// [Unbatched] turns that off, [Primary] sends it to the primary. It
// returns [ErrConcurrentUse] while another call on the Session runs, and
// [ErrSessionEnded] when that Session was cleared or has ended.
func (c *Collection[T]) Load(ctx context.Context, opts ...QueryOption) error {
	o, err := loadOptions(func() string { return fmt.Sprintf("Collection[%s].Load", reflect.TypeFor[T]().Name()) }, opts)
	if err != nil {
		return err
	}
	if !c.d.Unloaded {
		return nil
	}
	s := sessionOf(c.d.S)
	if s == nil {
		var m *meta.Entity
		if c.d.Rel != nil {
			m = c.d.Rel.Owner
		}
		return ended(fmt.Sprintf("Collection[%s].Load", reflect.TypeFor[T]().Name()), m, c.d.Owner)
	}
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	owners := []unsafe.Pointer{c.d.Owner}
	if c.d.Rel.Coll(c.d.Owner) == &c.d { // the owner's own collection: load it with its siblings'
		owners = s.lazyOwners(c.d.Rel, c.d.Owner, &o)
	}
	return s.populateRel(s.readOn(ctx, &o), c.d.Rel, owners)
}

func collAdd(d *meta.CollData, p unsafe.Pointer) {
	if !d.Unloaded && slices.Contains(d.Items, p) {
		return
	}
	if !d.Unloaded {
		d.Items = append(d.Items, p)
	}
	if i := slices.Index(d.Removed, p); i >= 0 {
		d.Removed = slices.Delete(d.Removed, i, i+1)
	} else if !slices.Contains(d.Added, p) {
		d.Added = append(d.Added, p)
	}
	if d.Rel != nil && d.Rel.Kind == meta.RelHasMany {
		inv := d.Rel.Inverse
		ref := inv.Field.Ref(p)
		if s := sessionOf(d.S); s != nil {
			s.during(func(log bool) {
				if old := s.refTarget(inv, ref); old != nil && old != d.Owner {
					s.relink(inv, p, old, nil, log) // out of the old owner's collection
				}
			})
		}
		ref.Ptr, ref.ID = d.Owner, nil
	}
}

func collRemove(d *meta.CollData, p unsafe.Pointer) {
	if i := slices.Index(d.Items, p); i >= 0 {
		d.Items = slices.Delete(d.Items, i, i+1)
	}
	if i := slices.Index(d.Added, p); i >= 0 {
		d.Added = slices.Delete(d.Added, i, i+1)
	} else if !slices.Contains(d.Removed, p) {
		d.Removed = append(d.Removed, p)
	}
	if d.Rel != nil && d.Rel.Kind == meta.RelHasMany {
		ref := d.Rel.Inverse.Field.Ref(p)
		if ref.Ptr == d.Owner || d.Rel.Inverse.Field.RefersTo(ref, d.Owner) {
			ref.Ptr, ref.ID = nil, nil
		}
	}
}
