package orm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// Session is a Unit of Work: it tracks the entities it loaded or was given,
// keeps one instance per row (its identity map), and at Flush writes what
// changed in as few statements as possible, atomically.
//
// A Session is not safe for concurrent use: use one per goroutine or
// request. It is cheap to create from [DB.Session].
type Session struct {
	db      *DB
	cell    *sessionCell // what its entities point at, made by the first stamp; Clear cuts it
	byType  []*typeState // by entity ID; nil until the type is used
	tx      backend.Tx   // the open transaction, inside Transaction
	journal []undo       // what a failed flush or a rollback puts back
	err     error        // the first error of Persist or Remove, reported by Flush
	// readOnly is set inside a ReadOnly transaction: Flush refuses to
	// write.
	readOnly bool
	// retrying is set inside a Transaction with Retry: loads are journaled
	// too, so that a new attempt starts from the Session as it was.
	retrying bool
	// wrote is set once the Session sent a write: its reads go to the
	// primary from then on (WithReplicas).
	wrote bool
	busy  atomic.Bool // a call is running: catches concurrent use
	// hooking is set while a flush runs entity hooks, which may call
	// Persist and Remove, and change relations, on the flush's goroutine.
	hooking atomic.Bool
}

// enter marks the Session busy for one call, or reports concurrent use.
func (s *Session) enter() error {
	if !s.busy.CompareAndSwap(false, true) {
		return ErrConcurrentUse
	}
	return nil
}

func (s *Session) leave() { s.busy.Store(false) }

func (s *Session) scope() backend.Scope { return backend.Scope{Env: &s.db.env, Tx: s.tx} }

// entityOf returns the metadata and address of the entity v, which must be a
// non-nil pointer to a registered struct type.
func (s *Session) entityOf(op string, v any) (*meta.Entity, unsafe.Pointer, error) {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil, nil, fmt.Errorf("orm: %s: %T is not a pointer to an entity struct", op, v)
	}
	m := s.db.reg.Lookup(t.Elem())
	if m == nil {
		return nil, nil, fmt.Errorf("orm: %s: %s", op, notRegistered(t.Elem()))
	}
	p := reflect.ValueOf(v).UnsafePointer()
	if p == nil {
		return nil, nil, fmt.Errorf("orm: %s: nil *%s", op, m.Name)
	}
	return m, p, nil
}

// fail records the first error of Persist or Remove for Flush to report.
func (s *Session) fail(err error) error {
	if s.err == nil {
		s.err = err
	}
	return err
}

// Persist makes new entities managed: they are inserted at the next Flush.
// Persisting an entity that is already managed does nothing; persisting one
// that was removed cancels the removal. An entity whose database-generated
// key is zero gets its key at Flush; a non-zero key is inserted as given.
//
// Persist reports bad input (an unregistered type, a nil pointer, a key
// already used by another managed instance, an entity that belongs to
// another Session) at once, and Flush reports it again, so callers may
// ignore the result. Inside [Session.Transaction], a rollback undoes it.
func (s *Session) Persist(entities ...any) error {
	if !s.hooking.Load() {
		if err := s.enter(); err != nil {
			return err
		}
		defer s.leave()
	}
	log := s.tx != nil || s.hooking.Load() // a rollback, or the flush failing, undoes it
	for _, v := range entities {
		m, p, err := s.entityOf("Persist", v)
		if err != nil {
			return s.fail(err)
		}
		ts := s.types(m)
		if es := ts.lookup(p); es != nil {
			if es.status == stRemoved {
				if es.snap != nil {
					s.setStatus(ts, es, stManaged, log)
				} else {
					s.setStatus(ts, es, detached, log)
				}
			}
			continue
		}
		if m.HasKey(p) {
			if other := ts.byKey.get(m.Key(p)); other != nil {
				return s.fail(fmt.Errorf("orm: Persist: another %s with key %v is already managed by this Session", m.Name, m.KeyValue(p)))
			}
		}
		if s.foreign(m, p) {
			return s.fail(fmt.Errorf("orm: Persist: the %s %s belongs to another Session, which loaded or persisted it: change it in that Session, or load the row in this one", m.Name, describe(m, p)))
		}
		es := s.track(ts, p, stNew, log)
		if len(m.Relations) > 0 || len(m.HasOnes) > 0 {
			s.attach(m, p, false, log)
			s.reconcile(ts, es, log)
		}
	}
	return nil
}

