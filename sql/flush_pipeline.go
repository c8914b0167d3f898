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
		if b.readsBack(ch) || checked(ch.batch) {
			return false
		}
	}
	return true
}

// readsBack reports whether a chunk is an INSERT that needs more from the
// database than the rows it affected: generated keys, defaults, or one
// statement a row (insert, not pieces, sends it).
func (b *engine) readsBack(ch chunk) bool {
	bt := ch.batch
	return bt.Kind == backend.Insert && (bt.Generated || len(bt.Defaults) > 0 || insertStatements(b.d, bt, len(ch.rows)) > 1)
}

// checked reports whether bt is a versioned UPDATE or DELETE, whose rows
// affected decide whether the flush commits.
func checked(bt *backend.Batch) bool {
	return (bt.Kind == backend.Update || bt.Kind == backend.Delete) && versioned(bt)
}

// ops names what each kind of batch does, for its errors.
var ops = map[backend.Kind]string{
	backend.Insert: "insert", backend.Update: "update", backend.Delete: "delete",
	backend.PivotInsert: "insert", backend.PivotDelete: "delete", backend.PivotClear: "delete",
}

// pieces compiles the statements of a chunk that needs nothing back from
// the database but the rows each statement affected: an INSERT whose keys
// are known (and the move of the key generator past them), an UPDATE or
// DELETE, and pivot rows.
func (b *engine) pieces(ch chunk) ([]piece, error) {
	bt, m, op := ch.batch, ch.batch.Entity, ops[ch.batch.Kind]
	fail := func(err error) error { return failed(op, m, err) }
	var st stmt
	var err error
	switch bt.Kind {
	case backend.Insert:
		st, err = insertStmt(b.d, &b.texts, bt, ch.rows)
	case backend.Update:
		st, err = updateStmt(b.d, bt, ch.rows)
	case backend.Delete:
		st, err = deleteStmt(b.d, bt, ch.rows)
	case backend.PivotInsert, backend.PivotDelete, backend.PivotClear:
		if bt.Kind == backend.PivotClear {
			st, err = pivotClearStmt(b.d, bt, ch.rows)
		} else {
			st, err = pivotStmt(b.d, bt, ch.links)
		}
		rel := bt.Rel
		fail = func(err error) error {
			return fmt.Errorf("orm: %s pivot rows of %s.%s: %w", op, rel.Owner.Name, rel.Name, err)
		}
		if err != nil {
			return nil, fail(err) // as a pivot statement's error always was
		}
	default:
		return nil, fmt.Errorf("orm: a batch of kind %d", bt.Kind)
	}
	if err != nil {
		return nil, err
	}
	out := []piece{{st, fail}}
	if ch.advance {
		adv, top := advanceKeyStmt(b.d, bt)
		out = append(out, piece{adv, func(err error) error {
			return fmt.Errorf("orm: insert %s: advancing the key generator past %d: %w", m.Name, top, err)
		}})
	}
	return out, nil
}

// asIs is the fail of BEGIN and COMMIT, whose errors are reported as they are.
func asIs(err error) error { return err }

// pipeline sends the flush of chunks as one batch: see above.
func (b *engine) pipeline(ctx context.Context, s backend.Scope, chunks []chunk) error {
	ps := []piece{{stmt: stmt{text: "BEGIN"}, fail: asIs}}
	for _, ch := range chunks {
		more, err := b.pieces(ch)
		if err != nil {
			return err
		}
		ps = append(ps, more...)
	}
	ps = append(ps, piece{stmt: stmt{text: "COMMIT"}, fail: asIs})
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
