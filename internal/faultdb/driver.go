// Package faultdb is test support for the fail-every-call loop: a
// database/sql driver that wraps a real one and fails its N-th call in a
// chosen way (Injector), a net.Conn wrapper under pgx that fails its N-th
// network write (NetInjector), and the loop that runs one flush with each
// call failing in turn on any SQL backend (see Run).
package faultdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Kind is a way a driver call fails.
type Kind int32

// The kinds of fault.
const (
	// Error: the call returns ErrInjected and does nothing; a failed Commit
	// or Rollback also loses its connection, which rolls the transaction back.
	Error Kind = iota + 1
	// BadConn: the call returns driver.ErrBadConn and the connection is
	// lost (closed beneath database/sql), as when the server goes away.
	BadConn
	// Deadline: the call blocks until its context ends and returns the
	// context's error; calls without a context (Next, Commit, Rollback)
	// fail as Error.
	Deadline
	// CommitLost: Commit goes through, then the connection is lost before
	// the answer arrives; other calls fail as Error.
	CommitLost
	// Lost: the call reaches the server and is answered, then the
	// connection is lost before the answer is read (a NetInjector's kind; at
	// the COMMIT it is CommitLost).
	Lost
)

// String names the kind in test names.
func (k Kind) String() string {
	return [...]string{"none", "error", "badconn", "deadline", "commitlost", "lost"}[k]
}

// ErrInjected is the error an Error fault returns.
var ErrInjected = errors.New("injected fault")

// ErrLost is what a lost COMMIT reports.
var ErrLost = errors.New("injected fault: connection lost after COMMIT was sent")

// Injector counts the calls through a registered database/sql driver
// (Prepare, Begin, Exec, Query, Next, Commit, Rollback) and fails the armed
// one.
type Injector struct {
	calls          atomic.Int64
	failAt         atomic.Int64
	kind           atomic.Int32
	failRollback   atomic.Bool
	mu             sync.Mutex
	failed         string // the call that failed, for messages
	rollbackFailed bool
}

// Register registers a driver called name that wraps inner and returns the
// Injector that controls it.
func Register(name string, inner driver.Driver) *Injector {
	in := &Injector{}
	sql.Register(name, &drv{inner, in})
	return in
}

// Arm resets the call count and fails call n with k; with failRollback,
// every Rollback fails as well.
func (in *Injector) Arm(n int64, k Kind, failRollback bool) {
	in.mu.Lock()
	in.failed, in.rollbackFailed = "", false
	in.mu.Unlock()
	in.calls.Store(0)
	in.kind.Store(int32(k))
	in.failRollback.Store(failRollback)
	in.failAt.Store(n)
}

func (in *Injector) modes() []mode {
	return []mode{{Error, false}, {BadConn, false}, {Deadline, false}, {Error, true}, {CommitLost, false}}
}

// Disarm stops failing calls and returns how many were made since Arm.
func (in *Injector) Disarm() int64 {
	in.failAt.Store(0)
	in.failRollback.Store(false)
	return in.calls.Load()
}

// Failed describes the call that failed since Arm, or is empty.
func (in *Injector) Failed() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.failed
}

// fault counts a call and returns the kind of fault to inject, or 0.
func (in *Injector) fault(what string) Kind {
	n := in.calls.Add(1)
	if at := in.failAt.Load(); at == 0 || n != at {
		return 0
	}
	in.mu.Lock()
	in.failed = fmt.Sprintf("call %d (%s)", n, what)
	in.mu.Unlock()
	return Kind(in.kind.Load())
}

type drv struct {
	inner driver.Driver
	in    *Injector
}

func (d *drv) Open(name string) (driver.Conn, error) {
	c, err := d.inner.Open(name)
	if err != nil {
		return nil, err
	}
	return &conn{c: c, in: d.in}, nil
}

