package orm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// A flush runs in stages, one file each: Flush here (then the commit of
// what the database accepted, or the undo of what failed); the cascade
// walk and entity hooks (flush_cascade.go); the change sets and the plan
// (flush_plan.go); the order of inserts and deletes (flush_order.go); the
// plan's batches (flush_batches.go), which the backend turns into
// statements (sql/compile_*.go).

// flushWork is what one flush changes in the Session once the database has
// accepted it. What planning changes on the way is journaled: a failed
// flush undoes it with the Session's journal.
type flushWork struct {
	inserted []*flushed
	updated  []*flushed
	deleted  []*flushed
	colls    []*meta.CollData // collections whose pending adds and removes were written
	links    []link           // unmanaged members of one-to-many collections
	plan     backend.Plan     // the batches, built in the flush's own allocation
	now      time.Time        // the time stamps are set to, read once: see stampTime

	// The flush's per-row records and change masks come from blocks, not
	// one allocation each (see row and mask).
	rows      []flushed // the unused rest of the current block
	rowBlock  int
	words     []uint64 // the unused rest of the current block of mask words
	wordBlock int
}

// row returns a new record of the entity es of ts, written by this flush.
func (w *flushWork) row(ts *typeState, es *entityState) *flushed {
	if len(w.rows) == 0 {
		w.rowBlock = blockSize(w.rowBlock)
		w.rows = make([]flushed, w.rowBlock)
	}
	f := &w.rows[0]
	w.rows = w.rows[1:]
	f.ts, f.es = ts, es
	return f
}

// mask returns an empty set able to hold the positions of the n fields of
// an entity type, as backend.NewMask does (which makes it when w is nil).
func (w *flushWork) mask(n int) backend.Mask {
	if w == nil {
		return backend.NewMask(n)
	}
	k := (n + 63) / 64
	if len(w.words) < k {
		w.wordBlock = blockSize(w.wordBlock)
		w.words = make([]uint64, max(k, w.wordBlock))
	}
	m := backend.Mask(w.words[:k:k])
	w.words = w.words[k:]
	return m
}

// key is where the key and expected version of the entity of f are read:
// its snapshot, or the entity itself when it was removed by key.
func (f *flushed) key() unsafe.Pointer {
	if f.es.snap == nil {
		return f.es.ptr
	}
	return f.es.snap
}

// flushed is one entity a flush writes, with what planning decided for it.
type flushed struct {
	ts        *typeState
	es        *entityState
	generated bool    // an insert whose key the database generates
	assigned  bool    // an insert whose empty key the Session (a UUID) or the backend filled in
	versioned bool    // an insert whose zero version was set to 1
	soft      bool    // an update that soft-deletes a removed entity
	stamps    stamped // the createdAt, updatedAt and softDelete fields planning set
	stampWas  meta.TimeSlot
	changed   backend.Mask // an update's changed fields
	deferred  backend.Mask // an insert's foreign keys written NULL, then fixed up
	defaulted uint64       // an insert's zero fields with defaults, by index in Entity.Defaults
}

