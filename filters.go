package orm

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// Named filters: conditions registered at Open on an entity type
// ([WithFilter]) that every read of the type ANDs to its own condition —
// Repository reads, Populate, Ref.Load and Collection.Load, the target
// side of relation paths in filters — and that UpdateWhere and DeleteWhere
// honour too, like a global scope. A soft-deletable type has one more, the
// softDelete filter ([SoftDeleteFilter]). [WithoutFilters] and
// [WithDeleted] turn them off for one query.

// SoftDeleteFilter is the name of the filter every entity type with a
// field tagged orm:"softDelete" has: it leaves out the rows whose field is
// not NULL. [WithDeleted] is WithoutFilters(SoftDeleteFilter). The name is
// reserved: [WithFilter] cannot register it.
const SoftDeleteFilter = "softDelete"

// namedFilter is one filter of an entity type, resolved at Open.
type namedFilter struct {
	name string
	cond *backend.Cond // shared by every query: never changed
	neg  *backend.Cond // its complement: the rows it hides
}

// pendingFilter is a filter given to Open, until the registry is built.
type pendingFilter struct {
	t    reflect.Type
	name string
	f    Filter
}

// WithFilter registers the named filter f on entity type T: every read of
// T, and every UpdateWhere and DeleteWhere of T, matches only the rows f
// matches too, until a query turns it off with [WithoutFilters]. Reads of T
// through relations are filtered alike: [Populate] and [Ref.Load] leave a
// Ref whose target f hides unloaded (its key kept, no error), a collection
// leaves such members out, and a relation path such as Eq("Author.Name",
// "Ann") matches only authors f matches. "Author.ID", which compares the
// foreign key itself, is not filtered. A Get or a Ref of an entity the
// Session already manages returns it without a query, whatever the filters.
//
// Open fails when T is not registered, when f names a field T does not
// have, when name is empty or [SoftDeleteFilter], and when T has two
// filters of the same name. Several types may have filters of the same
// name: WithoutFilters(name) turns off all of them.
func WithFilter[T any](name string, f Filter) Option {
	return func(db *DB) {
		db.pendingFilters = append(db.pendingFilters, pendingFilter{reflect.TypeFor[T](), name, f})
	}
}

// WithoutFilters turns the named filters off for one query, in every part
// of it (its Populate paths and relation paths included); with no names it
// turns off every filter, the softDelete filter too. A name no entity type
// has a filter of is an error, and the query sends nothing. It is an option
// of the reads (Get, Find, FindOne, FindAndCount, Count, Stream) and of
// DeleteWhere.
func WithoutFilters(names ...string) QueryOption {
	return func(o *queryOptions) {
		if len(names) == 0 {
			o.filters.all = true
		}
		o.filters.names = append(o.filters.names, names...)
	}
}

// WithDeleted takes soft-deleted rows in: it is
// WithoutFilters(SoftDeleteFilter), and an error when no registered type
// has a field tagged orm:"softDelete".
func WithDeleted() QueryOption { return WithoutFilters(SoftDeleteFilter) }

// HardDelete deletes rows for real, soft-deletable ones included: it is an
// option of [Session.Remove], s.Remove(e, orm.HardDelete()), whose Flush
// then sends a DELETE for the entities given (and what their removal
// cascades to) rather than the UPDATE of a soft delete, and of
// [Repository.DeleteWhere], which then deletes the rows its filter
// matches, soft-deleted ones included. The name says what the database
// gets; on a type without a softDelete field it changes nothing, as a
// removal deletes anyway. Any other read is an error with it.
func HardDelete() QueryOption { return func(o *queryOptions) { o.hard = true } }

// filterOff is which named filters a query turns off.
type filterOff struct {
	all      bool     // every filter (but softDelete, with keepSoft)
	names    []string // these ones
	keepSoft bool
}

// off reports whether the filter name is off.
func (o filterOff) off(name string) bool {
	if o.all {
		return !o.keepSoft || name != SoftDeleteFilter
	}
	return slices.Contains(o.names, name)
}

// cascadeOff is what a flush's cascade reads with: a soft removal sees
// every row but the soft-deleted ones (which it leaves as they are), a
// hard one every row, so that no row is left pointing at a deleted one.
func cascadeOff(hard bool) filterOff { return filterOff{all: true, keepSoft: !hard} }

