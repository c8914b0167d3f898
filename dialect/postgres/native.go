package postgres

import (
	"context"
	stdsql "database/sql"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/unitofwork/orm/internal/sqlconn"
)

// nativePool sends statements straight through pgx, without database/sql:
// measured faster (see the package documentation).
type nativePool struct{ p *pgxpool.Pool }

func nativeExec(ctx context.Context, exec func(context.Context, string, ...any) (int64, error), q string, args []any) (sqlconn.Result, error) {
	n, err := exec(ctx, q, args...)
	return sqlconn.Result{RowsAffected: n}, err
}

func nativeQuery(ctx context.Context, query func(context.Context, string, ...any) (pgx.Rows, error), q string, args []any, dest []any, each func() error) (int64, error) {
	rows, err := query(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	return sqlconn.ScanRows(textColumns(rows, dest), dest, each)
}

// nativeQueryColumns runs a raw query for sqlconn's QueryColumns.
func nativeQueryColumns(ctx context.Context, query func(context.Context, string, ...any) (pgx.Rows, error), q string, args []any, fn func(sqlconn.ColumnRows) error) error {
	rows, err := query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	fds := rows.FieldDescriptions()
	cols := make([]string, len(fds))
	for i, fd := range fds {
		cols[i] = fd.Name
	}
	if err := fn(columnRows{rows, cols}); err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}

type columnRows struct {
	pgx.Rows
	cols []string
}

func (r columnRows) Columns() []string { return r.cols }

// textColumns hands JSON and JSONB columns scanned into an *any over as their
// text, as database/sql's pgx driver does, rather than as pgx's decoding,
// which reads every number as a float64 (losing integers beyond 2^53); and
// NUMERIC columns as their text too, which a decimal type's Scan takes,
// rather than as a pgtype.Numeric, which none does.
func textColumns(rows pgx.Rows, dest []any) sqlconn.Rows {
	var raw, nums []int
	for i, fd := range rows.FieldDescriptions() {
		if i >= len(dest) {
			break
		}
		if _, ok := dest[i].(*any); !ok {
			continue
		}
		switch fd.DataTypeOID {
		case pgtype.JSONOID, pgtype.JSONBOID:
			raw = append(raw, i)
		case pgtype.NumericOID:
			nums = append(nums, i)
		}
	}
	if raw == nil && nums == nil {
		return rows
	}
	return &textRows{Rows: rows, raw: raw, bufs: make([][]byte, len(raw)), nums: nums, texts: make([]pgtype.Text, len(nums))}
}

type textRows struct {
	pgx.Rows
	raw   []int // the JSON columns scanned as their bytes
	bufs  [][]byte
	nums  []int // the NUMERIC columns scanned as text
	texts []pgtype.Text
	sub   []any
}

func (r *textRows) Scan(dest ...any) error {
	r.sub = append(r.sub[:0], dest...)
	for j, i := range r.raw {
		r.bufs[j] = nil
		r.sub[i] = &r.bufs[j]
	}
	for j, i := range r.nums {
		r.sub[i] = &r.texts[j]
	}
	if err := r.Rows.Scan(r.sub...); err != nil {
		return err
	}
	for j, i := range r.raw {
		if b := r.bufs[j]; b != nil {
			*dest[i].(*any) = b
		} else {
			*dest[i].(*any) = nil
		}
	}
	for j, i := range r.nums {
		if t := r.texts[j]; t.Valid {
			*dest[i].(*any) = t.String
		} else {
			*dest[i].(*any) = nil
		}
	}
	return nil
}

func (n nativePool) Exec(ctx context.Context, q string, args []any) (sqlconn.Result, error) {
	return nativeExec(ctx, func(ctx context.Context, q string, args ...any) (int64, error) {
		tag, err := n.p.Exec(ctx, q, args...)
		return tag.RowsAffected(), err
	}, q, args)
}

func (n nativePool) Query(ctx context.Context, q string, args []any, dest []any, each func() error) (int64, error) {
	return nativeQuery(ctx, n.p.Query, q, args, dest, each)
}

func (n nativePool) QueryColumns(ctx context.Context, q string, args []any, fn func(sqlconn.ColumnRows) error) error {
	return nativeQueryColumns(ctx, n.p.Query, q, args, fn)
}

// PinBatch takes one connection of the pool, for a batch.
func (n nativePool) PinBatch(ctx context.Context) (sqlconn.Batcher, func(), error) {
	c, err := n.p.Acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	return nativeConn{c}, c.Release, nil
}

// nativeConn is one connection of the pool, which sends a batch of
// statements in one round trip.
type nativeConn struct{ c *pgxpool.Conn }

// Batch sends stmts as one pgx batch: in pipeline mode, every statement's
// messages and then one Sync, so the round trip is one (two the first time
// a connection sees a statement, which pgx prepares first). After a
// failure the server skips the rest up to the Sync; when that leaves the
// connection in the transaction the batch opened, it is rolled back here
// (a connection that cannot is closed when it is released).
func (n nativeConn) Batch(ctx context.Context, stmts []sqlconn.Stmt) ([]int64, int, error) {
	b := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(stmts))}
	for _, st := range stmts {
		b.Queue(st.Query, st.Args...)
	}
	br := n.c.SendBatch(ctx, b)
	rows := make([]int64, 0, len(stmts))
	for i := range stmts {
		tag, err := br.Exec()
		if err != nil {
			_ = br.Close()
			if pc := n.c.Conn().PgConn(); !pc.IsClosed() && pc.TxStatus() != 'I' {
				_, _ = n.c.Exec(context.WithoutCancel(ctx), "ROLLBACK")
			}
			return rows, i, err
		}
		rows = append(rows, tag.RowsAffected())
	}
	if err := br.Close(); err != nil {
		return rows, len(stmts) - 1, err
	}
	return rows, -1, nil
}

