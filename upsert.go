package orm

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// UpsertOption refines an upsert: [OnConflict], [UpdateOnly].
type UpsertOption func(*upsertOptions)

type upsertOptions struct {
	conflict []string
	update   []string
	only     bool // UpdateOnly was given
}

// OnConflict names the fields whose values identify an existing row: the
// primary key (the default), or fields tagged orm:"unique" (one field, or
// every field of a named unique index). On MySQL and MariaDB any unique
// index of the table conflicts, whatever the fields named; they must still
// be unique in the metadata.
func OnConflict(fields ...string) UpsertOption {
	return func(o *upsertOptions) { o.conflict = append(o.conflict, fields...) }
}

// UpdateOnly names the fields an existing row takes from the upserted
// entity; the default is every field but the key, the conflict fields and
// the createdAt stamp. The updatedAt stamp, where the entity has one, is
// updated with the fields named. UpdateOnly() with no field leaves
// existing rows as they are, stamps included (their version is still
// incremented, where the entity has one).
func UpdateOnly(fields ...string) UpsertOption {
	return func(o *upsertOptions) { o.update, o.only = append(o.update, fields...), true }
}

// Upsert inserts e or, when a row with the same conflict values exists
// ([OnConflict]; by default the primary key), updates it, at once, in one
// statement. It returns the managed entity holding the row as the database
// now has it, key and version included: the instance the Session already
// managed for that row, updated, or else e itself, now managed. An update
// increments the version, if the entity has one, without checking it.
//
// Time stamps: where e leaves its createdAt or updatedAt field zero (nil),
// Upsert sets it to the time now before it writes, as a Flush does for an
// insert; one e sets is written as given. A new row takes both; an
// existing row keeps its createdAt and takes updatedAt (see
// [UpdateOnly]). Leave UpdatedAt zero to stamp an update with the time
// now.
//
// e's Refs must point at rows that exist (an Upsert does not cascade), and
// its collections are not written: once managed, they are unloaded. The
// conflict values must be set: a zero generated key or a NULL identifies
// no row (use Persist for new rows, or OnConflict with a unique field). Inside
// [Session.Transaction] it runs in the Session's transaction. Like every
// write without loading, it refuses while the Session has unflushed
// changes to entities of the type.
func (r *Repository[T]) Upsert(ctx context.Context, e *T, opts ...UpsertOption) (*T, error) {
	out, err := r.UpsertMany(ctx, []*T{e}, opts...)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// UpsertMany is Upsert of many entities at once, in as few statements as
// the database's bind-parameter limit allows (all of them in one
// transaction, where the database has transactions: on a MongoDB
// deployment without, a failure part-way leaves the commands before it
// written), returning the managed entities in the order of es. Two
// entities with the same conflict values are an error.
func (r *Repository[T]) UpsertMany(ctx context.Context, es []*T, opts ...UpsertOption) ([]*T, error) {
	if r.err != nil {
		return nil, r.err
	}
	if err := r.s.enter(); err != nil {
		return nil, err
	}
	defer r.s.leave()
	var o upsertOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	ptrs := make([]unsafe.Pointer, len(es))
	for i, e := range es {
		ptrs[i] = unsafe.Pointer(e)
	}
	got, err := r.s.upsert(ctx, r.m, ptrs, o)
	if err != nil {
		return nil, err
	}
	return *(*[]*T)(unsafe.Pointer(&got)), nil
}

// upsert checks and sends the upsert of rows of m and makes the rows
// written managed.
func (s *Session) upsert(ctx context.Context, m *meta.Entity, rows []unsafe.Pointer, o upsertOptions) ([]unsafe.Pointer, error) {
	if err := s.unflushed("Upsert", m); err != nil {
		return nil, err
	}
	u := &backend.Upsert{Entity: m, Rows: rows}
	var err error
	if u.Conflict, err = conflictFields(m, o.conflict); err != nil {
		return nil, err
	}
	if u.Update, err = updateFields(m, u.Conflict, o); err != nil {
		return nil, err
	}
	if err := s.checkUpsertRows(u); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return []unsafe.Pointer{}, nil
	}
	set := s.upsertDefaults(m, rows)
	read := make([]unsafe.Pointer, len(rows))
	u.Each = func(i int, p unsafe.Pointer) error {
		read[i] = p
		return nil
	}
	s.wrote = true
	if err := s.db.backend.Upsert(ctx, s.scope(), u); err != nil {
		for _, z := range set {
			z.f.SetZero(z.p)
		}
		return nil, repanic(err)
	}
	return s.manageUpserted(ctx, m, rows, read)
}