// conn wraps a driver connection; once a fault loses it, every call
// reports driver.ErrBadConn and database/sql throws it away, closing it,
// which ends the open transaction on the database as a dropped connection
// does.
type conn struct {
	c    driver.Conn
	in   *Injector
	lost atomic.Bool
}

func (c *conn) lose() { c.lost.Store(true) }

// inject applies fault k to a call with context ctx (nil for none).
func (c *conn) inject(ctx context.Context, k Kind) error {
	switch k {
	case BadConn:
		c.lose()
		return driver.ErrBadConn
	case Deadline:
		if ctx != nil {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(10 * time.Second):
				return fmt.Errorf("%w: the context never ended", ErrInjected)
			}
		}
	}
	return ErrInjected
}

func (c *conn) Prepare(q string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), q)
}

func (c *conn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	if c.lost.Load() {
		return nil, driver.ErrBadConn
	}
	if k := c.in.fault("Prepare " + q); k != 0 {
		return nil, c.inject(ctx, k)
	}
	if p, ok := c.c.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, q)
	}
	return c.c.Prepare(q)
}

func (c *conn) Close() error { return c.c.Close() }

func (c *conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if c.lost.Load() {
		return nil, driver.ErrBadConn
	}
	if k := c.in.fault("Begin"); k != 0 {
		return nil, c.inject(ctx, k)
	}
	t, err := c.c.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &tx{t: t, c: c}, nil
}

func (c *conn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	if c.lost.Load() {
		return nil, driver.ErrBadConn
	}
	if k := c.in.fault("Exec " + q); k != 0 {
		return nil, c.inject(ctx, k)
	}
	return c.c.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (c *conn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	if c.lost.Load() {
		return nil, driver.ErrBadConn
	}
	if k := c.in.fault("Query " + q); k != 0 {
		return nil, c.inject(ctx, k)
	}
	rows, err := c.c.(driver.QueryerContext).QueryContext(ctx, q, args)
	if err != nil {
		return nil, err
	}
	return &rowsWrap{Rows: rows, c: c}, nil
}

// CheckNamedValue lets the wrapped driver convert arguments its own way
// (pgx takes arrays and its own types).
func (c *conn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.c.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// IsValid tells database/sql to drop a lost connection.
func (c *conn) IsValid() bool {
	if c.lost.Load() {
		return false
	}
	if v, ok := c.c.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *conn) ResetSession(ctx context.Context) error {
	if c.lost.Load() {
		return driver.ErrBadConn
	}
	if r, ok := c.c.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

type rowsWrap struct {
	driver.Rows
	c *conn
}

func (r *rowsWrap) Next(dest []driver.Value) error {
	if r.c.lost.Load() {
		return driver.ErrBadConn
	}
	if k := r.c.in.fault("Next"); k != 0 {
		return r.c.inject(nil, k)
	}
	return r.Rows.Next(dest)
}

type tx struct {
	t driver.Tx
	c *conn
}

func (t *tx) Commit() error {
	if t.c.lost.Load() {
		return driver.ErrBadConn
	}
	switch k := t.c.in.fault("Commit"); k {
	case 0:
		return t.t.Commit()
	case CommitLost:
		if err := t.t.Commit(); err != nil {
			return err
		}
		t.c.lose()
		return ErrLost
	default:
		t.c.lose() // the server rolls the transaction back when the connection goes
		if k == BadConn {
			return driver.ErrBadConn
		}
		return ErrInjected
	}
}

func (t *tx) Rollback() error {
	if t.c.lost.Load() {
		return driver.ErrBadConn
	}
	k := t.c.in.fault("Rollback")
	if k == 0 && t.c.in.failRollback.Load() {
		k = Error
		t.c.in.mu.Lock()
		t.c.in.rollbackFailed = true
		t.c.in.mu.Unlock()
	}
	if k != 0 {
		t.c.lose()
		if k == BadConn {
			return driver.ErrBadConn
		}
		return ErrInjected
	}
	return t.t.Rollback()
}
