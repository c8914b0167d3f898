package orm

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"strings"
	"unsafe"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// Repository reads entities of type T through a Session: every row loaded
// goes through the Session's identity map, so a row already managed comes
// back as the same pointer, with its unflushed changes intact.
type Repository[T any] struct {
	s   *Session
	m   *meta.Entity
	err error // T is not a registered entity
}

// Repo returns the repository of entity type T in Session s. If T was not
// registered with [Entities], every method returns an error saying so.
func Repo[T any](s *Session) *Repository[T] {
	t := reflect.TypeFor[T]()
	m, err := s.db.entity(t)
	if m != nil && !m.HasCopy() {
		m.SetCopy(copyOf[T]) // the closure is made once, not per call
	}
	return &Repository[T]{s: s, m: m, err: err}
}

// copyOf copies the entity of type T at src over the one at dst: the
// compiled assignment that snapshots use instead of reflection's once a
// Repository of T, or at Open a Ref or Collection of T (probe), has given
// it to T's metadata (meta.Entity.SetCopy).
func copyOf[T any](dst, src unsafe.Pointer) { *(*T)(dst) = *(*T)(src) }

// QueryOption refines a query: [OrderBy], [Limit], [Offset], [Populate],
// the row locks [ForUpdate], [ForShare], [SkipLocked] and [NoWait], and
// the filters ([WithoutFilters], [WithDeleted], and [HardDelete] for
// removals).
type QueryOption func(*queryOptions)

type queryOptions struct {
	order    []string
	limit    int
	limited  bool // Limit was given: Limit(0) returns nothing
	offset   int
	populate []string
	lock     lockOptions
	filters  filterOff // the named filters turned off
	hard     bool      // HardDelete: an option of Remove and DeleteWhere only
	primary  bool      // Primary: the read goes to the primary
	// unbatched: Unbatched, an option of Ref.Load and Collection.Load
	unbatched bool
}

// presize caps what a query reserves ahead of rows, so that memory follows
// the rows returned, never the Limit asked for (or a guess of them).
const presize = 256

// Populate loads relations of the entities a query returns, eagerly, with
// one query per path step whatever the number of entities: "Cars" loads a
// collection, "Address" a Ref, "Books.Tags" the books and then their tags.
// Collections already loaded are kept as they are, with their unflushed
// adds and removes; the members loaded come in key order (see
// [Collection.Items]).
func Populate(paths ...string) QueryOption {
	return func(o *queryOptions) { o.populate = append(o.populate, paths...) }
}

// OrderBy sorts by the given fields, in order; a leading "-" sorts that field
// in descending order: OrderBy("-Year", "Title").
func OrderBy(fields ...string) QueryOption {
	return func(o *queryOptions) { o.order = append(o.order, fields...) }
}

// Limit returns at most n entities: Limit(0) returns none and sends no
// query (FindAndCount still counts). Any n up to math.MaxInt is accepted,
// and memory follows the rows returned, not n. A negative n is an error.
func Limit(n int) QueryOption {
	return func(o *queryOptions) { o.limit, o.limited = n, true }
}

// Offset skips the first n entities; an offset past the last row returns
// none. A negative n is an error.
func Offset(n int) QueryOption { return func(o *queryOptions) { o.offset = n } }

