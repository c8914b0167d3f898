package mongo

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/internal/backend"
)

// tx is a transaction on a session.
type tx struct {
	b    *engine
	env  *backend.Env
	sess *mongo.Session
}

// Begin starts a transaction. MongoDB has no savepoints, so transactions do
// not nest, and a deployment without transactions (a standalone server,
// FerretDB) refuses them; an isolation level, which MongoDB has none of,
// is refused too rather than ignored.
func (b *engine) Begin(ctx context.Context, s backend.Scope, opts backend.TxOptions) (backend.Tx, error) {
	if opts.Isolation != 0 {
		return nil, fmt.Errorf("orm: mongo: Isolation(%v): MongoDB transactions have no isolation levels (they read a snapshot)", stdsql.IsolationLevel(opts.Isolation))
	}
	if s.Tx != nil {
		return nil, errors.New("orm: mongo: transactions do not nest (MongoDB has no savepoints)")
	}
	if !b.txs {
		return nil, errors.New("orm: mongo: this deployment has no transactions (a standalone server or FerretDB); a flush outside a transaction is compensated instead")
	}
	start := now(s.Env)
	sess, err := b.client.StartSession()
	if err == nil {
		if err = sess.StartTransaction(); err != nil {
			sess.EndSession(ctx)
		}
	}
	if h := observe(ctx, s.Env, "BEGIN", 0, start, err); h != nil {
		if err == nil { // the hook panicked: end the transaction just begun
			_ = sess.AbortTransaction(context.WithoutCancel(ctx))
			sess.EndSession(context.WithoutCancel(ctx))
		}
		return nil, h
	}
	return &tx{b: b, env: s.Env, sess: sess}, nil
}

func (t *tx) Commit(ctx context.Context) error {
	defer t.sess.EndSession(context.WithoutCancel(ctx))
	start := now(t.env)
	err := t.sess.CommitTransaction(ctx)
	var labeled mongo.LabeledError
	if err != nil && (errors.As(err, &labeled) && labeled.HasErrorLabel("UnknownTransactionCommitResult") || mongo.IsNetworkError(err) || ctx.Err() != nil) {
		err = &orm.CommitUnknownError{Err: err}
	} else {
		err = classify("", err)
	}
	return backend.Committed(observe(ctx, t.env, "COMMIT", 0, start, err))
}

func (t *tx) Rollback(ctx context.Context) error {
	defer t.sess.EndSession(context.WithoutCancel(ctx))
	start := now(t.env)
	err := t.sess.AbortTransaction(ctx)
	return observe(ctx, t.env, "ROLLBACK", 0, start, err)
}

// ctxOf returns the context a command of scope s runs with: the
// transaction's session context inside a transaction.
func ctxOf(ctx context.Context, s backend.Scope) context.Context {
	if t, ok := s.Tx.(*tx); ok {
		return mongo.NewSessionContext(ctx, t.sess)
	}
	return ctx
}
