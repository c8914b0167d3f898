package orm

import (
	"context"
	"errors"
	"fmt"
	"unsafe"

	"github.com/unitofwork/orm/internal/meta"
)

// The lifecycle of one entity beyond Persist and Remove: Refresh reads its
// row again, Detach stops tracking it, Merge brings values from outside the
// Session (a decoded request body, another Session's entity) onto the
// instance the Session manages. They share overwrite, which makes a managed
// instance hold a row just read.

// Refresh reads the row of the managed entity e again: its fields, its Refs
// and its snapshot take the row's values, discarding the unflushed changes
// of e (and only of e): its edited fields, the adds and removes of its
// collections (a collection that had some becomes unloaded, to be loaded
// afresh), and its removal if [Session.Remove] scheduled one. Collections
// without pending changes keep their members. The loaded one-to-many
// collections mirroring a Ref that changed follow it. AfterLoad runs as for a
// load.
//
// Refresh reads the row by its key whatever the named filters: a row
// soft-deleted since it was loaded is read as such, its softDelete field
// set. When the row is gone, Refresh returns an error matching [ErrNotFound] and
// the Session stops tracking e, as if the row had been deleted in this
// Session. A new entity (not yet flushed) or one the Session does not track
// is an error. Inside [Session.Transaction], a rollback puts e and the
// Session back as they were.
func (s *Session) Refresh(ctx context.Context, e any) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	m, p, err := s.entityOf("Refresh", e)
	if err != nil {
		return err
	}
	ts := s.types(m)
	es := ts.lookup(p)
	switch {
	case es == nil:
		return fmt.Errorf("orm: Refresh: the %s %s is not managed by this Session", m.Name, describe(m, p))
	case es.status == stNew:
		return fmt.Errorf("orm: Refresh: the %s is new: it has no row until a Flush inserts it", m.Name)
	}
	kp := es.snap
	if kp == nil { // removed by key, never loaded
		kp = p
	}
	q, err := keyQuery(m, kp)
	if err != nil {
		return fmt.Errorf("orm: Refresh %s: %w", m.Name, err)
	}
	var row unsafe.Pointer
	err = s.db.backend.Select(ctx, s.scope(), q, func(p unsafe.Pointer, _ any) error {
		row = p
		return nil
	})
	if err != nil {
		return repanic(err)
	}
	log := s.tx != nil
	if row == nil {
		s.gone(ts, []*entityState{es}, log)
		return &entityNotFound{m.Name, m.KeyValue(kp)}
	}
	unloaded := es.snap == nil
	if err := s.overwrite(ctx, ts, es, row, log); err != nil {
		return err
	}
	if unloaded {
		s.attach(m, p, true, log)
	}
	return nil
}

// overwrite makes the tracked entity es hold row, a new entity the backend
// read for its key: its fields, Refs and the backend's Slots of its
// collections take the row's values, a collection with pending adds or
// removes becomes unloaded without them, it becomes managed with a fresh
// snapshot, and AfterLoad runs. The loaded one-to-many collections mirroring
// a Ref that changed follow it. With log set, it is journaled.
func (s *Session) overwrite(ctx context.Context, ts *typeState, es *entityState, row unsafe.Pointer, log bool) error {
	m, p := ts.m, es.ptr
	if log {
		s.logValue(m, p)
		s.logState(ts, es)
	}
	for _, f := range m.Fields {
		if f.Kind == meta.KindRef {
			s.overwriteRef(f, p, row, log)
		} else {
			f.CopyValue(p, row)
		}
	}
	for _, rel := range m.Collections {
		c := rel.Coll(p)
		if len(c.Added) > 0 || len(c.Removed) > 0 {
			c.Items, c.Added, c.Removed, c.Unloaded = nil, nil, nil, true
		}
		c.Slot = rel.Coll(row).Slot
	}
	if es.status != stManaged {
		es.status = stManaged
		ts.byKey.set(es.key, es)
	}
	es.snap = ts.snapshot(p)
	if m.Hooks&meta.HookAfterLoad != 0 {
		if err := m.Interface(p).(meta.AfterLoader).AfterLoad(ctx); err != nil {
			return fmt.Errorf("orm: %s %v: AfterLoad: %w", m.Name, m.KeyValue(p), err)
		}
	}
	return nil
}