// zeroed is a field an upsert set on a row that left it zero.
type zeroed struct {
	p unsafe.Pointer
	f *meta.Field
}

// upsertDefaults gives the rows of an upsert what they leave zero: a UUID
// key, a new UUIDv7; the first version, 1; and the createdAt and updatedAt
// stamps, the time now. It returns the fields it set, which a failed
// upsert puts back to zero; inside a transaction they are journaled, for a
// rollback to do the same.
func (s *Session) upsertDefaults(m *meta.Entity, rows []unsafe.Pointer) []zeroed {
	if m.Version == nil && m.CreatedAt == nil && m.UpdatedAt == nil && m.UUIDKey == nil {
		return nil
	}
	var set []zeroed
	var now time.Time
	for _, p := range rows {
		if k := m.UUIDKey; k != nil && k.IsZero(p) {
			s.db.newUUID(k, p)
			set = append(set, zeroed{p, k})
		}
		if v := m.Version; v != nil && v.Int(p) == 0 {
			v.SetInt(p, 1)
			set = append(set, zeroed{p, v})
		}
		for _, f := range [2]*meta.Field{m.CreatedAt, m.UpdatedAt} {
			if f != nil && f.IsZero(p) {
				if now.IsZero() {
					now = s.db.now()
				}
				f.SetTime(p, now)
				set = append(set, zeroed{p, f})
			}
		}
	}
	if s.tx != nil {
		for _, z := range set {
			s.journal = append(s.journal, undo{kind: undoZero, p: z.p, f: z.f})
		}
	}
	return set
}

// manageUpserted makes each row written managed, holding what the database
// returned for it: the instance the Session already manages for its key,
// or the entity given.
func (s *Session) manageUpserted(ctx context.Context, m *meta.Entity, rows, read []unsafe.Pointer) ([]unsafe.Pointer, error) {
	ts := s.types(m)
	log := s.tx != nil
	out := make([]unsafe.Pointer, len(rows))
	for i, p := range rows {
		row := read[i]
		if row == nil {
			return nil, fmt.Errorf("orm: Upsert %s: the database returned no row for the entity at position %d", m.Name, i)
		}
		k := m.Key(row)
		if own := ts.lookup(p); own != nil && own.key != k {
			return nil, fmt.Errorf("orm: Upsert %s: the managed entity with key %v was written onto the row with key %v, which conflicts with it", m.Name, m.KeyValue(own.snap), m.KeyValue(row))
		}
		es := ts.byKey.get(k)
		if es == nil {
			es = s.track(ts, p, stNew, log)
			es.key = k
			s.attach(m, p, true, log)
			s.reconcile(ts, es, log) // joins its targets' loaded collections, as Persist does
		}
		if err := s.overwrite(ctx, ts, es, row, log); err != nil {
			return nil, err
		}
		out[i] = es.ptr
	}
	return out, nil
}

// conflictFields resolves the conflict target: the primary key by default,
// else fields that are unique in the metadata.
func conflictFields(m *meta.Entity, names []string) ([]*meta.Field, error) {
	if len(names) == 0 {
		return m.PK, nil
	}
	fs := make([]*meta.Field, len(names))
	for i, name := range names {
		f, err := field(m, name)
		if err != nil {
			return nil, fmt.Errorf("%w (in OnConflict)", err)
		}
		fs[i] = f
	}
	if sameFields(fs, m.PK) {
		return fs, nil
	}
	if len(fs) == 1 && fs[0].Unique && fs[0].UniqueName == "" {
		return fs, nil
	}
	if name := fs[0].UniqueName; name != "" {
		var index []*meta.Field
		for _, f := range m.Fields {
			if f.UniqueName == name {
				index = append(index, f)
			}
		}
		if sameFields(fs, index) {
			return fs, nil
		}
	}
	return nil, fmt.Errorf("orm: Upsert %s: OnConflict(%s) is neither the primary key nor a unique index (tag the field orm:\"unique\", or name every field of a unique:name index)", m.Name, strings.Join(names, ", "))
}

