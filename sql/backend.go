package sql

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
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

var (
	_ orm.Backend           = (*Backend)(nil)
	_ backend.Backend       = (*engine)(nil) // what a Backend's handle carries
	_ backend.TimePrecision = (*engine)(nil)
)

// engine implements the backend contract on a SQL database.
type engine struct {
	db      *stdsql.DB   // for DB
	pool    sqlconn.Pool // where statements go
	d       Dialect
	closers []func()
	texts   texts // of its INSERT and upsert statements
}

func newBackend(e *engine) *Backend { return &Backend{handle: backend.NewHandle(e), e: e} }

// New returns a Backend on db speaking dialect d. The dialect packages call
// it; most programs use their Open functions instead. Close closes db, then
// calls closers.
func New(db *stdsql.DB, d Dialect, closers ...func()) *Backend {
	pool := sqlconn.FromDB(db)
	if rs, ok := d.(interface{ ReadOnlySwitch() (on, off string) }); ok {
		on, off := rs.ReadOnlySwitch()
		pool = sqlconn.ReadOnlyBy(db, on, off)
	}
	return newBackend(&engine{db: db, pool: pool, d: d, closers: closers})
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
	var err error
	if b.db != nil {
		err = b.db.Close()
	}
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
	n, err := c.Query(ctx, stmt, args, dest, each)
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