// overwriteRef makes the Ref f of the entity at p point where the row's
// does, unless it points at that row already; it points at the managed
// target when there is one, as attach does.
func (s *Session) overwriteRef(f *meta.Field, p, row unsafe.Pointer, log bool) {
	d, nd := f.Ref(p), f.Ref(row)
	k, ok, _ := f.RefKey(d)
	nk, nok, _ := f.RefKey(nd)
	if ok == nok && k == nk && (ok || d.Ptr == nil) {
		return
	}
	rel := f.Rel
	from := s.refTarget(rel, d)
	d.ID, d.Ptr = nd.ID, nil
	if nok {
		if es := s.lookup(rel.Target, nk); es != nil && es.status == stManaged {
			d.Ptr = es.ptr
		}
	}
	s.relink(rel, p, from, s.refTarget(rel, d), log)
}

// gone stops tracking managed or removed entities whose rows no longer
// exist, as a flush that deleted them would: they leave the loaded
// collections that list them.
func (s *Session) gone(ts *typeState, ess []*entityState, log bool) {
	deleted := make([]*flushed, len(ess))
	for i, es := range ess {
		deleted[i] = &flushed{ts: ts, es: es}
	}
	s.unlist(deleted, log)
	for _, es := range ess {
		s.setStatus(ts, es, detached, log)
	}
}

// Detach stops tracking the entity e, and nothing else: the next Flush
// writes none of its changes, a new entity is not inserted, a removed one is
// not deleted, and related entities stay as they are (collections that list
// e keep listing it). Its own Refs and Collections no longer belong to the
// Session: their Load fails, and another Session may take e with Persist or
// [Repository.Merge]. A later Get of its key reads the row into a new
// instance. Detaching an entity the Session does not track does nothing.
// Inside [Session.Transaction], a rollback tracks it again. Like every
// call, Detach belongs on the Session's goroutine: made while another
// goroutine's call on the Session runs, it does nothing.
func (s *Session) Detach(e any) {
	s.during(func(log bool) {
		log = log || s.tx != nil
		m, p, err := s.entityOf("Detach", e)
		if err != nil {
			return
		}
		ts := s.types(m)
		es := ts.lookup(p)
		if es == nil {
			return
		}
		if es.status == stNew {
			s.removeTracked(ts, es, log, nil, false) // takes it out of the collections its Refs put it in
		} else {
			s.setStatus(ts, es, detached, log)
		}
		sp := s.stamp()
		for _, rel := range m.Relations {
			if rel.Kind == meta.RelRef {
				if d := rel.Field.Ref(p); d.S == sp && d.Owner == p {
					if log {
						s.logRef(d)
					}
					d.S = nil
				}
			} else if c := rel.Coll(p); c.S == sp && c.Owner == p {
				if log {
					s.logAttach(c)
				}
				c.S = nil
			}
		}
		for _, rel := range m.HasOnes {
			if d := rel.InverseRef(p); d.S == sp && d.Owner == p {
				if log {
					s.logRef(d)
				}
				d.S = nil
			}
		}
	})
}

