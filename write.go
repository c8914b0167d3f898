package orm

import (
	"context"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// Writing without loading: UpdateWhere, DeleteWhere and Upsert send their
// statements at once, bypassing change tracking but not the identity map.
// They refuse while the Session holds unflushed changes to entities of
// their type (new, removed or edited ones, or collection adds and removes):
// the statement would otherwise race the flush that writes them, and an
// edit could be silently overwritten. Flush first.

// Assignment is one column an UpdateWhere writes: [Set] or [Add].
type Assignment struct {
	field string
	value any
	add   bool
}

// Set assigns v to the field: UpdateWhere(f, Set("Status", "done")). A Ref
// field takes the target entity or its key; nil writes NULL into a
// nullable field (a pointer, a Ref that is not required).
func Set(field string, v any) Assignment { return Assignment{field: field, value: v} }

// Add adds delta to a numeric field, in the database: Add("Stock", -1)
// sends stock = stock + ?, so concurrent updates lose nothing. A NULL
// stays NULL. An unsigned field takes a negative delta too; a result
// below zero (or past the field's range) is refused by the database where
// its column says so (MySQL's UNSIGNED), else fails when the row is read
// back into the field.
func Add(field string, delta any) Assignment {
	return Assignment{field: field, value: delta, add: true}
}

// UpdateWhere updates the rows f matches (every row when f is nil) with the
// assignments, in one statement, and returns the number of rows it
// updated. f is a filter as for Find, relation paths included, and the
// named filters of T (and of the targets of relation paths) apply as they
// do to Find: a soft-deleted row is not updated. To write such a row, load
// it with [WithDeleted] and Flush. The version
// field, if T has one, is incremented, and the updatedAt stamp, if T has
// one, set to the time now, unless an assignment sets it. Inside
// [Session.Transaction] it runs in the Session's transaction.
//
// The entities of T the Session manages whose rows it updated are brought
// up to date, fields and snapshots, so the next Flush sends nothing for
// them: with RETURNING where the database has it (PostgreSQL, SQLite; for
// DeleteWhere MariaDB too), else by reading and locking the matching rows
// first and updating those, in one transaction. When the Session manages
// no entity of T, it sends the UPDATE alone. Like every write without
// loading, it refuses while the Session has unflushed changes to T.
func (r *Repository[T]) UpdateWhere(ctx context.Context, f Filter, set ...Assignment) (int64, error) {
	if r.err != nil {
		return 0, r.err
	}
	if err := r.s.enter(); err != nil {
		return 0, err
	}
	defer r.s.leave()
	w, err := r.write("UpdateWhere", f, queryOptions{})
	if err != nil {
		return 0, err
	}
	if len(set) == 0 {
		return 0, fmt.Errorf("orm: UpdateWhere %s: nothing to set: pass Set or Add assignments", r.m.Name)
	}
	for _, a := range set {
		as, err := assign(r.m, a)
		if err != nil {
			return 0, err
		}
		w.Set = append(w.Set, as)
	}
	if v := r.m.Version; v != nil {
		w.Set = append(w.Set, backend.Assign{Field: v, Value: int64(1), Add: true})
	}
	if u := r.m.UpdatedAt; u != nil && !assigns(w.Set, u) {
		w.Set = append(w.Set, backend.Assign{Field: u, Value: r.s.db.now()})
	}
	return r.s.runWrite(ctx, w, false)
}

// DeleteWhere deletes the rows f matches (every row when f is nil), in one
// statement, and returns the number of rows it deleted. It removes no
// related entity (cascade:remove and orphanRemoval are the flush's): the
// database's foreign keys decide, and pivot rows go with their rows. The
// entities of T the Session manages whose rows it deleted are detached
// and leave the loaded collections that list them. Otherwise it behaves as
// UpdateWhere.
//
// When T has a field tagged orm:"softDelete", DeleteWhere soft-deletes:
// it sets the field to the time now, in one UPDATE, on the rows f matches
// that are not soft-deleted yet (and increments the version). With
// [HardDelete] it deletes the rows f matches, soft-deleted ones included.
// Of the query options it takes HardDelete, [WithoutFilters] and
// [WithDeleted]; another is an error.
func (r *Repository[T]) DeleteWhere(ctx context.Context, f Filter, opts ...QueryOption) (int64, error) {
	if r.err != nil {
		return 0, r.err
	}
	if err := r.s.enter(); err != nil {
		return 0, err
	}
	defer r.s.leave()
	var o queryOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if len(o.order) > 0 || o.limited || o.offset != 0 || len(o.populate) > 0 || o.lock != (lockOptions{}) {
		return 0, fmt.Errorf("orm: DeleteWhere %s: of the query options DeleteWhere takes HardDelete, WithoutFilters and WithDeleted", r.m.Name)
	}
	soft := r.m.SoftDelete
	if soft != nil && o.hard {
		o.filters.names = append(o.filters.names[:len(o.filters.names):len(o.filters.names)], SoftDeleteFilter)
	}
	w, err := r.write("DeleteWhere", f, o)
	if err != nil {
		return 0, err
	}
	if soft != nil && !o.hard {
		if o.filters.off(SoftDeleteFilter) { // a deletion time is kept, whatever the filters
			w.Where = andConds(w.Where, []*backend.Cond{isNull(soft)})
		}
		w.Set = append(w.Set, backend.Assign{Field: soft, Value: r.s.db.now()})
		if v := r.m.Version; v != nil {
			w.Set = append(w.Set, backend.Assign{Field: v, Value: int64(1), Add: true})
		}
	}
	return r.s.runWrite(ctx, w, true)
}

// write resolves f into the write of T, with the named filters o leaves
// on, refusing while the Session has unflushed changes to T.
func (r *Repository[T]) write(op string, f Filter, o queryOptions) (*backend.Write, error) {
	if err := r.s.unflushed(op, r.m); err != nil {
		return nil, err
	}
	if err := r.s.db.checkOff(o.filters); err != nil {
		return nil, err
	}
	w := &backend.Write{Entity: r.m}
	if f != nil {
		c, err := f.resolve(r.m, false)
		if err != nil {
			return nil, fmt.Errorf("orm: %s %s: %w", op, r.m.Name, err)
		}
		w.Where = c
	}
	w.Where = r.s.db.scoped(r.m, w.Where, o.filters)
	return w, nil
}

// unflushed refuses a write without loading while the Session has
// unflushed changes to entities of type m, and inside a ReadOnly
// transaction.
func (s *Session) unflushed(op string, m *meta.Entity) error {
	if s.err != nil {
		return s.err
	}
	if s.readOnly {
		return fmt.Errorf("orm: %s %s: inside a ReadOnly transaction: %w", op, m.Name, ErrReadOnly)
	}
	if m.ID >= len(s.byType) || s.byType[m.ID] == nil {
		return nil
	}
	ts := s.byType[m.ID]
	for _, es := range ts.list {
		if es.status != detached && pending(ts, es) {
			return fmt.Errorf("orm: %s %s: the Session has unflushed changes to %s %s: Flush first", op, m.Name, m.Name, describe(m, es.ptr))
		}
	}
	return nil
}

// assign resolves an assignment against m.
func assign(m *meta.Entity, a Assignment) (backend.Assign, error) {
	f, err := field(m, a.field)
	if err != nil {
		return backend.Assign{}, fmt.Errorf("%w (in UpdateWhere)", err)
	}
	switch {
	case f.PK:
		return backend.Assign{}, fmt.Errorf("orm: UpdateWhere %s: %s is the primary key, which cannot change", m.Name, f.Name)
	case f.Version:
		return backend.Assign{}, fmt.Errorf("orm: UpdateWhere %s: %s is the version, which UpdateWhere increments itself", m.Name, f.Name)
	case a.add && !numeric(f):
		return backend.Assign{}, fmt.Errorf("orm: UpdateWhere %s: Add(%q): %s is not a numeric field", m.Name, a.field, f.Name)
	}
	if f.Kind == meta.KindRef && unsaved(f.Rel.Target, a.value) {
		return backend.Assign{}, fmt.Errorf("orm: UpdateWhere %s: Set(%q): the %s has no row yet: flush it first", m.Name, a.field, f.Rel.Target.Name)
	}
	if d, ok := negative(a.value); ok && a.add && f.Kind == meta.KindUint {
		return backend.Assign{Field: f, Value: d, Add: true}, nil // Add("Stock", -1) on a uint
	}
	v, err := f.Bind(a.value)
	if err != nil {
		return backend.Assign{}, fmt.Errorf("orm: UpdateWhere %s: %w", m.Name, err)
	}
	if v == nil && (a.add || !f.Nullable) {
		return backend.Assign{}, fmt.Errorf("orm: UpdateWhere %s: %s cannot be set to NULL", m.Name, f.Name)
	}
	return backend.Assign{Field: f, Value: v, Add: a.add}, nil
}

// assigns reports whether one of the assignments writes f.
func assigns(set []backend.Assign, f *meta.Field) bool {
	for _, a := range set {
		if a.Field == f {
			return true
		}
	}
	return false
}

// negative returns v as an int64 when it is a negative signed integer: a
// delta an unsigned field takes, which it cannot hold itself.
func negative(v any) (int64, bool) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), rv.Int() < 0
	}
	return 0, false
}

