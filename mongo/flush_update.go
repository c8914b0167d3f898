package mongo

import (
	"context"
	"fmt"
	"strings"
	"unsafe"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/unitofwork/orm/internal/backend"
)

// tokenKey is the document key where a compensated flush marks what it
// updated.
const tokenKey = "_orm_flush"

// update writes an Update batch as ordered bulk writes of updateOne
// {$set: changed fields}, each filtered by key and, when versioned, by the
// expected version, which it increments. Undone by setting the fields back
// to the snapshot's values.
func (b *engine) update(ctx context.Context, s backend.Scope, comp *compensator, bt *backend.Batch) error {
	m := bt.Entity
	c, err := b.coll(m)
	if err != nil {
		return err
	}
	versioned := m.Version != nil && !bt.Fixup
	// A compensated flush marks the documents it updates with a token of
	// its own, so that undoing touches only what it wrote, not what another
	// writer wrote since.
	token := ""
	if comp != nil {
		token = bson.NewObjectID().Hex()
	}
	filter := func(r backend.Row, bump int64) (bson.D, error) {
		id, err := keyValue(m, r.Key)
		if err != nil {
			return nil, err
		}
		f := bson.D{{Key: "_id", Value: id}}
		if bump < 0 && token != "" {
			return append(f, bson.E{Key: tokenKey, Value: token}), nil
		}
		if versioned {
			f = append(f, bson.E{Key: m.Version.Column, Value: m.Version.Int(r.Key)})
		}
		return f, nil
	}
	set := func(r backend.Row, from unsafe.Pointer, bump int64) (bson.D, error) {
		var d bson.D
		for _, f := range bt.Fields {
			if !r.Changed.Has(f.Pos) {
				continue
			}
			v, err := value(m, f, from)
			if err != nil {
				return nil, err
			}
			d = append(d, bson.E{Key: f.Column, Value: v})
		}
		if token != "" && bump > 0 {
			d = append(d, bson.E{Key: tokenKey, Value: token})
		}
		u := bson.D{{Key: "$set", Value: d}}
		if versioned {
			u = append(u, bson.E{Key: "$inc", Value: bson.D{{Key: m.Version.Column, Value: bump}}})
		}
		return u, nil
	}
	models := make([]mongo.WriteModel, len(bt.Rows))
	for i, r := range bt.Rows {
		f, err := filter(r, 1)
		if err != nil {
			return err
		}
		u, err := set(r, r.Ptr, 1)
		if err != nil {
			return err
		}
		models[i] = mongo.NewUpdateOneModel().SetFilter(f).SetUpdate(u)
	}
	var cols []string
	for _, f := range bt.Fields {
		cols = append(cols, f.Column)
	}
	matched, done, err := b.bulk(ctx, s, c, models, func(n int) string {
		return fmt.Sprintf("UPDATE %q bulkWrite updateOne ×%d $set %s", m.Table, n, strings.Join(cols, ", "))
	})
	b.undoUpdates(comp, c, bt, bt.Rows[:done], filter, set)
	if err != nil {
		return classify(m.Table, err)
	}
	if versioned && matched != int64(len(bt.Rows)) {
		return &staleError{m, bt.Rows}
	}
	return nil
}

// undoUpdates registers the undo of the updates of done: each row's changed
// fields set back to its snapshot, where the row still holds what this flush
// wrote.
func (b *engine) undoUpdates(comp *compensator, c *mongo.Collection, bt *backend.Batch, done []backend.Row,
	filter func(backend.Row, int64) (bson.D, error), set func(backend.Row, unsafe.Pointer, int64) (bson.D, error)) {
	if !bt.Fixup {
		comp.push(func(ctx context.Context) error {
			var undo []mongo.WriteModel
			for _, r := range done {
				f, err := filter(r, -1)
				if err != nil {
					return err
				}
				u, err := set(r, r.Key, -1)
				if err != nil {
					return err
				}
				undo = append(undo, mongo.NewUpdateOneModel().SetFilter(f).SetUpdate(u))
			}
			if len(undo) == 0 {
				return nil
			}
			_, _, err := b.bulk(ctx, backend.Scope{}, c, undo, func(int) string { return "" })
			return err
		})
	}
}
