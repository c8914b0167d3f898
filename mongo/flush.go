package mongo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"unsafe"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// compensator collects what undoes each write of a flush that runs without
// a transaction, so that a failed flush can put the database back.
type compensator struct {
	undo []func(ctx context.Context) error
}

// push records how to undo the write just sent; on a nil compensator (a
// flush in a transaction) it does nothing.
func (c *compensator) push(fn func(ctx context.Context) error) {
	if c != nil {
		c.undo = append(c.undo, fn)
	}
}

// run undoes the writes in reverse order.
func (c *compensator) run(ctx context.Context) error {
	var errs []error
	for _, fn := range slices.Backward(c.undo) {
		if err := fn(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// staleError reports a versioned write that matched fewer documents than it
// carried.
type staleError struct {
	m    *meta.Entity
	rows []backend.Row
}

func (e *staleError) Error() string { return "orm: mongo: stale " + e.m.Name }

// Flush executes the plan: inside the Session's transaction, in a
// transaction of its own where the deployment has them, and otherwise
// compensated (see the package documentation).
func (b *engine) Flush(ctx context.Context, s backend.Scope, p *backend.Plan) error {
	err := backend.CheckPlan(p, b.refuses)
	if err != nil {
		return err
	}
	switch {
	case s.Tx != nil:
		err = b.writeAll(ctxOf(ctx, s), s, nil, p)
	case b.txs && writes(p) > 1:
		var t backend.Tx
		if t, err = b.Begin(ctx, s, backend.TxOptions{}); err != nil {
			return err
		}
		ts := backend.Scope{Env: s.Env, Tx: t}
		if err = b.writeAll(ctxOf(ctx, ts), ts, nil, p); err != nil {
			_ = t.Rollback(context.WithoutCancel(ctx))
		} else {
			err = t.Commit(ctx)
		}
	default:
		comp := &compensator{}
		if err = b.writeAll(ctx, s, comp, p); err != nil {
			if cerr := comp.run(context.WithoutCancel(ctx)); cerr != nil {
				err = errors.Join(err, fmt.Errorf("orm: mongo: undoing the failed flush also failed, so the database may hold part of it: %w", cerr))
			}
		}
	}
	if durable(err) {
		relink(p)
	}
	var se *staleError
	if errors.As(err, &se) {
		return b.lockConflict(ctx, s, se.m, se.rows)
	}
	return err
}

// durable reports whether a flush that ended with err wrote for good: it
// succeeded, or only a query hook panicked after it committed.
func durable(err error) bool {
	var hp *backend.HookPanic
	return err == nil || errors.As(err, &hp) && hp.Committed
}

// writes counts the commands a plan sends.
func writes(p *backend.Plan) int {
	n := 0
	for _, bt := range p.Batches {
		n++
		if bt.Kind == backend.Insert && bt.Generated {
			n++
		}
	}
	return n
}

// writeAll sends the plan's batches in order, recording in comp, when set,
// how to undo each write.
func (b *engine) writeAll(ctx context.Context, s backend.Scope, comp *compensator, p *backend.Plan) error {
	for _, bt := range p.Batches {
		var err error
		switch bt.Kind {
		case backend.Insert:
			err = b.insert(ctx, s, comp, bt)
		case backend.Update:
			err = b.update(ctx, s, comp, bt)
		case backend.Delete:
			err = b.delete(ctx, s, comp, bt)
		case backend.PivotInsert, backend.PivotDelete:
			err = b.pivot(ctx, s, comp, bt)
		case backend.PivotClear:
			err = b.pivotClear(ctx, s, comp, bt)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// applied returns how many writes of an ordered bulk succeeded; when the
// error does not say, unknown, it returns unknown.
func applied(n int, err error, unknown int) int {
	if err == nil {
		return n
	}
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) && len(bwe.WriteErrors) > 0 {
		return bwe.WriteErrors[0].Index
	}
	return unknown
}

// batch is how many of n writes one command carries: all of them, unless
// WithBatchSize or, for updates, the server's limit says fewer.
func (b *engine) batch(s backend.Scope, n int, updates bool) int {
	size := n
	if s.Env != nil && s.Env.BatchSize > 0 && s.Env.BatchSize < size {
		size = s.Env.BatchSize
	}
	if updates && b.maxUpdates > 0 && b.maxUpdates < size {
		size = b.maxUpdates
	}
	return max(size, 1)
}

// bulk sends update models in ordered bulk writes, at most maxUpdates a
// command, observing each as stmt(n); it returns the documents matched and
// how many models were applied.
func (b *engine) bulk(ctx context.Context, s backend.Scope, c *mongo.Collection, models []mongo.WriteModel, stmt func(n int) string) (int64, int, error) {
	size := b.batch(s, len(models), true)
	var matched int64
	done := 0
	for chunk := range slices.Chunk(models, max(size, 1)) {
		start := now(s.Env)
		res, err := c.BulkWrite(ctx, chunk)
		var n int64
		if res != nil {
			n = res.MatchedCount
		}
		matched += n
		h := observe(ctx, s.Env, stmt(len(chunk)), n, start, err)
		done += applied(len(chunk), err, len(chunk)) // undo is marked by token: harmless if not applied
		if h != nil {
			return matched, done, h
		}
	}
	return matched, done, nil
}

// lockConflict finds which versioned document of a batch was changed or
// removed by someone else.
func (b *engine) lockConflict(ctx context.Context, s backend.Scope, m *meta.Entity, rows []backend.Row) error {
	ids := make(bson.A, len(rows))
	for i, r := range rows {
		ids[i], _ = keyValue(m, r.Key)
	}
	current := map[meta.Key]int64{}
	err := b.findEntities(ctxOf(ctx, s), s, m, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, options.Find(), func(p unsafe.Pointer, _ bson.Raw) error {
		current[m.Key(p)] = m.Version.Int(p)
		return nil
	})
	if err != nil {
		return err
	}
	conflict := rows[0].Key
	for _, r := range rows {
		if v, ok := current[m.Key(r.Key)]; !ok || v != m.Version.Int(r.Key) {
			conflict = r.Key
			break
		}
	}
	return &orm.OptimisticLockError{Entity: m.Name, Key: m.KeyValue(conflict), Version: m.Version.Int(conflict)}
}