// Flush writes every change the Session tracks, batched into one statement
// per entity type and operation, atomically; see the package documentation
// for the statements and their order. Nothing is sent when nothing changed.
// Two or more statements run in one transaction.
//
// Before planning, Flush cascades: new entities reachable through Refs and
// Collections of tracked entities are persisted, entities reachable from
// removed ones through relations tagged orm:"cascade:remove" are removed
// (an entity removed by key is read first, to find them), and entities
// removed from a one-to-many collection tagged orm:"orphanRemoval" (and
// not added elsewhere) are removed. An entity reached through a relation
// that this Session does not track but that has a row — its generated key
// is set, or another Session loaded it — is a reference to that row by its
// key, as with [Ref.Set]: a many-to-many link to it is written, and added
// to a one-to-many collection it gets only its foreign key written. One
// that another Session has but not yet flushed is an error.
//
// Removing an entity deletes its many-to-many pivot rows first, on either
// side of the relation, and takes it out of the loaded collections that
// list it. An entity of a type with a field tagged orm:"softDelete" is
// soft-deleted instead, unless removed with [HardDelete]: an UPDATE sets
// the field, its pivot rows stay, and it leaves the loaded collections.
//
// When Flush fails, the database is left unchanged and so is the Session:
// every entity's state, snapshot, key, version, collections and Refs are as
// they were before the call — what the cascade decided is undone too — so
// the cause can be fixed, or the graph changed, and Flush called again; the
// retry writes what the graph says then.
func (s *Session) Flush(ctx context.Context) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if s.err != nil {
		err := s.err
		s.err = nil
		return err
	}
	mark := s.mark()
	w := &flushWork{}
	settled := false
	defer func() {
		if !settled { // a hook, a Valuer or the driver panicked
			s.undoTo(mark)
		}
	}()
	if len(s.db.replicas) > 0 { // what a flush reads must be current
		ctx = context.WithValue(ctx, primaryKey{}, true)
	}
	err := s.cascadeAndHooks(ctx, w)
	var plan *backend.Plan
	if err == nil {
		plan, err = s.plan(w)
	}
	if err != nil {
		s.undoTo(mark)
		settled = true
		return err
	}
	if len(plan.Batches) == 0 {
		s.commit(w, mark)
		settled = true
		return nil
	}
	if s.readOnly {
		s.undoTo(mark)
		settled = true
		return readOnlyFlush(plan)
	}
	plan.Slots = (*slots)(s)
	s.wrote = true // read-your-writes: later reads go to the primary
	if err := s.db.backend.Flush(ctx, s.scope(), plan); err != nil {
		var hp *backend.HookPanic
		if errors.As(err, &hp) && hp.Committed {
			s.commit(w, mark) // the database has the changes: so does the Session
		} else {
			s.undoTo(mark)
		}
		settled = true
		if hp != nil {
			panic(hp.Value)
		}
		return err
	}
	s.commit(w, mark)
	settled = true
	return nil
}

// readOnlyFlush is the error of a flush inside a ReadOnly transaction that
// has something to write: it names what.
func readOnlyFlush(p *backend.Plan) error {
	var what []string
	for _, b := range p.Batches {
		w := b.Entity.Name
		switch b.Kind {
		case backend.Insert:
			w = "insert " + w
		case backend.Update:
			w = "update " + w
		case backend.Delete:
			w = "delete " + w
		default:
			if b.Rel != nil {
				w = "links of " + w + "." + b.Rel.Name
			}
		}
		if !slices.Contains(what, w) {
			what = append(what, w)
		}
	}
	return fmt.Errorf("%w: Flush inside a ReadOnly transaction has changes to write (%s); nothing was written", ErrReadOnly, strings.Join(what, ", "))
}

// cascadeAndHooks runs the cascade and the Before hooks of a flush, before
// it is planned. Hooks may change the graph (add a new entity to a
// collection, move a Ref): after any hook runs, the cascade runs again,
// until no hook is left to run. Each hook runs once per flush. The cascade
// reads rows: those of entities removed by key, and the relations not
// loaded that a removal cascades through.
func (s *Session) cascadeAndHooks(ctx context.Context, w *flushWork) error {
	var hooked map[*entityState]bool
	for {
		if err := s.cascade(ctx, w); err != nil {
			return err
		}
		var ran bool
		var err error
		if hooked, ran, err = s.runHooks(ctx, hooked); err != nil || !ran {
			return err
		}
	}
}

