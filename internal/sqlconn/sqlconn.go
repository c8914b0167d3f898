// Package sqlconn is what the SQL engine sends statements through: a pool
// and its transactions, implemented on database/sql for every dialect and
// natively by dialects whose driver is faster without it (pgx).
package sqlconn

import (
	"context"
	"database/sql"
	"errors"
)

// Runner runs statements.
type Runner interface {
	// Exec runs a statement that returns no rows.
	Exec(ctx context.Context, query string, args []any) (Result, error)
	// Query runs a statement, scans each row into dest (pointers to any)
	// and calls each. It returns the number of rows scanned.
	Query(ctx context.Context, query string, args []any, dest []any, each func() error) (int64, error)
	// QueryColumns runs a statement whose columns are known only once it
	// runs (raw SQL) and calls fn with its rows, whose Columns are read
	// before the first row is scanned. The rows are closed when fn
	// returns; an error of theirs is returned after fn's.
	QueryColumns(ctx context.Context, query string, args []any, fn func(rows ColumnRows) error) error
}

// ColumnRows are rows whose column names are known before they are scanned.
type ColumnRows interface {
	Rows
	Columns() []string
}

// Result is what an Exec reports.
type Result struct {
	RowsAffected int64
	LastInsertID int64 // where the driver reports one
}

// Pool is a connection pool.
type Pool interface {
	Runner
	Begin(ctx context.Context, isolation sql.IsolationLevel, readOnly bool) (Tx, error)
	Close() error
}

// Pinner is a Pool that can hand out one of its connections, for
// statements that must run on the same connection outside a transaction.
type Pinner interface {
	// Pin takes a connection from the pool; release puts it back.
	Pin(ctx context.Context) (c Runner, release func(), err error)
}

// Batcher is a Runner that sends several statements in one round trip
// (PostgreSQL's pipeline mode).
type Batcher interface {
	// Batch sends stmts at once and runs them in order. It returns the
	// rows each affected up to the first that failed, the index of that
	// one (-1 when none did) and its error; the statements after it are
	// not run, and a transaction the batch opened (a BEGIN without its
	// COMMIT run) is rolled back before Batch returns.
	Batch(ctx context.Context, stmts []Stmt) (rows []int64, failed int, err error)
}

// BatchPool is a Pool whose connections send batches.
type BatchPool interface {
	// PinBatch takes a connection from the pool; release puts it back.
	PinBatch(ctx context.Context) (c Batcher, release func(), err error)
}

// Stmt is one statement of a Batch.
type Stmt struct {
	Query string
	Args  []any
}

// Tx is an open transaction.
type Tx interface {
	Runner
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// FromDB adapts a *sql.DB.
func FromDB(db *sql.DB) Pool { return stdPool{db: db} }

type stdRunner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func stdExec(ctx context.Context, r stdRunner, query string, args []any) (Result, error) {
	res, err := r.ExecContext(ctx, query, args...)
	if err != nil {
		return Result{}, err
	}
	var out Result
	if out.RowsAffected, err = res.RowsAffected(); err != nil {
		return Result{}, err
	}
	out.LastInsertID, _ = res.LastInsertId()
	return out, nil
}

// Rows is what ScanRows reads: *sql.Rows and pgx.Rows alike.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// ScanRows scans every row into dest and calls each. It returns the
// number of rows scanned.
func ScanRows(rows Rows, dest []any, each func() error) (int64, error) {
	var n int64
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return n, err
		}
		n++
		if err := each(); err != nil {
			return n, err
		}
	}
	return n, rows.Err()
}

func stdQuery(ctx context.Context, r stdRunner, query string, args []any, dest []any, each func() error) (int64, error) {
	rows, err := r.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n, err := ScanRows(rows, dest, each)
	if err != nil {
		return n, err
	}
	return n, rows.Close()
}

func stdQueryColumns(ctx context.Context, r stdRunner, query string, args []any, fn func(ColumnRows) error) error {
	rows, err := r.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	if err := fn(stdColumnRows{rows, cols}); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

type stdColumnRows struct {
	*sql.Rows
	cols []string
}

func (r stdColumnRows) Columns() []string { return r.cols }

type stdPool struct {
	db *sql.DB
	// readOnly, when set, are the statements that make a connection
	// refuse writes and accept them again (see ReadOnlyBy).
	readOnly *[2]string
}

func (p stdPool) Exec(ctx context.Context, q string, args []any) (Result, error) {
	return stdExec(ctx, p.db, q, args)
}

func (p stdPool) Query(ctx context.Context, q string, args []any, dest []any, each func() error) (int64, error) {
	return stdQuery(ctx, p.db, q, args, dest, each)
}

func (p stdPool) QueryColumns(ctx context.Context, q string, args []any, fn func(ColumnRows) error) error {
	return stdQueryColumns(ctx, p.db, q, args, fn)
}

func (p stdPool) Begin(ctx context.Context, isolation sql.IsolationLevel, readOnly bool) (Tx, error) {
	opts := &sql.TxOptions{Isolation: isolation, ReadOnly: readOnly}
	if readOnly && p.readOnly != nil {
		return beginSwitched(ctx, p.db, opts, p.readOnly[0], p.readOnly[1])
	}
	tx, err := p.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return stdTx{tx}, nil
}

func (p stdPool) Close() error { return p.db.Close() }

func (p stdPool) Pin(ctx context.Context) (Runner, func(), error) {
	c, err := p.db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	return stdConn{c}, func() { c.Close() }, nil
}

// stdConn is one connection of a stdPool.
type stdConn struct{ c *sql.Conn }

func (c stdConn) Exec(ctx context.Context, q string, args []any) (Result, error) {
	return stdExec(ctx, c.c, q, args)
}

func (c stdConn) Query(ctx context.Context, q string, args []any, dest []any, each func() error) (int64, error) {
	return stdQuery(ctx, c.c, q, args, dest, each)
}

func (c stdConn) QueryColumns(ctx context.Context, q string, args []any, fn func(ColumnRows) error) error {
	return stdQueryColumns(ctx, c.c, q, args, fn)
}

type stdTx struct{ tx *sql.Tx }

func (t stdTx) Exec(ctx context.Context, q string, args []any) (Result, error) {
	return stdExec(ctx, t.tx, q, args)
}

func (t stdTx) Query(ctx context.Context, q string, args []any, dest []any, each func() error) (int64, error) {
	return stdQuery(ctx, t.tx, q, args, dest, each)
}

func (t stdTx) QueryColumns(ctx context.Context, q string, args []any, fn func(ColumnRows) error) error {
	return stdQueryColumns(ctx, t.tx, q, args, fn)
}

func (t stdTx) Commit(context.Context) error { return t.tx.Commit() }

func (t stdTx) Rollback(context.Context) error {
	if err := t.tx.Rollback(); !errors.Is(err, sql.ErrTxDone) {
		return err
	}
	return nil
}

// NewNative is set by package sql: it returns a *sql.Backend that sends
// statements through pool, a driver's own connection pool, and keeps db
// (the same pool behind database/sql) for Backend.DB.
// Dialect packages call it, with their sql.Dialect as d.
var NewNative func(db *sql.DB, pool Pool, d any, closers ...func()) any
