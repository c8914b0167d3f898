package orm

import (
	"context"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/unitofwork/orm/internal/meta"
)

// Unbatched makes [Ref.Load] and [Collection.Load] load the relation of
// their own owner only. Without it, the first Load of a relation loads it
// for every entity of the owner's type that the Session manages and whose
// relation is not loaded yet, in one query (chunked under the database's
// parameter limit): a loop calling book.Author.Load for each of 100 books
// the Session loaded sends one SELECT, not 100. Use Unbatched when only a
// few of many managed entities will be read. It is an option of Load only;
// Find, Get and the other reads ignore it.
func Unbatched() QueryOption { return func(o *queryOptions) { o.unbatched = true } }

// loadOptions reads the options of Ref.Load and Collection.Load:
// Unbatched and Primary; op names the call in the error for another.
func loadOptions(op func() string, opts []QueryOption) (queryOptions, error) {
	var o queryOptions
	if len(opts) == 0 {
		return o, nil
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	rest := o
	rest.unbatched, rest.primary = false, false
	if !reflect.ValueOf(rest).IsZero() {
		return o, fmt.Errorf("orm: %s takes Unbatched and Primary only", op())
	}
	return o, nil
}

// lazyOwners returns the owners a lazy load of rel for owner loads the
// relation of: owner, then, unless o says Unbatched, every other entity of
// its type the Session manages whose relation rel is not loaded, in the
// order the Session got them.
func (s *Session) lazyOwners(rel *meta.Relation, owner unsafe.Pointer, o *queryOptions) []unsafe.Pointer {
	owners := []unsafe.Pointer{owner}
	m := rel.Owner
	if o.unbatched || m.ID >= len(s.byType) || s.byType[m.ID] == nil {
		return owners
	}
	for _, es := range s.byType[m.ID].list {
		if es.ptr != owner && es.status == stManaged && unloaded(rel, es.ptr) {
			owners = append(owners, es.ptr)
		}
	}
	return owners
}

// unloaded reports whether relation rel of the entity at p is not loaded.
func unloaded(rel *meta.Relation, p unsafe.Pointer) bool {
	switch rel.Kind {
	case meta.RelRef:
		d := rel.Field.Ref(p)
		return d.Ptr == nil && d.ID != nil
	case meta.RelHasOne:
		d := rel.InverseRef(p)
		return d.Ptr == nil && !d.Loaded
	}
	c := rel.Coll(p)
	return c.Unloaded && c.Rel != nil
}

// Load populates the relations each path names ("Author", "Cars.Tags")
// for entities the Session already manages, one query per path step
// whatever their number, as the [Populate] option of a Find would have:
// for entities loaded without it, or given by a caller. Relations already
// loaded are kept as they are. An entity the Session does not manage is
// an error, and nothing is loaded.
func Load[T any](ctx context.Context, s *Session, entities []*T, paths ...string) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	m, err := s.db.entity(reflect.TypeFor[T]())
	if err != nil {
		return fmt.Errorf("orm: Load: %w", err)
	}
	for _, path := range paths {
		if err := checkPopulate(m, path); err != nil {
			return err
		}
	}
	ptrs := make([]unsafe.Pointer, 0, len(entities))
	for i, e := range entities {
		p := unsafe.Pointer(e)
		if p == nil {
			return fmt.Errorf("orm: Load: entities[%d] is a nil *%s", i, m.Name)
		}
		if es := s.types(m).lookup(p); es == nil || es.status != stManaged {
			return fmt.Errorf("orm: Load: the %s at entities[%d] (%s) is not managed by this Session: load it through the Session first", m.Name, i, describe(m, p))
		}
		ptrs = append(ptrs, p)
	}
	if len(ptrs) == 0 {
		return nil
	}
	return s.populate(ctx, m, ptrs, paths, filterOff{})
}