// runHooks runs the Before hooks not yet run in this flush: BeforeCreate of
// new entities, BeforeUpdate of changed ones, BeforeDelete of removed ones.
// It reports whether it ran any.
func (s *Session) runHooks(ctx context.Context, hooked map[*entityState]bool) (map[*entityState]bool, bool, error) {
	s.hooking.Store(true)
	defer s.hooking.Store(false)
	ran := false
	for _, ts := range s.byType {
		if ts == nil || ts.m.Hooks&(meta.HookBeforeCreate|meta.HookBeforeUpdate|meta.HookBeforeDelete) == 0 {
			continue
		}
		m := ts.m
		for _, es := range ts.list {
			var err error
			switch {
			case hooked[es]:
				continue
			case es.status == stNew && m.Hooks&meta.HookBeforeCreate != 0:
				if err = m.Interface(es.ptr).(meta.BeforeCreator).BeforeCreate(ctx); err != nil {
					err = fmt.Errorf("orm: %s.BeforeCreate: %w", m.Name, err)
				}
			case es.status == stManaged && m.Hooks&meta.HookBeforeUpdate != 0:
				if m.Unchanged(es.ptr, es.snap) {
					continue
				}
				changed, derr := diff(nil, m, es)
				if derr != nil {
					return hooked, false, derr
				}
				if changed == nil {
					continue
				}
				if err = m.Interface(es.ptr).(meta.BeforeUpdater).BeforeUpdate(ctx); err != nil {
					err = fmt.Errorf("orm: %s %v: BeforeUpdate: %w", m.Name, m.KeyValue(es.snap), err)
				}
			case es.status == stRemoved && m.Hooks&meta.HookBeforeDelete != 0:
				if err = m.Interface(es.ptr).(meta.BeforeDeleter).BeforeDelete(ctx); err != nil {
					err = fmt.Errorf("orm: %s %v: BeforeDelete: %w", m.Name, es.key, err)
				}
			default:
				continue
			}
			if err != nil {
				return hooked, false, err
			}
			if hooked == nil {
				hooked = map[*entityState]bool{}
			}
			hooked[es] = true
			ran = true
		}
	}
	return hooked, ran, nil
}

// commit records a successful flush: new entities become managed, updated
// ones get new snapshots and versions, deleted and soft-deleted ones are
// detached and leave the loaded collections that list them, and collections forget the adds
// and removes just written. Inside a transaction it journals what it
// changes, for a rollback to undo; outside, the flush is final and its
// journal is forgotten.
func (s *Session) commit(w *flushWork, mark int) {
	log := s.tx != nil
	for i := 0; i < len(w.inserted); { // an empty identity map is made for each type's run at once
		ts, n := w.inserted[i].ts, 0
		for ; i < len(w.inserted) && w.inserted[i].ts == ts; i++ {
			n++
		}
		ts.byKey.reserve(n)
	}
	for _, f := range w.inserted {
		if log {
			s.logState(f.ts, f.es)
		}
		f.ts.manage(f.es)
	}
	gone := w.deleted
	for _, f := range w.updated {
		if v := f.ts.m.Version; v != nil {
			if log {
				s.logInt(f.es.ptr, v)
			}
			v.SetInt(f.es.ptr, v.Int(f.key())+1)
		}
		if f.soft { // soft-deleted: it leaves the Session as a deleted one
			gone = append(gone[:len(gone):len(gone)], f)
			continue
		}
		if !log && f.es.snap != nil {
			// Outside a transaction nothing holds the old snapshot any
			// more (a rollback's journal would): the row as written goes
			// over it, without new memory.
			f.ts.m.Copy(f.es.snap, f.es.ptr)
			continue
		}
		if log {
			s.logState(f.ts, f.es)
		}
		f.ts.manage(f.es)
	}
	s.unlist(gone, log)
	for _, f := range gone {
		s.setStatus(f.ts, f.es, detached, log)
	}
	for _, c := range w.colls {
		if log {
			s.logPending(c)
		}
		c.Added, c.Removed = nil, nil
	}
	if log {
		return
	}
	s.forget(mark)
	for _, ts := range s.byType {
		if ts != nil {
			ts.compact()
		}
	}
}

// unlist takes deleted entities out of the loaded collections of tracked
// entities that list them.
func (s *Session) unlist(deleted []*flushed, log bool) {
	if len(deleted) == 0 {
		return
	}
	gone := make(map[unsafe.Pointer]bool, len(deleted))
	types := map[*meta.Entity]bool{}
	for _, f := range deleted {
		gone[f.es.ptr] = true
		types[f.ts.m] = true
	}
	isGone := func(p unsafe.Pointer) bool { return gone[p] }
	for _, ts := range s.byType {
		if ts == nil {
			continue
		}
		for _, rel := range ts.m.Collections {
			if !types[rel.Target] {
				continue
			}
			for _, es := range ts.list {
				c := rel.Coll(es.ptr)
				if es.status == detached || c.Unloaded || !slices.ContainsFunc(c.Items, isGone) {
					continue
				}
				if log {
					for _, p := range c.Items {
						if gone[p] {
							s.logItem(c, p, itemUnlisted)
						}
					}
				}
				c.Items = slices.DeleteFunc(slices.Clone(c.Items), isGone)
			}
		}
	}
	s.unlistHasOnes(deleted, log)
}