// buildFilters resolves the filters given to Open and adds the softDelete
// filter of every soft-deletable type.
func (db *DB) buildFilters(pending []pendingFilter) error {
	db.filters = make([][]namedFilter, len(db.reg.List))
	db.filterNames = map[string]bool{}
	for _, m := range db.reg.List {
		if m.SoftDelete != nil {
			db.filters[m.ID] = []namedFilter{{SoftDeleteFilter, isNull(m.SoftDelete), not(isNull(m.SoftDelete))}}
			db.filterNames[SoftDeleteFilter] = true
		}
	}
	for _, p := range pending {
		what := fmt.Sprintf("orm: WithFilter[%s](%q)", p.t.Name(), p.name)
		m := db.reg.Lookup(p.t)
		switch {
		case m == nil:
			return fmt.Errorf("%s: %s", what, notRegistered(p.t))
		case p.name == "":
			return fmt.Errorf("%s: a filter needs a name, for WithoutFilters", what)
		case p.name == SoftDeleteFilter:
			return fmt.Errorf("%s: the name is reserved for the filter of a field tagged orm:\"softDelete\"", what)
		case p.f == nil:
			return fmt.Errorf("%s: nil filter", what)
		case slices.ContainsFunc(db.filters[m.ID], func(nf namedFilter) bool { return nf.name == p.name }):
			return fmt.Errorf("%s: %s has a filter named %q already", what, m.Name, p.name)
		}
		c, err := p.f.resolve(m, false)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		neg, err := p.f.resolve(m, true)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		db.filters[m.ID] = append(db.filters[m.ID], namedFilter{p.name, c, neg})
		db.filterNames[p.name] = true
	}
	return nil
}

// checkOff reports a name WithoutFilters gave that no type has a filter
// of.
func (db *DB) checkOff(o filterOff) error {
	for _, name := range o.names {
		if db.filterNames[name] {
			continue
		}
		if name == SoftDeleteFilter {
			return fmt.Errorf("orm: WithDeleted: no registered entity has a field tagged orm:\"softDelete\"")
		}
		known := make([]string, 0, len(db.filterNames))
		for n := range db.filterNames {
			known = append(known, n)
		}
		sort.Strings(known)
		return fmt.Errorf("orm: WithoutFilters(%q): no entity has a filter of that name (filters: %s)", name, strings.Join(known, ", "))
	}
	return nil
}

// active returns the conditions of m's filters that o leaves on.
func (db *DB) active(m *meta.Entity, o filterOff) []*backend.Cond {
	fs := db.filters[m.ID]
	if len(fs) == 0 {
		return nil
	}
	out := make([]*backend.Cond, 0, len(fs))
	for _, f := range fs {
		if !o.off(f.name) {
			out = append(out, f.cond)
		}
	}
	return out
}

// hidden is the condition matching the rows of m that one of its filters
// hides; m has filters.
func (db *DB) hidden(m *meta.Entity) *backend.Cond {
	fs := db.filters[m.ID]
	if len(fs) == 1 {
		return fs[0].neg
	}
	c := &backend.Cond{Op: backend.OpOr}
	for _, f := range fs {
		c.Conds = append(c.Conds, f.neg)
	}
	return c
}

// filtered reports whether m has a filter o leaves on.
func (db *DB) filtered(m *meta.Entity, o filterOff) bool { return len(db.active(m, o)) > 0 }

// scoped returns where, a condition on m resolved for this query alone,
// with the filters of m that o leaves on ANDed to it, and those of the
// targets of its relation paths ANDed to their conditions. It changes
// where's path conditions in place; the filters' own conditions it only
// shares.
func (db *DB) scoped(m *meta.Entity, where *backend.Cond, o filterOff) *backend.Cond {
	if len(db.filterNames) == 0 {
		return where
	}
	return andConds(db.scopePaths(where, o), db.active(m, o))
}

// scopePaths ANDs to every relation path of c the filters of its target.
func (db *DB) scopePaths(c *backend.Cond, o filterOff) *backend.Cond {
	if c == nil {
		return nil
	}
	switch c.Op {
	case backend.OpAnd, backend.OpOr, backend.OpNot:
		for i, sub := range c.Conds {
			c.Conds[i] = db.scopePaths(sub, o)
		}
	case backend.OpPath:
		c.Conds[0] = andConds(db.scopePaths(c.Conds[0], o), db.active(c.Rel.Target, o))
	}
	return c
}

// andConds is c AND each of more; c (nil: every row) comes first, where a
// read by key (Query.Split) looks for its list.
func andConds(c *backend.Cond, more []*backend.Cond) *backend.Cond {
	switch {
	case len(more) == 0:
		return c
	case c == nil && len(more) == 1:
		return more[0]
	}
	conds := make([]*backend.Cond, 0, len(more)+1)
	if c != nil {
		conds = append(conds, c)
	}
	return &backend.Cond{Op: backend.OpAnd, Conds: append(conds, more...)}
}
