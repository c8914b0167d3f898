package sql

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/sqlconn"
)

// Backend runs the Unit of Work on a SQL database. The dialect packages
// open one; it is safe for concurrent use.
type Backend struct {
	handle
	e *engine
}

// handle makes a Backend an orm.Backend without exporting the contract.
type handle = backend.Handle

var _ orm.Backend = (*Backend)(nil)

// engine implements the backend contract on a SQL database.
type engine struct {
	db      *stdsql.DB   // for Select and DB
	pool    sqlconn.Pool // where statements go
	d       Dialect
	closers []func()
}

func newBackend(e *engine) *Backend { return &Backend{handle: backend.NewHandle(e), e: e} }

// New returns a Backend on db speaking dialect d. The dialect packages call
// it; most programs use their Open functions instead. Close closes db, then
// calls closers.
func New(db *stdsql.DB, d Dialect, closers ...func()) *Backend {
	return newBackend(&engine{db: db, pool: sqlconn.FromDB(db), d: d, closers: closers})
}

func init() {
	sqlconn.NewNative = func(db *stdsql.DB, pool sqlconn.Pool, d any, closers ...func()) any {
		return newBackend(&engine{db: db, pool: pool, d: d.(Dialect), closers: closers})
	}
}

// DB returns the underlying *sql.DB.
func (b *Backend) DB() *stdsql.DB { return b.e.db }

// Dialect returns the backend's dialect.
func (b *Backend) Dialect() Dialect { return b.e.d }

// Close closes the connections and whatever the dialect opened beneath them.
func (b *Backend) Close() error { return b.e.Close() }

func (b *engine) Close() error {
	err := b.db.Close()
	for _, c := range b.closers {
		c()
	}
	return err
}

// conn is what statements run on: the pool or a transaction.
type conn = sqlconn.Runner

func (b *engine) conn(s backend.Scope) conn {
	if t, ok := s.Tx.(*tx); ok {
		return t.run
	}
	return b.pool
}

// txConn is what statements inside a transaction, and its savepoints, run
// on. Once a statement fails with an error after which the database has
// rolled the whole transaction back, nothing more is sent on it.
type txConn struct {
	sqlconn.Tx
	rolledBack error // the error that ended the transaction, classified
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

// observed tells the DB's hook and logger of a statement and returns its
// error, classified, or a *backend.HookPanic carrying that error when the
// hook panicked.
func (b *engine) observed(ctx context.Context, env *backend.Env, stmt string, args []any, rows int64, start time.Time, err error) error {
	if h, ok := backend.Observe(ctx, env, stmt, args, rows, start, err).(*backend.HookPanic); ok {
		h.Err = b.wrap(err)
		return h
	}
	return b.wrap(err)
}

// exec runs one statement that returns no rows.
func (b *engine) exec(ctx context.Context, s backend.Scope, c conn, stmt string, args []any) (int64, error) {
	res, err := b.execResult(ctx, s, c, stmt, args)
	return res.RowsAffected, err
}

func (b *engine) execResult(ctx context.Context, s backend.Scope, c conn, stmt string, args []any) (sqlconn.Result, error) {
	if err := refused(c); err != nil {
		return sqlconn.Result{}, err
	}
	start := backend.Now(s.Env)
	res, err := c.Exec(ctx, stmt, args)
	err = b.observed(ctx, s.Env, stmt, args, res.RowsAffected, start, err)
	b.ended(c, err)
	return res, err
}

// query runs one statement and calls each for every row.
func (b *engine) query(ctx context.Context, s backend.Scope, c conn, stmt string, args []any, dest []any, each func() error) error {
	if err := refused(c); err != nil {
		return err
	}
	start := backend.Now(s.Env)
	var n int64
	err := c.Query(ctx, stmt, args, dest, func() error {
		n++
		return each()
	})
	err = b.observed(ctx, s.Env, stmt, args, n, start, err)
	b.ended(c, err)
	return err
}

// wrap turns a constraint violation into an *orm.ConstraintError.
func (b *engine) wrap(err error) error {
	if err == nil {
		return nil
	}
	if ce := b.d.Classify(err); ce != nil {
		return ce
	}
	return err
}

// inTx classifies the error of statements sent inside a transaction: a
// connection lost with one in flight took the transaction with it, so
// running it again may succeed (orm.ErrRetryable).
func (b *engine) inTx(err error) error {
	if err != nil && b.connectionLost(err) && !errors.Is(err, orm.ErrRetryable) {
		return fmt.Errorf("%w: connection lost: %w", orm.ErrRetryable, err)
	}
	return err
}

// connectionLost reports whether err says the connection went away after a
// statement was, or may have been, sent. Dialects that cannot tell say no.
func (b *engine) connectionLost(err error) bool {
	d, ok := b.d.(interface{ ConnectionLost(error) bool })
	return ok && d.ConnectionLost(err)
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

// Begin starts a transaction, or a savepoint when s.Tx is set.
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
	if err := b.observed(ctx, s.Env, "BEGIN", nil, 0, start, err); err != nil {
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

// atomic runs fn, which sends n statements, so that they all take effect or
// none does: directly for one statement, else inside a transaction, or a
// savepoint when the Session is already in one.
func (b *engine) atomic(ctx context.Context, s backend.Scope, n int, fn func(c conn) error) error {
	if n <= 1 && (s.Tx == nil || !b.d.Has(TxAbortsOnError)) {
		if s.Tx != nil {
			return b.inTx(fn(b.conn(s)))
		}
		// One statement outside a transaction commits itself: a connection
		// lost, or a context ended, while it was in flight leaves its
		// outcome unknown, as for a COMMIT.
		if err := ctx.Err(); err != nil {
			return err
		}
		err := fn(b.conn(s))
		var hp *backend.HookPanic
		if err != nil && !errors.As(err, &hp) && (b.connectionLost(err) || ctx.Err() != nil && !b.serverError(err)) {
			return &orm.CommitUnknownError{Err: err}
		}
		return backend.Committed(err)
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
