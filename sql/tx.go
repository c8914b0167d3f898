package sql

import (
	"context"
	stdsql "database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/sqlconn"
)

// txConn is what statements inside a transaction, and its savepoints, run
// on. Once a statement fails with an error after which the database has
// rolled the whole transaction back, nothing more is sent on it.
type txConn struct {
	sqlconn.Tx
	rolledBack error // the error that ended the transaction, classified
	// writeLocked: a locking read took the database's write lock
	// (WriteLock), which lasts until the transaction ends.
	writeLocked bool
}

// refused returns, when c is a transaction the database has already rolled
// back, the error a statement gets instead of being sent.
func refused(c conn) error {
	if t, ok := c.(*txConn); ok && t.rolledBack != nil {
		return &txRolledBackError{Err: t.rolledBack}
	}
	return nil
}

// txRolledBackError is what a statement, a savepoint or a COMMIT gets
// inside a transaction that the database has already rolled back, after
// the error Err (a deadlock on MySQL, a lost connection): it was not sent.
// It matches what Err matches (orm.ErrRetryable for a deadlock), so Retry
// runs the whole transaction again.
type txRolledBackError struct {
	Err error
}

// Error says the transaction was rolled back, and after what.
func (e *txRolledBackError) Error() string {
	return "orm: not sent: the database rolled the transaction back after: " + e.Err.Error()
}

// Unwrap returns the error that ended the transaction.
func (e *txRolledBackError) Unwrap() error { return e.Err }

// ended records on c, a transaction, that err rolled it back on the
// database, when the dialect says so or the connection was lost.
func (b *engine) ended(c conn, err error) {
	t, ok := c.(*txConn)
	if !ok || err == nil || t.rolledBack != nil {
		return
	}
	d, ok := b.d.(interface{ TxRolledBack(error) bool })
	if ok && d.TxRolledBack(err) || b.connectionLost(err) {
		t.rolledBack = err
	}
}

// tx is a transaction or, when savepoint is set, a savepoint inside one.
type tx struct {
	b         *engine
	env       *backend.Env
	tx        sqlconn.Tx
	run       *txConn // shared by the transaction and its savepoints
	savepoint string
	done      bool
}

var savepoints atomic.Uint64

// Begin starts a transaction, or a savepoint when s.Tx is set. The query
// hook is told of a read-only transaction as BEGIN READ ONLY, whatever the
// driver sends for it (the dialect's ReadOnlySwitch included). A savepoint
// is never read-only itself: the core refuses ReadOnly for one inside a
// read-write transaction.
func (b *engine) Begin(ctx context.Context, s backend.Scope, opts backend.TxOptions) (backend.Tx, error) {
	if parent, ok := s.Tx.(*tx); ok {
		name := "orm_sp_" + strconv.FormatUint(savepoints.Add(1), 10)
		if _, err := b.exec(ctx, s, parent.run, "SAVEPOINT "+name, nil); err != nil {
			return nil, err
		}
		return &tx{b: b, env: s.Env, tx: parent.tx, run: parent.run, savepoint: name}, nil
	}
	if s.Tx != nil {
		return nil, fmt.Errorf("orm: %s backend cannot join a %T transaction", b.d.Name(), s.Tx)
	}
	start := backend.Now(s.Env)
	t, err := b.pool.Begin(ctx, stdsql.IsolationLevel(opts.Isolation), opts.ReadOnly)
	begin := "BEGIN"
	if opts.ReadOnly {
		begin = "BEGIN READ ONLY"
	}
	if err := b.observed(ctx, s.Env, begin, nil, 0, start, err); err != nil {
		if t != nil {
			_ = t.Rollback(context.WithoutCancel(ctx))
		}
		return nil, err
	}
	return &tx{b: b, env: s.Env, tx: t, run: &txConn{Tx: t}}, nil
}

