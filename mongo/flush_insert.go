package mongo

import (
	"context"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// reserve takes n consecutive integer keys for m's collection from the
// counters collection, outside any transaction, and returns the first.
func (b *engine) reserve(ctx context.Context, s backend.Scope, m *meta.Entity, n int) (int64, error) {
	start := now(s.Env)
	var doc struct {
		Seq int64 `bson:"seq"`
	}
	err := b.db.Collection(countersCollection).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: m.Table}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "seq", Value: int64(n)}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&doc)
	err = observe(ctx, s.Env, fmt.Sprintf("NEXTVAL %q (%d keys)", m.Table, n), int64(n), start, err)
	return doc.Seq - int64(n) + 1, err
}

// advance moves m's counter up to the largest of the explicit integer keys
// of rows, outside any transaction, so that keys reserved later are above
// them. $max only ever raises the counter, so concurrent reservations and
// advances cannot undo one another; a counter moved for keys whose insert
// then fails leaves a gap, as a reservation does.
func (b *engine) advance(ctx context.Context, s backend.Scope, m *meta.Entity, rows []backend.Row) error {
	top := m.Auto.Int(rows[0].Ptr)
	for _, r := range rows[1:] {
		top = max(top, m.Auto.Int(r.Ptr))
	}
	start := now(s.Env)
	_, err := b.db.Collection(countersCollection).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: m.Table}},
		bson.D{{Key: "$max", Value: bson.D{{Key: "seq", Value: top}}}},
		options.UpdateOne().SetUpsert(true))
	return observe(ctx, s.Env, fmt.Sprintf("SETVAL %q (at least %d)", m.Table, top), 1, start, err)
}

// countersCollection holds the last integer key given out per collection.
const countersCollection = "orm_counters"

// insert writes an Insert batch with insertMany, a command per batch size:
// generated integer keys are reserved first, explicit ones advance the
// counter. Undone by deleting what was inserted.
func (b *engine) insert(ctx context.Context, s backend.Scope, comp *compensator, bt *backend.Batch) error {
	m := bt.Entity
	c, err := b.coll(m)
	if err != nil {
		return err
	}
	if bt.Generated {
		first, err := b.reserve(context.WithoutCancel(ctx), s, m, len(bt.Rows))
		if err != nil {
			return err
		}
		for i, r := range bt.Rows {
			m.Auto.SetInt(r.Ptr, first+int64(i))
		}
	} else if m.Auto != nil {
		if err := b.advance(context.WithoutCancel(ctx), s, m, bt.Rows); err != nil {
			return err
		}
	}
	docs := make([]any, len(bt.Rows))
	ids := make(bson.A, len(bt.Rows))
	for i, r := range bt.Rows {
		d, err := document(m, r.Ptr, r.Null)
		if err != nil {
			return err
		}
		docs[i], ids[i] = d, d[0].Value
	}
	n := 0
	var hookErr error
	size := len(docs)
	if s.Env != nil && s.Env.BatchSize > 0 && s.Env.BatchSize < size {
		size = s.Env.BatchSize
	}
	for chunk := range slices.Chunk(docs, max(size, 1)) {
		start := now(s.Env)
		_, err = c.InsertMany(ctx, chunk)
		if h := observe(ctx, s.Env, fmt.Sprintf("INSERT INTO %q insertMany (%d documents)", m.Table, len(chunk)), int64(len(chunk)), start, err); isHookPanic(h) {
			hookErr = h
		}
		// Generated keys cannot belong to older documents, so when the error
		// does not say how far the insert got, undo all of it.
		unknown := 0
		if bt.Generated {
			unknown = len(chunk)
		}
		n += applied(len(chunk), err, unknown)
		if err != nil || hookErr != nil {
			break
		}
	}
	done := ids[:n]
	if len(done) > 0 {
		comp.push(func(ctx context.Context) error {
			_, err := c.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: done}}}})
			return err
		})
	}
	if hookErr != nil {
		return hookErr
	}
	return classify(m.Table, err)
}