// Remove schedules managed entities for deletion at the next Flush. Removing
// a new entity just forgets it. An entity the Session does not track but whose
// key is set is deleted by key; if its type has relations tagged
// orm:"cascade:remove", Flush reads its row first, so that the removal
// cascades as for a loaded entity.
//
// An entity whose type has a field tagged orm:"softDelete" is soft-deleted:
// Flush sets the field to the flush's time (keeping a time it holds
// already) in an UPDATE, and the entity leaves the Session as a deleted
// one does. [HardDelete] among the arguments, s.Remove(e, orm.HardDelete()),
// deletes the rows of every entity of the call for real; another query
// option is an error.
//
// Like Persist, Remove reports bad input at once and again at Flush.
func (s *Session) Remove(entities ...any) error {
	if !s.hooking.Load() {
		if err := s.enter(); err != nil {
			return err
		}
		defer s.leave()
	}
	log := s.tx != nil || s.hooking.Load() // a rollback, or the flush failing, undoes it
	hard, err := removeOptions(entities)
	if err != nil {
		return s.fail(err)
	}
	for _, v := range entities {
		if _, ok := v.(QueryOption); ok {
			continue
		}
		m, p, err := s.entityOf("Remove", v)
		if err != nil {
			return s.fail(err)
		}
		ts := s.types(m)
		if es := ts.lookup(p); es != nil {
			s.removeTracked(ts, es, log, nil, hard)
			continue
		}
		if !m.HasKey(p) {
			return s.fail(fmt.Errorf("orm: Remove: the %s is not managed by this Session and has no key", m.Name))
		}
		k := m.Key(p)
		if other := ts.byKey.get(k); other != nil {
			return s.fail(fmt.Errorf("orm: Remove: another %s with key %v is managed by this Session; remove that instance", m.Name, m.KeyValue(p)))
		}
		s.trackRemoved(ts, p, k, log).hard = hard
	}
	return nil
}

// removeOptions returns whether the arguments of Remove hold [HardDelete],
// the one query option Remove takes.
func removeOptions(args []any) (hard bool, err error) {
	for _, v := range args {
		opt, ok := v.(QueryOption)
		if !ok || opt == nil {
			continue
		}
		var o queryOptions
		opt(&o)
		if !o.hard || len(o.order) > 0 || o.limited || o.offset != 0 || len(o.populate) > 0 || o.lock != (lockOptions{}) || o.filters.all || len(o.filters.names) > 0 {
			return false, fmt.Errorf("orm: Remove: of the query options Remove takes HardDelete only")
		}
		hard = true
	}
	return hard, nil
}

// Clear detaches every entity: the Session forgets its identity map and all
// unflushed work. The entities it tracked belong to no Session any more:
// [Ref.Load] and [Collection.Load] on them return [ErrSessionEnded], another
// Session takes them as it takes entities it never saw, and they no longer
// keep this Session's memory alive. Inside [Session.Transaction], a
// rollback brings back what Clear forgot. It returns [ErrConcurrentUse],
// and changes nothing, while another call on the Session runs.
func (s *Session) Clear() error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if s.tx != nil {
		s.logTypes()
	} else {
		s.forget(0)
	}
	s.setCell(nil)
	s.byType = nil
	s.err = nil
	return nil
}

// TxOption configures a transaction: [Isolation], [Retry],
// [RetryConflicts], [ReadOnly].
type TxOption func(*txOptions)

type txOptions struct {
	backend.TxOptions
	attempts  int
	conflicts bool // RetryConflicts
}

// Isolation sets the transaction's isolation level.
func Isolation(level sql.IsolationLevel) TxOption {
	return func(o *txOptions) { o.Isolation = int(level) }
}

// ReadOnly makes the transaction read-only: the database refuses writes
// in it (BEGIN READ ONLY on PostgreSQL, START TRANSACTION READ ONLY on
// MySQL and MariaDB; SQLite, which has no read-only transactions, runs it
// on a connection set to PRAGMA query_only for its duration), and a Flush
// inside it that has anything to write fails with an error matching
// [ErrReadOnly] before sending any write, leaving the Session as it was —
// on every backend, MongoDB included, whose transactions have no
// read-only mode. A statement the database refuses for it, such as an
// INSERT run with sql.Exec, fails with an error matching ErrReadOnly too.
// Reads, entities loaded and Persist calls work as in any transaction;
// what is left to write when the function returns makes the final flush,
// and so Transaction, fail with ErrReadOnly.
//
// A Transaction nested in a read-only one is read-only too, whatever its
// options. ReadOnly on a Transaction nested in a read-write one is an
// error, and its function does not run: a savepoint cannot be read-only.
func ReadOnly() TxOption {
	return func(o *txOptions) { o.ReadOnly = true }
}

// Retry makes Transaction run its function again, up to attempts times in
// all, when an attempt fails with an error matching [ErrRetryable]
// (serialization failure, deadlock, busy database; with [RetryConflicts],
// an [*OptimisticLockError] too), waiting a little longer
// before each new attempt. Before each one the Session is put back as it was
// when Transaction was called, and so are the fields of the entities it
// managed then, so the function starts over from the same state: entities
// an attempt loaded are forgotten, so that the next one reads their rows
// afresh. After the last attempt fails, the same holds. Retry
// applies to an outermost Transaction only: a nested one runs once. It never
// reruns after a [*CommitUnknownError].
func Retry(attempts int) TxOption {
	return func(o *txOptions) { o.attempts = attempts }
}

