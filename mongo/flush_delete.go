package mongo

import (
	"context"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// delete writes a Delete batch: a deleteMany {_id: {$in: …}} per batch
// size.
func (b *engine) delete(ctx context.Context, s backend.Scope, comp *compensator, bt *backend.Batch) error {
	for rows := range slices.Chunk(bt.Rows, b.batch(s, len(bt.Rows), false)) {
		if err := b.deleteChunk(ctx, s, comp, bt.Entity, rows); err != nil {
			return err
		}
	}
	return nil
}

// deleteChunk deletes the documents of rows, checking their versions where
// m has one. Undone by inserting them again.
func (b *engine) deleteChunk(ctx context.Context, s backend.Scope, comp *compensator, m *meta.Entity, rows []backend.Row) error {
	c, err := b.coll(m)
	if err != nil {
		return err
	}
	versioned := m.Version != nil
	ids := make(bson.A, len(rows))
	or := make(bson.A, len(rows))
	for i, r := range rows {
		if ids[i], err = keyValue(m, r.Key); err != nil {
			return err
		}
		if versioned {
			or[i] = bson.D{{Key: "_id", Value: ids[i]}, {Key: m.Version.Column, Value: m.Version.Int(r.Key)}}
		}
	}
	filter := bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}
	if versioned {
		filter = bson.D{{Key: "$or", Value: or}}
	}
	if comp != nil {
		// Keep the documents, to put them back if the flush fails: rebuilt
		// from the snapshots where the Session loaded them (and they hold no
		// many-to-many arrays), read from the database otherwise.
		var saved []any
		read := false
		for _, r := range rows {
			if r.Key == r.Ptr {
				read = true
			} else if _, ok := arrays(m, r.Ptr, nil); !ok {
				read = true
			}
		}
		if read {
			err := b.find(ctx, s, m, filter, options.Find(), func(doc bson.Raw) error {
				saved = append(saved, bson.Raw(slices.Clone(doc)))
				return nil
			})
			if err != nil {
				return err
			}
		} else {
			for _, r := range rows {
				d, err := document(m, r.Key, nil)
				if err != nil {
					return err
				}
				d, _ = arrays(m, r.Ptr, d)
				saved = append(saved, d)
			}
		}
		defer func() {
			if len(saved) > 0 {
				comp.push(func(ctx context.Context) error {
					_, err := c.InsertMany(ctx, saved, options.InsertMany().SetOrdered(false))
					if mongo.IsDuplicateKeyError(err) {
						return nil // not deleted after all
					}
					return err
				})
			}
		}()
	}
	start := now(s.Env)
	res, err := c.DeleteMany(ctx, filter)
	var n int64
	if res != nil {
		n = res.DeletedCount
	}
	if h := observe(ctx, s.Env, fmt.Sprintf("DELETE FROM %q deleteMany (%d keys)", m.Table, len(ids)), n, start, err); isHookPanic(h) {
		return h
	}
	if err != nil {
		return classify(m.Table, err)
	}
	if versioned && n != int64(len(rows)) {
		return &staleError{m, rows}
	}
	return nil
}
