package sql

import (
	"context"
	"fmt"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/sqlconn"
)

// A flush whose statements need nothing back from one another is sent as
// one batch, in one round trip, where the connection can (a Batcher:
// PostgreSQL's pipeline mode): BEGIN, every statement, COMMIT. That is a
// flush with no key for the database to generate (client-side keys,
// explicit keys) and no versioned row, outside a transaction: the
// parameters of every statement are known before the first is sent, and
// nothing read back decides whether to commit. A generated key, a
// database default read back or a version check (fewer rows matched than
// sent must roll back) sends statement by statement as before.
//
// The query hook is told of BEGIN, each statement and COMMIT, as for a
// flush sent statement by statement, once the batch's results are in. A
// statement that fails stops the batch there (the server skips the rest),
// the transaction is rolled back, and the error names the statement; a
// connection lost before every answer arrived leaves the outcome unknown,
// as for a COMMIT (an *orm.CommitUnknownError), since the COMMIT was sent
// with the rest.

// piece is one statement of a chunk: its text and arguments, and how an
// error of its is reported.
type piece struct {
	stmt
	fail func(error) error
}

// pipelines reports whether the flush of chunks goes as one batch.
func (b *engine) pipelines(s backend.Scope, chunks []chunk, needTx, pin bool) bool {
	if !needTx || pin || s.Tx != nil {
		return false
	}
	if _, ok := b.pool.(sqlconn.BatchPool); !ok {
		return false
	}
	for _, ch := range chunks {
		bt := ch.batch
		switch bt.Kind {
		case backend.Insert:
			if bt.Generated || len(bt.Defaults) > 0 || insertStatements(b.d, bt, len(ch.rows)) != 1 {
				return false
			}
		case backend.Update, backend.Delete:
			if versioned(bt) {
				return false
			}
		}
	}
	return true
}

// pieces compiles the statements of a chunk that needs nothing back from
// the database but the rows each statement affected: an INSERT whose keys
// are known (and the move of the key generator past them), an UPDATE or
// DELETE, and pivot rows.
func (b *engine) pieces(ch chunk) ([]piece, error) {
	bt, m := ch.batch, ch.batch.Entity
	var st stmt
	var err error
	fail := func(op string) func(error) error {
		return func(err error) error { return failed(op, m, err) }
	}
	isPivot := false
	pivot := func(op string) func(error) error {
		rel := bt.Rel
		isPivot = true
		return func(err error) error {
			return fmt.Errorf("orm: %s pivot rows of %s.%s: %w", op, rel.Owner.Name, rel.Name, err)
		}
	}
	var wrap func(error) error
	switch bt.Kind {
	case backend.Insert:
		st, err = insertStmt(b.d, &b.texts, bt, ch.rows)
		wrap = fail("insert")
	case backend.Update:
		st, err = updateStmt(b.d, bt, ch.rows)
		wrap = fail("update")
	case backend.Delete:
		st, err = deleteStmt(b.d, bt, ch.rows)
		wrap = fail("delete")
	case backend.PivotInsert:
		st, err = pivotStmt(b.d, bt, ch.links)
		wrap = pivot("insert")
	case backend.PivotDelete:
		st, err = pivotStmt(b.d, bt, ch.links)
		wrap = pivot("delete")
	case backend.PivotClear:
		st, err = pivotClearStmt(b.d, bt, ch.rows)
		wrap = pivot("delete")
	default:
		return nil, fmt.Errorf("orm: a batch of kind %d", bt.Kind)
	}
	if err != nil {
		if isPivot {
			return nil, wrap(err) // as the pivot statement's error always was
		}
		return nil, err
	}
	out := []piece{{st, wrap}}
	if ch.advance {
		adv, top := advanceKeyStmt(b.d, bt)
		out = append(out, piece{adv, func(err error) error {
			return fmt.Errorf("orm: insert %s: advancing the key generator past %d: %w", m.Name, top, err)
		}})
	}
	return out, nil
}

// pipeline sends the flush of chunks as one batch: see above.
func (b *engine) pipeline(ctx context.Context, s backend.Scope, chunks []chunk) error {
	ps := []piece{{stmt: stmt{text: "BEGIN"}, fail: func(err error) error { return err }}}
	for _, ch := range chunks {
		more, err := b.pieces(ch)
		if err != nil {
			return err
		}
		ps = append(ps, more...)
	}
	ps = append(ps, piece{stmt: stmt{text: "COMMIT"}, fail: func(err error) error { return err }})
	stmts := make([]sqlconn.Stmt, len(ps))
	for i, p := range ps {
		stmts[i] = sqlconn.Stmt{Query: p.text, Args: p.args}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	c, release, err := b.pool.(sqlconn.BatchPool).PinBatch(ctx)
	if err != nil {
		return b.observed(ctx, s.Env, "BEGIN", nil, 0, backend.Now(s.Env), err)
	}
	defer release()
	start := backend.Now(s.Env)
	rows, at, err := c.Batch(ctx, stmts)
	// Tell the hook of what ran, in order; the first panic of the hook is
	// reported once the outcome is known.
	var hook error
	tell := func(i int, n int64, err error) error {
		e := b.observed(ctx, s.Env, ps[i].text, ps[i].args, n, start, err)
		if _, ok := e.(*backend.HookPanic); ok && hook == nil {
			hook = e
		}
		return e
	}
	for i, n := range rows {
		tell(i, n, nil)
	}
	if at < 0 {
		return backend.Committed(hook)
	}
	e := tell(at, 0, err)
	if hp, ok := e.(*backend.HookPanic); ok {
		e = hp.Err
	}
	switch {
	case at == len(ps)-1 && !b.serverError(err),
		at < len(ps)-1 && (b.connectionLost(err) || ctx.Err() != nil && !b.serverError(err)):
		// The COMMIT went out with the rest: whether it took effect is
		// not known.
		e = &orm.CommitUnknownError{Err: e}
	case at < len(ps)-1:
		if hp, ok := backend.Observe(ctx, s.Env, "ROLLBACK", nil, 0, start, nil).(*backend.HookPanic); ok && hook == nil {
			hook = hp
		}
		e = ps[at].fail(e)
	}
	if hook != nil {
		return hook
	}
	return e
}
