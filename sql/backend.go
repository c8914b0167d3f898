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
	db      *stdsql.DB   // for Select and DB
	pool    sqlconn.Pool // where statements go
	d       Dialect
	closers []func()
}

var _ orm.Backend = (*Backend)(nil)

// New returns a Backend on db speaking dialect d. The dialect packages call
// it; most programs use their Open functions instead. Close closes db, then
// calls closers.
func New(db *stdsql.DB, d Dialect, closers ...func()) *Backend {
	return &Backend{db: db, pool: sqlconn.FromDB(db), d: d, closers: closers}
}

// NewNative returns a Backend that sends statements through pool, a
// driver's own connection pool, and keeps db (the same pool behind
// database/sql) for [Select] and [Backend.DB]. Dialect packages call it.
func NewNative(db *stdsql.DB, pool sqlconn.Pool, d Dialect, closers ...func()) *Backend {
	return &Backend{db: db, pool: pool, d: d, closers: closers}
}

// DB returns the underlying *sql.DB.
func (b *Backend) DB() *stdsql.DB { return b.db }

// Dialect returns the backend's dialect.
func (b *Backend) Dialect() Dialect { return b.d }

// Close closes the connections and whatever the dialect opened beneath them.
func (b *Backend) Close() error {
	err := b.db.Close()
	for _, c := range b.closers {
		c()
	}
	return err
}

// conn is what statements run on: the pool or a transaction.
type conn = sqlconn.Runner

func (b *Backend) conn(s backend.Scope) conn {
	if t, ok := s.Tx.(*tx); ok {
		return t.tx
	}
	return b.pool
}

// observed tells the DB's hook and logger of a statement and returns its
// error, classified, or a *backend.HookPanic carrying that error when the
// hook panicked.
func (b *Backend) observed(ctx context.Context, env *backend.Env, stmt string, args []any, rows int64, start time.Time, err error) error {
	if h, ok := backend.Observe(ctx, env, stmt, args, rows, start, err).(*backend.HookPanic); ok {
		h.Err = b.wrap(err)
		return h
	}
	return b.wrap(err)
}

// exec runs one statement that returns no rows.
func (b *Backend) exec(ctx context.Context, s backend.Scope, c conn, stmt string, args []any) (int64, error) {
	res, err := b.execResult(ctx, s, c, stmt, args)
	return res.RowsAffected, err
}

func (b *Backend) execResult(ctx context.Context, s backend.Scope, c conn, stmt string, args []any) (sqlconn.Result, error) {
	start := backend.Now(s.Env)
	res, err := c.Exec(ctx, stmt, args)
	return res, b.observed(ctx, s.Env, stmt, args, res.RowsAffected, start, err)
}

// query runs one statement and calls each for every row.
func (b *Backend) query(ctx context.Context, s backend.Scope, c conn, stmt string, args []any, dest []any, each func() error) error {
	start := backend.Now(s.Env)
	var n int64
	err := c.Query(ctx, stmt, args, dest, func() error {
		n++
		return each()
	})
	return b.observed(ctx, s.Env, stmt, args, n, start, err)
}

// wrap turns a constraint violation into an *orm.ConstraintError.
func (b *Backend) wrap(err error) error {
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
func (b *Backend) inTx(err error) error {
	if err != nil && b.connectionLost(err) && !errors.Is(err, orm.ErrRetryable) {
		return fmt.Errorf("%w: connection lost: %w", orm.ErrRetryable, err)
	}
	return err
}

// connectionLost reports whether err says the connection went away after a
// statement was, or may have been, sent. Dialects that cannot tell say no.
func (b *Backend) connectionLost(err error) bool {
	d, ok := b.d.(interface{ ConnectionLost(error) bool })
	return ok && d.ConnectionLost(err)
}

// tx is a transaction or, when savepoint is set, a savepoint inside one.
type tx struct {
	b         *Backend
	env       *backend.Env
	tx        sqlconn.Tx
	savepoint string
	done      bool
}

var savepoints atomic.Uint64

// Begin starts a transaction, or a savepoint when s.Tx is set.
func (b *Backend) Begin(ctx context.Context, s backend.Scope, opts backend.TxOptions) (backend.Tx, error) {
	if parent, ok := s.Tx.(*tx); ok {
		name := "orm_sp_" + strconv.FormatUint(savepoints.Add(1), 10)
		if _, err := b.exec(ctx, s, parent.tx, "SAVEPOINT "+name, nil); err != nil {
			return nil, err
		}
		return &tx{b: b, env: s.Env, tx: parent.tx, savepoint: name}, nil
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
	return &tx{b: b, env: s.Env, tx: t}, nil
}

func (t *tx) Commit(ctx context.Context) error {
	if t.done {
		return stdsql.ErrTxDone
	}
	t.done = true
	if t.savepoint != "" {
		_, err := t.b.exec(ctx, backend.Scope{Env: t.env}, t.tx, "RELEASE SAVEPOINT "+t.savepoint, nil)
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
func (b *Backend) serverError(err error) bool {
	d, ok := b.d.(interface{ ServerError(error) bool })
	return ok && d.ServerError(err)
}

func (t *tx) Rollback(ctx context.Context) error {
	if t.done {
		return stdsql.ErrTxDone
	}
	t.done = true
	if t.savepoint != "" {
		s := backend.Scope{Env: t.env}
		_, err := t.b.exec(ctx, s, t.tx, "ROLLBACK TO SAVEPOINT "+t.savepoint, nil)
		if err == nil {
			_, err = t.b.exec(ctx, s, t.tx, "RELEASE SAVEPOINT "+t.savepoint, nil)
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
func (b *Backend) atomic(ctx context.Context, s backend.Scope, n int, fn func(c conn) error) error {
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
	if err := fn(t.(*tx).tx); err != nil {
		return b.inTx(err)
	}
	sent = true
	return t.Commit(ctx)
}