// RetryConflicts makes [Retry] run the function again after an
// [*OptimisticLockError] too: another writer changed a versioned entity
// between the attempt's read and its write, so the next attempt, reading
// the row afresh, may succeed. It helps only when the function loads what
// it changes: entities loaded by an attempt are forgotten before the next,
// but one the Session already managed when Transaction was called keeps
// the version it was loaded with, and would conflict again (load it in the
// function on a fresh Session, or [Session.Refresh] it there). Without
// Retry it does nothing.
func RetryConflicts() TxOption {
	return func(o *txOptions) { o.conflicts = true }
}

// retries reports whether an attempt that failed with err is run again.
func (o *txOptions) retries(err error) bool {
	var unknown *CommitUnknownError
	var conflict *OptimisticLockError
	if err == nil || errors.As(err, &unknown) {
		return false
	}
	return errors.Is(err, ErrRetryable) || o.conflicts && errors.As(err, &conflict)
}

// Transaction runs fn inside a database transaction and flushes the Session
// before committing. Every flush inside fn joins the transaction. When fn or
// the final flush fails, or fn panics, the transaction is rolled back and the
// Session is put back as it was when Transaction was called: snapshots,
// identity maps, entity states, collections and Refs the flushes changed,
// generated keys and versions. Entities loaded inside fn stay managed (a
// read writes nothing). Field values the function changed stay as it left
// them (with [Retry], they too are put back).
//
// Transaction inside fn nests as a savepoint. Transaction returns
// [ErrConcurrentUse] while another call on the Session runs.
func (s *Session) Transaction(ctx context.Context, fn func(ctx context.Context, s *Session) error, opts ...TxOption) error {
	if err := s.enter(); err != nil {
		return err
	}
	var o txOptions
	for _, opt := range opts {
		opt(&o)
	}
	err := s.err
	s.err = nil
	nested := s.tx != nil
	if err == nil && o.ReadOnly && nested && !s.readOnly {
		err = errors.New("orm: Transaction: ReadOnly inside a read-write transaction: a savepoint cannot be read-only (begin the read-only transaction outside it)")
	}
	s.leave()
	if err != nil {
		return err
	}
	if o.attempts <= 1 || nested {
		return s.transaction(ctx, fn, o.TxOptions)
	}
	var start int
	s.locked(func() {
		start = s.mark()
		s.logValues()
		s.retrying = true
	})
	settled := false
	defer s.locked(func() {
		s.retrying = false
		if !settled { // fn panicked
			s.undoTo(start)
		}
	})
	for attempt := range o.attempts {
		if attempt > 0 {
			s.locked(func() {
				s.undoTo(start)
				s.logValues()
			})
			wait := time.Duration(5<<min(attempt, 7)) * time.Millisecond
			wait = wait/2 + time.Duration(rand.Int64N(int64(wait)))
			select {
			case <-ctx.Done():
				err = errors.Join(err, ctx.Err())
				s.locked(func() { s.undoTo(start) })
				settled = true
				return err
			case <-time.After(wait):
			}
		}
		if err = s.transaction(ctx, fn, o.TxOptions); !o.retries(err) {
			break
		}
	}
	s.locked(func() {
		if err != nil {
			s.undoTo(start)
		} else {
			s.forget(start)
		}
	})
	settled = true
	return err
}

// locked runs fn with the Session marked busy, waiting first for a call
// another goroutine is making to end: what a transaction puts back or
// keeps at its end must not race with it.
func (s *Session) locked(fn func()) {
	for !s.busy.CompareAndSwap(false, true) {
		runtime.Gosched()
	}
	defer s.leave()
	fn()
}

// transaction runs one attempt of Transaction.
func (s *Session) transaction(ctx context.Context, fn func(ctx context.Context, s *Session) error, o backend.TxOptions) (err error) {
	var mark int
	var tx backend.Tx
	outer, outerReadOnly := s.tx, s.readOnly
	s.locked(func() {
		mark = s.mark()
		if tx, err = s.db.backend.Begin(ctx, s.scope(), o); err == nil {
			s.tx = tx
			s.readOnly = outerReadOnly || o.ReadOnly
		}
	})
	if err != nil {
		return repanic(err)
	}
	done := false
	defer s.locked(func() {
		s.tx, s.readOnly = outer, outerReadOnly
		if !done {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			s.undoTo(mark)
		} else if outer == nil {
			s.forget(mark)
		}
	})
	if err := fn(ctx, s); err != nil {
		return err
	}
	if err := s.Flush(ctx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		var hp *backend.HookPanic
		if errors.As(err, &hp) {
			done = hp.Committed // else the deferred rollback puts the Session back
			panic(hp.Value)
		}
		return err
	}
	done = true
	return nil
}