var isoLevels = map[stdsql.IsolationLevel]pgx.TxIsoLevel{
	stdsql.LevelReadUncommitted: pgx.ReadUncommitted,
	stdsql.LevelReadCommitted:   pgx.ReadCommitted,
	stdsql.LevelRepeatableRead:  pgx.RepeatableRead,
	stdsql.LevelSnapshot:        pgx.RepeatableRead,
	stdsql.LevelSerializable:    pgx.Serializable,
	stdsql.LevelLinearizable:    pgx.Serializable,
}

func (n nativePool) Begin(ctx context.Context, isolation stdsql.IsolationLevel, readOnly bool) (sqlconn.Tx, error) {
	opts := pgx.TxOptions{IsoLevel: isoLevels[isolation]}
	if readOnly {
		opts.AccessMode = pgx.ReadOnly
	}
	tx, err := n.p.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return nativeTx{tx}, nil
}

func (n nativePool) Close() error {
	n.p.Close()
	return nil
}

type nativeTx struct{ tx pgx.Tx }

func (t nativeTx) Exec(ctx context.Context, q string, args []any) (sqlconn.Result, error) {
	return nativeExec(ctx, func(ctx context.Context, q string, args ...any) (int64, error) {
		tag, err := t.tx.Exec(ctx, q, args...)
		return tag.RowsAffected(), err
	}, q, args)
}

func (t nativeTx) Query(ctx context.Context, q string, args []any, dest []any, each func() error) (int64, error) {
	return nativeQuery(ctx, t.tx.Query, q, args, dest, each)
}

func (t nativeTx) QueryColumns(ctx context.Context, q string, args []any, fn func(sqlconn.ColumnRows) error) error {
	return nativeQueryColumns(ctx, t.tx.Query, q, args, fn)
}

func (t nativeTx) Commit(ctx context.Context) error   { return t.tx.Commit(ctx) }
func (t nativeTx) Rollback(ctx context.Context) error { return t.tx.Rollback(ctx) }
