package orm

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// ErrNotFound is returned when a Get or FindOne matches no row. It also
// matches [sql.ErrNoRows] with errors.Is.
var ErrNotFound error = notFoundError{}

type notFoundError struct{}

func (notFoundError) Error() string        { return "orm: not found" }
func (notFoundError) Is(target error) bool { return target == sql.ErrNoRows }

// entityNotFound is ErrNotFound for one entity and key.
type entityNotFound struct {
	entity string
	key    any // nil when a filter found nothing
}

func (e *entityNotFound) Error() string {
	if e.key == nil {
		return "orm: no " + e.entity + " found"
	}
	return fmt.Sprintf("orm: %s %v not found", e.entity, e.key)
}

func (e *entityNotFound) Is(target error) bool {
	return target == ErrNotFound || target == sql.ErrNoRows
}

// ErrRetryable matches errors a transaction may succeed after when run
// again: serialization failures, deadlocks, locks not had ([ErrLocked])
// and a busy database. [Retry] makes Transaction run its function again on
// them.
var ErrRetryable = errors.New("orm: retryable (serialization failure, deadlock or busy database)")

// ErrReadOnly matches a write that reached a read-only server or
// transaction: a Flush with something to write inside a [ReadOnly]
// transaction, refused before any write is sent, and a write the database
// itself refused for being read-only (such as an INSERT run with sql.Exec
// inside a ReadOnly transaction).
var ErrReadOnly = errors.New("orm: a write reached a read-only server or transaction")

// ErrLocked matches the error of a locking read ([ForUpdate], [ForShare])
// that could not have a row's lock: with [NoWait], another transaction held
// it; without, the wait for it timed out (PostgreSQL's lock_timeout,
// innodb_lock_wait_timeout on MySQL and MariaDB, where NOWAIT reports a
// timeout too). A write whose lock wait timed out matches it as well. It
// also matches [ErrRetryable]: the transaction may succeed when run again,
// so under [Retry] it is run again; to give up on a locked row instead,
// check for ErrLocked and leave Retry out. On SQLite, where a transaction
// locks the whole database, a lock that cannot be had is [ErrRetryable]
// (SQLITE_BUSY) after the busy timeout, not ErrLocked.
var ErrLocked error = lockedError{}

type lockedError struct{}

func (lockedError) Error() string {
	return "orm: row locked by another transaction (NoWait, or the lock wait timed out)"
}
func (lockedError) Is(target error) bool { return target == ErrRetryable }

// ErrConcurrentUse is returned when a Session is used from two goroutines at
// once: a Session is not safe for concurrent use, and this is caught at its
// entry points rather than left to corrupt its identity map.
var ErrConcurrentUse = errors.New("orm: Session used from two goroutines at once (use one Session per goroutine)")

// CommitUnknownError reports a COMMIT whose outcome is unknown: it was
// sent, or may have been, and the connection failed or the context ended
// before the database answered. The changes may be stored or not; only
// reading them back can tell. An error the database itself answered the
// COMMIT with (a serialization failure, a deferred constraint) is not one
// of these: that transaction is known to be rolled back.
//
// The Session is left as it was before the flush, as for any failed flush,
// but flushing it again could write the changes twice, so Transaction never
// retries on this error, even with [Retry]. Clear the Session (or start a
// new one) and read the entities again before deciding what to write.
type CommitUnknownError struct {
	Err error // what the driver reported
}

// Error says the outcome is unknown and why.
func (e *CommitUnknownError) Error() string {
	return "orm: COMMIT outcome unknown (the changes may or may not be stored; read them back before writing again): " + e.Err.Error()
}

// Unwrap returns the driver's error.
func (e *CommitUnknownError) Unwrap() error { return e.Err }

// repanic panics again with what a query hook panicked with, for callers
// whose state is settled; other errors it returns.
func repanic(err error) error {
	if err == nil {
		return nil
	}
	var hp *backend.HookPanic
	if errors.As(err, &hp) {
		panic(hp.Value)
	}
	return err
}

// ErrSessionEnded is returned by [Ref.Load] and [Collection.Load] on an
// entity whose Session was cleared ([Session.Clear]) or has ended (the
// request of [DB.Middleware] returned): the entity is detached, and loads
// nothing through that Session.
var ErrSessionEnded = errors.New("orm: the Session that loaded or persisted the entity was cleared or has ended")

// ErrNotLoaded is what reading an unloaded [Collection] panics with.
var ErrNotLoaded = errors.New("orm: collection not loaded")

// ConstraintKind says which kind of constraint a write violated.
type ConstraintKind string

// The constraint kinds.
const (
	Unique     ConstraintKind = "unique"
	ForeignKey ConstraintKind = "foreign key"
	NotNull    ConstraintKind = "not null"
	Check      ConstraintKind = "check"
)

// ConstraintError reports a write the database refused because it violates a
// constraint. It wraps the driver's error.
type ConstraintError struct {
	Kind       ConstraintKind
	Table      string // the table, when the database says
	Constraint string // the constraint or column(s), when the database says
	Err        error  // the driver's error
}

// Error describes the violation and the driver's message.
func (e *ConstraintError) Error() string {
	s := "orm: " + string(e.Kind) + " constraint violated"
	if e.Table != "" {
		s += " on table " + e.Table
	}
	if e.Constraint != "" {
		s += " (" + e.Constraint + ")"
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the driver's error.
func (e *ConstraintError) Unwrap() error { return e.Err }

// OptimisticLockError reports that a versioned entity was changed or deleted
// by someone else since it was loaded: its UPDATE or DELETE matched no row
// with the expected version. The whole flush fails.
type OptimisticLockError struct {
	Entity  string // the entity type
	Key     any    // its primary key
	Version int64  // the version the flush expected
}

// Error names the entity, key and version.
func (e *OptimisticLockError) Error() string {
	return fmt.Sprintf("orm: optimistic lock failed: %s %v (version %d) was changed or deleted by someone else", e.Entity, e.Key, e.Version)
}

// MetadataError reports a bad entity definition, found by [Open].
type MetadataError struct {
	Entity string // the Go type
	Field  string // the field, or "" when the problem is the type
	Reason string
}

// Error names the entity and field.
func (e *MetadataError) Error() string {
	return (&meta.Error{Entity: e.Entity, Field: e.Field, Reason: e.Reason}).Error()
}
