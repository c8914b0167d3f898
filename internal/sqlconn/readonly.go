package sqlconn

import (
	"context"
	"database/sql"
	"database/sql/driver"
)

// ReadOnlyBy adapts a *sql.DB, as FromDB does, for a database whose
// transactions cannot be read-only themselves, such as SQLite: each
// read-only transaction runs on a connection of its own, which the
// statement on makes refuse writes before the BEGIN (PRAGMA query_only = 1)
// and off makes accept them again after the COMMIT or ROLLBACK, however the
// transaction ends (its context ending included). A connection off fails on
// is closed rather than handed back to the pool still refusing writes.
func ReadOnlyBy(db *sql.DB, on, off string) Pool {
	return stdPool{db: db, readOnly: &[2]string{on, off}}
}

// beginSwitched begins a transaction on a connection switched by on, which
// its end switches back by off.
func beginSwitched(ctx context.Context, db *sql.DB, opts *sql.TxOptions, on, off string) (Tx, error) {
	c, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := c.ExecContext(ctx, on); err != nil {
		switchBack(c, off)
		return nil, err
	}
	tx, err := c.BeginTx(ctx, opts)
	if err != nil {
		switchBack(c, off)
		return nil, err
	}
	return &switchedTx{stdTx: stdTx{tx}, c: c, off: off}, nil
}

// switchBack runs off on c and gives it back to the pool, or closes it when
// off fails.
func switchBack(c *sql.Conn, off string) {
	if _, err := c.ExecContext(context.Background(), off); err != nil {
		_ = c.Raw(func(any) error { return driver.ErrBadConn }) // discards it
	}
	_ = c.Close()
}

// switchedTx is a transaction on a connection of its own, switched back
// when it ends.
type switchedTx struct {
	stdTx
	c   *sql.Conn
	off string
}

func (t *switchedTx) Commit(ctx context.Context) error {
	defer t.end()
	return t.stdTx.Commit(ctx)
}

func (t *switchedTx) Rollback(ctx context.Context) error {
	defer t.end()
	return t.stdTx.Rollback(ctx)
}

func (t *switchedTx) end() {
	if t.c != nil {
		switchBack(t.c, t.off)
		t.c = nil
	}
}