// sameFields reports whether a and b hold the same fields, in any order.
func sameFields(a, b []*meta.Field) bool {
	if len(a) != len(b) {
		return false
	}
	for _, f := range a {
		found := false
		for _, g := range b {
			found = found || f == g
		}
		if !found {
			return false
		}
	}
	return true
}

// updateFields resolves the fields an existing row takes: UpdateOnly's,
// with the updatedAt stamp when they name any field, or every field but
// the key, the conflict fields, the version and the createdAt stamp.
func updateFields(m *meta.Entity, conflict []*meta.Field, o upsertOptions) ([]*meta.Field, error) {
	if !o.only {
		var out []*meta.Field
		for _, f := range m.Fields {
			if !f.PK && !f.Version && f.Stamp != meta.StampCreated && !contains(conflict, f) {
				out = append(out, f)
			}
		}
		return out, nil
	}
	out := make([]*meta.Field, len(o.update))
	for i, name := range o.update {
		f, err := field(m, name)
		if err != nil {
			return nil, fmt.Errorf("%w (in UpdateOnly)", err)
		}
		if f.PK || f.Version {
			return nil, fmt.Errorf("orm: Upsert %s: UpdateOnly(%s): the key and the version cannot be updated", m.Name, f.Name)
		}
		out[i] = f
	}
	if u := m.UpdatedAt; u != nil && len(out) > 0 && !contains(out, u) && !contains(conflict, u) {
		out = append(out, u)
	}
	return out, nil
}

func contains(fs []*meta.Field, f *meta.Field) bool {
	for _, g := range fs {
		if g == f {
			return true
		}
	}
	return false
}

// checkUpsertRows refuses rows an upsert cannot write: nil, another
// Session's, without their conflict values (a zero generated key, NULL),
// sharing them with another row, or pointing at an entity that has no row.
func (s *Session) checkUpsertRows(u *backend.Upsert) error {
	m := u.Entity
	for i, p := range u.Rows {
		if p == nil {
			return fmt.Errorf("orm: Upsert: nil *%s at position %d", m.Name, i)
		}
		if s.types(m).lookup(p) == nil && s.foreign(m, p) {
			return fmt.Errorf("orm: Upsert: the %s %s belongs to another Session: merge it, or upsert a copy", m.Name, describe(m, p))
		}
		for _, f := range u.Conflict {
			if (f.Auto || f == m.UUIDKey) && f.IsZero(p) {
				return fmt.Errorf("orm: Upsert %s: the entity at position %d has no %s: a zero generated key identifies no row (Persist new rows, or upsert OnConflict a unique field)", m.Name, i, f.Name)
			}
			v, err := f.Value(p)
			if err != nil {
				return fmt.Errorf("orm: Upsert %s: %s: %w", m.Name, f.Name, err)
			}
			if v == nil {
				return fmt.Errorf("orm: Upsert %s: the entity at position %d has %s NULL, which identifies no row (Persist it, or upsert OnConflict a field it sets)", m.Name, i, f.Name)
			}
		}
		for _, rel := range m.Relations {
			if rel.Kind != meta.RelRef {
				continue
			}
			d := rel.Field.Ref(p)
			if _, ok, err := rel.Field.RefKey(d); err != nil || !ok && d.Ptr != nil {
				return fmt.Errorf("orm: Upsert %s: %s points at a %s that has no row yet: flush it first", m.Name, rel.Name, rel.Target.Name)
			}
		}
	}
	if i, j, dup := u.Matcher().Duplicate(); dup {
		return fmt.Errorf("orm: Upsert %s: the entities at positions %d and %d have the same conflict values", m.Name, i, j)
	}
	return nil
}