func (t *tx) Commit(ctx context.Context) error {
	if t.done {
		return stdsql.ErrTxDone
	}
	t.done = true
	if t.savepoint != "" {
		_, err := t.b.exec(ctx, backend.Scope{Env: t.env}, t.run, "RELEASE SAVEPOINT "+t.savepoint, nil)
		return err
	}
	if err := refused(t.run); err != nil {
		// A COMMIT would succeed with nothing to commit: roll back to
		// give the connection back, and report what ended the transaction.
		t.done = false
		_ = t.Rollback(context.WithoutCancel(ctx))
		return err
	}
	start := backend.Now(t.env)
	err := t.tx.Commit(ctx)
	if err != nil && !t.b.serverError(err) {
		err = &orm.CommitUnknownError{Err: err}
	}
	return backend.Committed(t.b.observed(ctx, t.env, "COMMIT", nil, 0, start, err))
}

// serverError reports whether err is an answer from the database server,
// whose state it therefore knows, rather than a lost connection or a
// cancelled call. Dialects that cannot tell say no.
func (b *engine) serverError(err error) bool {
	d, ok := b.d.(interface{ ServerError(error) bool })
	return ok && d.ServerError(err)
}

func (t *tx) Rollback(ctx context.Context) error {
	if t.done {
		return stdsql.ErrTxDone
	}
	t.done = true
	if t.savepoint != "" {
		// Nothing is sent when the database rolled the whole transaction
		// back: the savepoint is gone with it.
		s := backend.Scope{Env: t.env}
		_, err := t.b.exec(ctx, s, t.run, "ROLLBACK TO SAVEPOINT "+t.savepoint, nil)
		if err == nil {
			_, err = t.b.exec(ctx, s, t.run, "RELEASE SAVEPOINT "+t.savepoint, nil)
		}
		return err
	}
	start := backend.Now(t.env)
	err := t.tx.Rollback(ctx)
	return backend.Observe(ctx, t.env, "ROLLBACK", nil, 0, start, err)
}

// autocommitted returns err, the error of one statement sent outside a
// transaction, which commits itself: a connection lost, or a context
// ended, while it was in flight leaves its outcome unknown, as for a
// COMMIT (an *orm.CommitUnknownError).
func (b *engine) autocommitted(ctx context.Context, err error) error {
	var hp *backend.HookPanic
	if err != nil && !errors.As(err, &hp) && (b.connectionLost(err) || ctx.Err() != nil && !b.serverError(err)) {
		return &orm.CommitUnknownError{Err: err}
	}
	return backend.Committed(err)
}

// Kind names the backend's dialect, which replicas must share
// (orm.WithReplicas).
func (b *engine) Kind() string { return b.d.Name() }

// Unreachable reports whether err, from a read, says the server could not
// be reached or the connection failed, not that the server answered: the
// read may run on another server (orm.WithReplicas).
func (b *engine) Unreachable(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || b.connectionLost(err) {
		return true
	}
	d, ok := b.d.(interface{ Unreachable(error) bool })
	return ok && d.Unreachable(err)
}

// pinned runs fn, which sends one write, on one connection of the pool
// outside a transaction; in a transaction where the pool cannot pin one.
func (b *engine) pinned(ctx context.Context, s backend.Scope, fn func(c conn) error) error {
	p, ok := b.pool.(sqlconn.Pinner)
	if !ok {
		return b.atomic(ctx, s, true, fn)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	c, release, err := p.Pin(ctx)
	if err != nil {
		return err
	}
	defer release()
	return b.autocommitted(ctx, fn(c))
}

// atomic runs fn so that what it sends takes effect all or none: directly
// when it sends one statement that cannot fail halfway (needTx false),
// else inside a transaction, or a savepoint when the Session is already in
// one.
func (b *engine) atomic(ctx context.Context, s backend.Scope, needTx bool, fn func(c conn) error) error {
	if !needTx && (s.Tx == nil || !b.d.Has(TxAbortsOnError)) {
		if s.Tx != nil {
			return b.inTx(fn(b.conn(s)))
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		return b.autocommitted(ctx, fn(b.conn(s)))
	}
	t, err := b.Begin(ctx, s, backend.TxOptions{})
	if err != nil {
		return err
	}
	sent := false
	defer func() {
		if !sent { // fn failed or panicked
			_ = t.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err := fn(t.(*tx).run); err != nil {
		return b.inTx(err)
	}
	sent = true
	return t.Commit(ctx)
}