// unsaved reports whether v is an entity of t without its key, which
// would bind as key zero.
func unsaved(t *meta.Entity, v any) bool {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Type().Elem() != t.Type || rv.IsNil() {
		return false
	}
	p := rv.UnsafePointer()
	return !t.HasKey(p) || t.Auto != nil && t.Auto.IsZero(p)
}

// numeric reports whether f holds a number the database can add to.
func numeric(f *meta.Field) bool {
	switch f.Kind {
	case meta.KindInt, meta.KindUint, meta.KindFloat:
		return true
	}
	return false
}

// runWrite sends w and brings the managed entities whose rows it wrote up
// to date: their fields and snapshots take the rows as written, or, for a
// delete, they are detached.
func (s *Session) runWrite(ctx context.Context, w *backend.Write, del bool) (int64, error) {
	m := w.Entity
	ts := s.types(m)
	var rows []unsafe.Pointer
	if ts.byKey.len() > 0 {
		w.Rows = func(p unsafe.Pointer) error {
			rows = append(rows, p)
			return nil
		}
	}
	s.wrote = true
	n, err := s.db.backend.Write(ctx, s.scope(), w)
	if err != nil {
		return 0, repanic(err)
	}
	log := s.tx != nil
	var gone []*entityState
	for _, p := range rows {
		es := ts.byKey.get(m.Key(p))
		switch {
		case es == nil:
		case del:
			gone = append(gone, es)
		default:
			if err := s.overwrite(ctx, ts, es, p, log); err != nil {
				return n, err
			}
		}
	}
	if len(gone) > 0 {
		s.gone(ts, gone, log)
	}
	return n, nil
}