// Merge returns the instance this Session manages for the row e stands for,
// carrying e's values: what an update from outside the Session needs, such
// as an entity decoded from a request body or loaded in another Session.
// The managed instance is the one the Session holds for e's key, or the row
// read now (one query); e's mapped fields and the keys of its Refs are
// copied onto it, so the next Flush writes only what differs from the
// database. e itself is not tracked, and its collections are not merged.
// A createdAt or updatedAt field that e leaves zero (nil) is not copied:
// the row's is kept, and the flush stamps updatedAt if anything changed.
//
// Merging an entity whose key is zero is [Session.Persist]: e is returned,
// to be inserted. Merging an entity the Session tracks returns it as it is.
// When no row has e's key, Merge returns an error matching [ErrNotFound];
// when e has a version field set and it is not the row's, an
// [*OptimisticLockError] (e was read before another write of the row).
func (r *Repository[T]) Merge(ctx context.Context, e *T) (*T, error) {
	if r.err != nil {
		return nil, r.err
	}
	if e == nil {
		return nil, fmt.Errorf("orm: Merge: nil *%s", r.m.Name)
	}
	m, p, s := r.m, unsafe.Pointer(e), r.s
	if !m.HasKey(p) || m.Auto != nil && m.Auto.IsZero(p) {
		return e, s.Persist(e)
	}
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	ts := s.types(m)
	if ts.lookup(p) != nil {
		return e, nil
	}
	k := m.Key(p)
	es := ts.byKey.get(k)
	if es == nil {
		if _, err := s.get(ctx, m, m.KeyValue(p), nil); err != nil {
			return nil, err
		}
		es = ts.byKey.get(k)
	}
	if es.status == stRemoved {
		return nil, fmt.Errorf("orm: Merge: the %s with key %v was removed in this Session", m.Name, m.KeyValue(p))
	}
	if err := s.mergeInto(ts, es, p); err != nil {
		return nil, err
	}
	return (*T)(es.ptr), nil
}

// mergeInto copies the mapped fields and Ref keys of the entity at src onto
// the managed entity es.
func (s *Session) mergeInto(ts *typeState, es *entityState, src unsafe.Pointer) error {
	m, p := ts.m, es.ptr
	if v := m.Version; v != nil && v.Int(src) != 0 && v.Int(src) != v.Int(p) {
		return &OptimisticLockError{Entity: m.Name, Key: m.KeyValue(p)}
	}
	refs := make([]meta.RefData, 0, len(m.Relations))
	for _, f := range m.Fields {
		if f.Kind != meta.KindRef {
			continue
		}
		d := f.Ref(src)
		if _, ok, err := f.RefKey(d); err != nil || !ok && (d.Ptr != nil) {
			return errors.Join(fmt.Errorf("orm: Merge: %s.%s points at a %s without a key: persist it first", m.Name, f.Name, f.Rel.Target.Name), err)
		}
		refs = append(refs, *d)
	}
	log := s.tx != nil
	if log {
		s.logValue(m, p)
	}
	i := 0
	for _, f := range m.Fields {
		switch {
		case f.Kind == meta.KindRef:
			s.mergeRef(f, f.Ref(p), &refs[i])
			i++
		case f.PK || f.Version:
		case f.Stamp != meta.NoStamp && f.IsZero(src): // not given: the row's stays
		default:
			f.CopyValue(p, src)
		}
	}
	s.reconcile(ts, es, log)
	return nil
}

// mergeRef points the managed Ref d where the merged one, from, does: at
// the managed entity with its key when there is one, else at the key.
func (s *Session) mergeRef(f *meta.Field, d, from *meta.RefData) {
	k, ok, _ := f.RefKey(from)
	if cur, curOK, _ := f.RefKey(d); cur == k && curOK == ok {
		return
	}
	d.Ptr, d.ID = nil, nil
	if !ok {
		return
	}
	t := f.Rel.Target
	if es := s.lookup(t, k); es != nil && es.status == stManaged {
		d.Ptr = es.ptr
		return
	}
	if from.Ptr != nil {
		d.ID = t.KeyValue(from.Ptr)
	} else {
		d.ID = from.ID
	}
}

// pending reports whether the tracked entity es has changes a Flush would
// write: it is new or removed, a field differs from its snapshot, or a
// collection has adds or removes.
func pending(ts *typeState, es *entityState) bool {
	if es.status != stManaged {
		return true
	}
	for _, rel := range ts.m.Collections {
		if c := rel.Coll(es.ptr); len(c.Added) > 0 || len(c.Removed) > 0 {
			return true
		}
	}
	if ts.m.Unchanged(es.ptr, es.snap) {
		return false
	}
	changed, err := diff(nil, ts.m, es)
	return err != nil || changed != nil
}