func (r *Repository[T]) query(f Filter, opts []QueryOption) (*backend.Query, queryOptions, error) {
	var o queryOptions
	if r.err != nil {
		return nil, o, r.err
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	q, err := buildQuery(r.s.db, r.m, f, o, r.s.tx != nil)
	return q, o, err
}

// buildQuery resolves a filter and options against m; a bad name, or a
// lock outside a transaction (inTx false), is an error before anything is
// sent.
func buildQuery(db *DB, m *meta.Entity, f Filter, o queryOptions, inTx bool) (*backend.Query, error) {
	if o.hard {
		return nil, fmt.Errorf("orm: query of %s: HardDelete is an option of Session.Remove and DeleteWhere, not of a read (WithDeleted reads soft-deleted rows)", m.Name)
	}
	if err := db.checkOff(o.filters); err != nil {
		return nil, err
	}
	if o.limit < 0 {
		return nil, fmt.Errorf("orm: query of %s: Limit(%d) is negative", m.Name, o.limit)
	}
	if o.offset < 0 {
		return nil, fmt.Errorf("orm: query of %s: Offset(%d) is negative", m.Name, o.offset)
	}
	lock, err := o.lock.resolve(m, inTx)
	if err != nil {
		return nil, err
	}
	q := &backend.Query{Entity: m, Limit: o.limit, Offset: o.offset, Lock: lock}
	if f != nil {
		c, err := f.resolve(m, false)
		if err != nil {
			return nil, err
		}
		q.Where = c
	}
	q.Where = db.scoped(m, q.Where, o.filters)
	for _, name := range o.order {
		desc := strings.HasPrefix(name, "-")
		path, fd, err := orderPath(m, strings.TrimPrefix(name, "-"))
		if err != nil {
			return nil, fmt.Errorf("%w (in OrderBy)", err)
		}
		q.Order = append(q.Order, backend.Order{Path: path, Field: fd, Desc: desc})
	}
	for _, p := range o.populate {
		if err := checkPopulate(m, p); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// orderPath resolves "Field" or "Ref.Ref.Field" for ordering: only to-one
// relations can be followed.
func orderPath(m *meta.Entity, name string) ([]*meta.Relation, *meta.Field, error) {
	var path []*meta.Relation
	for {
		head, rest, ok := strings.Cut(name, ".")
		if f := m.Field(name); !ok || f != nil { // an embeddable's fields too
			f, err := field(m, name)
			return path, f, err
		}
		rel := m.Relation(head)
		if rel == nil || rel.Kind != meta.RelRef {
			return nil, nil, fmt.Errorf("orm: %s has no Ref field %q to order through", m.Name, head)
		}
		path = append(path, rel)
		m, name = rel.Target, rest
	}
}

// load runs q and passes every row through the identity map: a row already
// managed yields the managed entity, any other becomes managed. With fresh
// set (a locking read), a managed entity first takes the row's values,
// and one with unflushed changes is an error: the read must not return
// values older than the row it locked, nor silently discard edits. It
// calls each, unless nil, with every row's entity, and returns the last
// row's.
func (s *Session) load(ctx context.Context, q *backend.Query, fresh bool, each func(p unsafe.Pointer, link any) error) (unsafe.Pointer, error) {
	l := &loader{s: s, ctx: ctx, m: q.Entity, ts: s.types(q.Entity), fresh: fresh, each: each}
	if q.Limit > 8 {
		l.ts.reserve(min(q.Limit, presize))
	}
	if !s.replicated(ctx) {
		err := repanic(s.db.backend.Select(ctx, s.scope(), q, l.row))
		return l.last, err
	}
	err := repanic(s.read(ctx, func(b backend.Backend, sc backend.Scope, delivered *bool) error {
		return b.Select(ctx, sc, q, func(p unsafe.Pointer, link any) error {
			*delivered = true
			return l.row(p, link)
		})
	}))
	return l.last, err
}

// A loader is one load's state: its row method is what the backend calls
// with each row's entity (one allocation with the loader, against one
// for each variable a closure would capture).
type loader struct {
	s     *Session
	ctx   context.Context
	m     *meta.Entity
	ts    *typeState
	fresh bool
	each  func(p unsafe.Pointer, link any) error
	last  unsafe.Pointer // the entity of the last row
}

func (l *loader) row(p unsafe.Pointer, link any) error {
	s, m, ts := l.s, l.m, l.ts
	if m.ID >= len(s.byType) || s.byType[m.ID] != ts { // a Stream's loop body cleared the Session
		ts = s.types(m)
		l.ts = ts
	}
	k := m.Key(p)
	if es := ts.byKey.get(k); es != nil {
		if es.status == stRemoved {
			return nil // gone from this Session's view until the flush deletes it
		}
		if l.fresh {
			if pending(ts, es) {
				return fmt.Errorf("orm: %s %v has unflushed changes, which a locking read would discard: Flush first, or Refresh it", m.Name, m.KeyValue(es.ptr))
			}
			if err := s.overwrite(l.ctx, ts, es, p, s.tx != nil); err != nil {
				return err
			}
		}
		return l.deliver(es.ptr, link)
	}
	// Under Retry the load is journaled: a new attempt reads the row afresh.
	ts.manageKey(s.track(ts, p, stManaged, s.retrying), k)
	if len(m.Relations) > 0 || len(m.HasOnes) > 0 {
		s.attach(m, p, true, false)
	}
	if m.Hooks&meta.HookAfterLoad != 0 {
		if err := m.Interface(p).(meta.AfterLoader).AfterLoad(l.ctx); err != nil {
			return fmt.Errorf("orm: %s %v: AfterLoad: %w", m.Name, m.KeyValue(p), err)
		}
	}
	return l.deliver(p, link)
}

func (l *loader) deliver(p unsafe.Pointer, link any) error {
	l.last = p
	if l.each == nil {
		return nil
	}
	return l.each(p, link)
}

// Get returns the entity with primary key id: from the identity map when the
// Session manages it, else from the database. id is a value of the key
// field's type or one convertible to it without loss (an int for an int64
// key); a composite key is a []any with one value per key field, in field
// order. Of the query options [Populate], the locks ([ForUpdate] and
// the like), [WithoutFilters] and [WithDeleted] apply to Get; another is an
// error. A row the type's filters hide, a soft-deleted one say, is not
// found, unless the Session manages its entity already. A locking Get always reads
// the row, even when the Session manages it. It returns an error matching
// [ErrNotFound] when no row has that key or the entity was removed in this
// Session.
func (r *Repository[T]) Get(ctx context.Context, id any, opts ...QueryOption) (*T, error) {
	if r.err != nil {
		return nil, r.err
	}
	if err := r.s.enter(); err != nil {
		return nil, err
	}
	defer r.s.leave()
	if len(opts) == 0 { // the identity map's fast path; get reports a bad id
		if k, err := r.m.KeyOfID(id); err == nil {
			if es := r.s.lookup(r.m, k); es != nil {
				if es.status == stRemoved {
					return nil, &entityNotFound{r.m.Name, id}
				}
				return (*T)(es.ptr), nil
			}
		}
	}
	var o queryOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if len(o.order) > 0 || o.limited || o.offset != 0 {
		return nil, fmt.Errorf("orm: Get %s: OrderBy, Limit and Offset are options of Find; Get takes Populate, the locks, WithoutFilters and WithDeleted", r.m.Name)
	}
	po := &o
	if len(opts) == 0 {
		po = nil // nothing to check or resolve
	}
	p, err := r.s.get(r.s.readOn(ctx, &o), r.m, id, po)
	return (*T)(p), err
}

// get returns the entity of type m with key id, from the identity map or
// the database, and populates what o asks. A locking get reads the row
// whether or not the Session manages it.
func (s *Session) get(ctx context.Context, m *meta.Entity, id any, o *queryOptions) (unsafe.Pointer, error) {
	var lock backend.Lock
	var off filterOff
	if o != nil {
		q, err := buildQuery(s.db, m, nil, *o, s.tx != nil)
		if err != nil {
			return nil, err
		}
		lock, off = q.Lock, o.filters
	}
	k, q, err := getQuery(m, id)
	if err != nil {
		return nil, err
	}
	var found unsafe.Pointer
	if es := s.lookup(m, k); es != nil && lock.Mode == backend.NoLock {
		if es.status == stRemoved {
			return nil, &entityNotFound{m.Name, id}
		}
		found = es.ptr
	} else {
		q.Lock = lock
		q.Where = s.db.scoped(m, q.Where, off)
		if found, err = s.load(ctx, q, lock.Mode != backend.NoLock, nil); err != nil {
			return nil, err
		}
		if found == nil {
			return nil, &entityNotFound{m.Name, id}
		}
	}
	if o != nil && len(o.populate) > 0 {
		if err := s.populate(ctx, m, []unsafe.Pointer{found}, o.populate, off); err != nil {
			return nil, err
		}
	}
	return found, nil
}

var int64Type = reflect.TypeFor[int64]()

// getQuery returns the identity-map key of the entity of type m whose key
// is id, and the query that reads it. An int64 for a single int64 key
// field, the common case, is used as it is given.
func getQuery(m *meta.Entity, id any) (meta.Key, *backend.Query, error) {
	if n, ok := id.(int64); ok && len(m.PK) == 1 && m.PK[0].Type == int64Type {
		if k, err := m.KeyOfValue(n); err == nil {
			return k, eqQuery(m, id), nil
		}
	}
	kp, err := m.KeyEntity(id) // the key for the map, the values for the query
	if err != nil {
		return meta.Key{}, nil, fmt.Errorf("orm: Get: %w", err)
	}
	q, err := keyQuery(m, kp)
	if err != nil {
		return meta.Key{}, nil, fmt.Errorf("orm: Get %s: %w", m.Name, err)
	}
	return m.Key(kp), q, nil
}

// eqQuery is the query of the entity of type m whose single key field
// holds v, allocated at once.
func eqQuery(m *meta.Entity, v any) *backend.Query {
	qc := &struct {
		q backend.Query
		c backend.Cond
	}{backend.Query{Entity: m}, backend.Cond{Op: backend.OpEq, Field: m.PK[0], Value: v}}
	qc.q.Where = &qc.c
	return &qc.q
}

// keyQuery is the query for the row whose key the entity at kp holds.
func keyQuery(m *meta.Entity, kp unsafe.Pointer) (*backend.Query, error) {
	if len(m.PK) == 1 {
		v, err := m.PK[0].Value(kp)
		if err != nil {
			return nil, err
		}
		return eqQuery(m, v), nil
	}
	conds := make([]*backend.Cond, len(m.PK))
	for i, f := range m.PK {
		v, err := f.Value(kp)
		if err != nil {
			return nil, err
		}
		conds[i] = &backend.Cond{Op: backend.OpEq, Field: f, Value: v}
	}
	return &backend.Query{Entity: m, Where: &backend.Cond{Op: backend.OpAnd, Conds: conds}}, nil
}

// Find returns the entities f matches (every entity when f is nil). Entities
// removed in this Session are left out even before the flush deletes them;
// Count counts what the database holds.
func (r *Repository[T]) Find(ctx context.Context, f Filter, opts ...QueryOption) ([]*T, error) {
	if err := r.s.enter(); err != nil {
		return nil, err
	}
	defer r.s.leave()
	q, o, err := r.query(f, opts)
	if err != nil {
		return nil, err
	}
	if o.limited && o.limit == 0 {
		return []*T{}, nil
	}
	ctx = r.s.readOn(ctx, &o)
	var out []*T
	if q.Limit > 0 {
		out = make([]*T, 0, min(q.Limit, presize))
	}
	_, err = r.s.load(ctx, q, q.Lock.Mode != backend.NoLock, func(p unsafe.Pointer, _ any) error {
		out = append(out, (*T)(p))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(o.populate) > 0 && len(out) > 0 {
		ptrs := *(*[]unsafe.Pointer)(unsafe.Pointer(&out))
		if err := r.s.populate(ctx, r.m, ptrs, o.populate, o.filters); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FindOne returns the first entity f matches, or an error matching
// [ErrNotFound]. It takes the options of Find but a Limit other than 1,
// which it could not honour.
func (r *Repository[T]) FindOne(ctx context.Context, f Filter, opts ...QueryOption) (*T, error) {
	_, o, err := r.query(f, opts)
	if err != nil {
		return nil, err
	}
	if o.limited && o.limit != 1 {
		return nil, fmt.Errorf("orm: FindOne %s: Limit(%d): FindOne returns one entity; Limit is an option of Find", r.m.Name, o.limit)
	}
	got, err := r.Find(ctx, f, append(opts[:len(opts):len(opts)], Limit(1))...)
	if err != nil {
		return nil, err
	}
	if len(got) == 0 {
		return nil, &entityNotFound{r.m.Name, nil}
	}
	return got[0], nil
}

// Count returns the number of rows f matches (every row when f is nil).
// Of the query options it takes [WithoutFilters] and [WithDeleted]; another
// is an error.
func (r *Repository[T]) Count(ctx context.Context, f Filter, opts ...QueryOption) (int64, error) {
	if err := r.s.enter(); err != nil {
		return 0, err
	}
	defer r.s.leave()
	q, o, err := r.query(f, opts)
	if err != nil {
		return 0, err
	}
	if o.limited || o.offset != 0 || len(o.order) > 0 || len(o.populate) > 0 || o.lock != (lockOptions{}) {
		return 0, fmt.Errorf("orm: Count %s: Count takes WithoutFilters and WithDeleted; OrderBy, Limit, Offset, Populate and the locks are options of Find", r.m.Name)
	}
	ctx = r.s.readOn(ctx, &o)
	var n int64
	err = r.s.read(ctx, func(b backend.Backend, sc backend.Scope, _ *bool) (err error) {
		n, err = b.Count(ctx, sc, q)
		return err
	})
	return n, repanic(err)
}

// FindAndCount returns one page of the entities f matches and the number of
// rows f matches in all, ignoring Limit and Offset: what a paged list needs.
func (r *Repository[T]) FindAndCount(ctx context.Context, f Filter, opts ...QueryOption) ([]*T, int64, error) {
	items, err := r.Find(ctx, f, opts...)
	if err != nil {
		return nil, 0, err
	}
	var o queryOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	n, err := r.Count(ctx, f, func(c *queryOptions) { c.filters, c.primary = o.filters, o.primary })
	if err != nil {
		return nil, 0, err
	}
	return items, n, nil
}

// Stream yields the entities f matches one at a time as rows arrive, without
// collecting them. Stop early by breaking out of the loop: that is no
// error, so the logger and the query hook see the query succeed. The query holds a
// database connection until the loop ends, so on a database limited to one
// connection (in-memory SQLite) run no other query inside the loop. The loop
// body may use the Session; another goroutine may not, while the loop runs.
func (r *Repository[T]) Stream(ctx context.Context, f Filter, opts ...QueryOption) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		if err := r.s.enter(); err != nil {
			yield(nil, err)
			return
		}
		busy := true
		defer func() {
			if busy {
				r.s.leave()
			}
		}()
		q, o, err := r.query(f, opts)
		if err == nil && len(o.populate) > 0 {
			err = fmt.Errorf("orm: Stream %s: Populate is not supported while streaming; use Find with Limit and Offset pages", r.m.Name)
		}
		if err != nil {
			r.s.leave()
			busy = false
			yield(nil, err)
			return
		}
		if o.limited && o.limit == 0 {
			return
		}
		_, err = r.s.load(r.s.readOn(ctx, &o), q, q.Lock.Mode != backend.NoLock, func(p unsafe.Pointer, _ any) error {
			// The loop body may use the Session: it is not busy meanwhile.
			r.s.leave()
			busy = false
			if !yield((*T)(p), nil) {
				return backend.ErrStop
			}
			if err := r.s.enter(); err != nil {
				return err
			}
			busy = true
			return nil
		})
		if busy {
			r.s.leave()
			busy = false
		}
		if err != nil && !errors.Is(err, backend.ErrStop) {
			yield(nil, err)
		}
	}
}
