package mongo

import (
	"context"
	"fmt"
	"slices"
	"unicode/utf8"
	"unsafe"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// atomically runs fn inside the Session's transaction, in one of its own
// where the deployment has transactions and fn sends more than one
// command (many), and otherwise as it is: a write without loading on a
// deployment without transactions is not undone when it fails part-way
// (see the package documentation).
func (b *engine) atomically(ctx context.Context, s backend.Scope, many bool, fn func(ctx context.Context, s backend.Scope) error) error {
	if s.Tx != nil || !b.txs || !many {
		return fn(ctxOf(ctx, s), s)
	}
	t, err := b.Begin(ctx, s, backend.TxOptions{})
	if err != nil {
		return err
	}
	ts := backend.Scope{Env: s.Env, Tx: t}
	if err := fn(ctxOf(ctx, ts), ts); err != nil {
		_ = t.Rollback(context.WithoutCancel(ctx))
		return err
	}
	return t.Commit(ctx)
}

// Write runs a set-based write: an updateMany of $set and $inc, or a
// deleteMany. Asked for the documents written, it reads the ones the
// filter matches first, writes those only (by _id), and after an update
// reads them again.
func (b *engine) Write(ctx context.Context, s backend.Scope, w *backend.Write) (int64, error) {
	m := w.Entity
	c, err := b.coll(m)
	if err != nil {
		return 0, err
	}
	if err := backend.CheckWrite(w, b.refuses); err != nil {
		return 0, err
	}
	filter, err := b.filter(ctx, s, m, w.Where)
	if err != nil {
		return 0, err
	}
	update, err := updateDoc(m, w.Set)
	if err != nil {
		return 0, err
	}
	var n int64
	err = b.atomically(ctx, s, w.Rows != nil, func(ctx context.Context, s backend.Scope) error {
		if w.Rows == nil {
			n, err = b.writeMany(ctx, s, c, m, filter, update)
			return err
		}
		rows, err := b.findAll(ctx, s, m, filter)
		if err != nil {
			return err
		}
		for part := range slices.Chunk(rows, inMax) {
			ids := make(bson.A, len(part))
			for i, p := range part {
				ids[i], _ = keyValue(m, p)
			}
			byID := bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}
			k, err := b.writeMany(ctx, s, c, m, append(slices.Clone(filter), byID...), update)
			if err != nil {
				return err
			}
			n += k
			if update == nil {
				for _, p := range part {
					if err := w.Rows(p); err != nil {
						return err
					}
				}
				continue
			}
			err = b.findEntities(ctx, s, m, byID, options.Find(), func(p unsafe.Pointer, _ bson.Raw) error { return w.Rows(p) })
			if err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// updateDoc is the update document of the assignments, nil for none (a
// delete).
func updateDoc(m *meta.Entity, set []backend.Assign) (bson.D, error) {
	if len(set) == 0 {
		return nil, nil
	}
	var sets, incs bson.D
	for _, a := range set {
		v := toBSON(a.Field, a.Value)
		if s, ok := v.(string); ok && !utf8.ValidString(s) {
			return nil, fmt.Errorf("orm: %s.%s: the string is not valid UTF-8, which BSON requires", m.Name, a.Field.Name)
		}
		if a.Add {
			incs = append(incs, bson.E{Key: key(m, a.Field), Value: v})
		} else {
			sets = append(sets, bson.E{Key: key(m, a.Field), Value: v})
		}
	}
	var u bson.D
	if len(sets) > 0 {
		u = append(u, bson.E{Key: "$set", Value: sets})
	}
	if len(incs) > 0 {
		u = append(u, bson.E{Key: "$inc", Value: incs})
	}
	return u, nil
}

// writeMany sends one updateMany (update set) or deleteMany and returns the
// documents it matched.
func (b *engine) writeMany(ctx context.Context, s backend.Scope, c *mongo.Collection, m *meta.Entity, filter, update bson.D) (int64, error) {
	start := now(s.Env)
	var n int64
	var err error
	var stmt string
	if update == nil {
		var res *mongo.DeleteResult
		if res, err = c.DeleteMany(ctx, filter); res != nil {
			n = res.DeletedCount
		}
		stmt = fmt.Sprintf("DELETE FROM %q deleteMany %s", m.Table, extJSON(filter))
	} else {
		var res *mongo.UpdateResult
		if res, err = c.UpdateMany(ctx, filter, update); res != nil {
			n = res.MatchedCount
		}
		stmt = fmt.Sprintf("UPDATE %q updateMany %s", m.Table, extJSON(filter))
	}
	return n, observe(ctx, s.Env, stmt, n, start, classify(m.Table, err))
}

// Upsert writes an ordered bulk of updateOne(upsert) by conflict values:
// $set of the update fields, $setOnInsert of the others (the _id among
// them, reserved from the counter for a zero integer key, made on the
// client for an ObjectID), $inc of the version. It then reads the
// documents by their conflict values.
func (b *engine) Upsert(ctx context.Context, s backend.Scope, u *backend.Upsert) error {
	m := u.Entity
	c, err := b.coll(m)
	if err != nil {
		return err
	}
	if err := backend.CheckPlan(&backend.Plan{Batches: []*backend.Batch{upsertBatch(u)}}, b.refuses); err != nil {
		return err
	}
	keyed, err := b.upsertKeys(ctx, s, u)
	if err != nil {
		return err
	}
	models := make([]mongo.WriteModel, len(u.Rows))
	filters := make(bson.A, len(u.Rows))
	for i, p := range u.Rows {
		filter, update, err := upsertModel(m, u, p)
		if err != nil {
			return err
		}
		filters[i] = filter
		models[i] = mongo.NewUpdateOneModel().SetFilter(filter).SetUpdate(update).SetUpsert(true)
	}
	match := u.Matcher()
	err = b.atomically(ctx, s, true, func(ctx context.Context, s backend.Scope) error {
		_, _, err := b.bulk(ctx, s, c, models, func(n int) string {
			return fmt.Sprintf("INSERT INTO %q bulkWrite updateOne upsert (%d documents)", m.Table, n)
		})
		if err != nil {
			return classify(m.Table, err)
		}
		for part := range slices.Chunk(filters, inMax) {
			err := b.findEntities(ctx, s, m, bson.D{{Key: "$or", Value: part}}, options.Find(), func(p unsafe.Pointer, _ bson.Raw) error {
				if i, ok := match.Match(p); ok {
					return u.Each(i, p)
				}
				return nil // read again by its filter, below
			})
			if err != nil {
				return err
			}
		}
		for _, i := range match.Unmatched() {
			found := false
			err := b.findEntities(ctx, s, m, filters[i].(bson.D), options.Find().SetLimit(1), func(p unsafe.Pointer, _ bson.Raw) error {
				found = true
				return u.Each(i, p)
			})
			if err == nil && !found {
				err = fmt.Errorf("orm: upsert %s: the document written for the entity at position %d was not found by its conflict values", m.Name, i)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for _, p := range keyed { // keys reserved for rows not written
			m.Auto.SetZero(p)
		}
	}
	return err
}

// upsertBatch is the Insert batch an upsert's values are checked as.
func upsertBatch(u *backend.Upsert) *backend.Batch {
	bt := &backend.Batch{Kind: backend.Insert, Entity: u.Entity, Fields: u.Entity.Fields}
	for _, p := range u.Rows {
		bt.Rows = append(bt.Rows, backend.Row{Ptr: p})
	}
	return bt
}

// upsertKeys gives the rows whose key is a zero generated integer or an
// empty ObjectID a key, for the document an upsert may insert, and moves
// the counter past explicit integer keys. It returns the rows it gave one.
func (b *engine) upsertKeys(ctx context.Context, s backend.Scope, u *backend.Upsert) ([]unsafe.Pointer, error) {
	m := u.Entity
	var zero []unsafe.Pointer
	var explicit []backend.Row
	for _, p := range u.Rows {
		switch {
		case m.Auto != nil && m.Auto.IsZero(p):
			zero = append(zero, p)
		case m.Auto != nil:
			explicit = append(explicit, backend.Row{Ptr: p})
		case !m.HasKey(p) && b.GenerateKey(m, p):
		}
	}
	if len(explicit) > 0 {
		if err := b.advance(context.WithoutCancel(ctx), s, m, explicit); err != nil {
			return nil, err
		}
	}
	if len(zero) == 0 {
		return nil, nil
	}
	first, err := b.reserve(context.WithoutCancel(ctx), s, m, len(zero))
	if err != nil {
		return nil, err
	}
	for i, p := range zero {
		m.Auto.SetInt(p, first+int64(i))
	}
	return zero, nil
}

// upsertModel returns the filter and update of one row's updateOne.
func upsertModel(m *meta.Entity, u *backend.Upsert, p unsafe.Pointer) (filter, update bson.D, err error) {
	conflictPK := len(u.Conflict) == len(m.PK) && u.Conflict[0].PK
	if conflictPK {
		id, err := keyValue(m, p)
		if err != nil {
			return nil, nil, err
		}
		filter = bson.D{{Key: "_id", Value: id}}
	} else {
		for _, f := range u.Conflict {
			v, err := value(m, f, p)
			if err != nil {
				return nil, nil, err
			}
			filter = append(filter, bson.E{Key: key(m, f), Value: v})
		}
	}
	var set, onInsert bson.D
	if !conflictPK {
		id, err := keyValue(m, p)
		if err != nil {
			return nil, nil, err
		}
		onInsert = append(onInsert, bson.E{Key: "_id", Value: id})
	}
	for _, f := range m.Fields {
		if f.PK || f.Version || slices.Contains(u.Conflict, f) {
			continue
		}
		v, err := value(m, f, p)
		if err != nil {
			return nil, nil, err
		}
		if slices.Contains(u.Update, f) {
			set = append(set, bson.E{Key: key(m, f), Value: v})
		} else {
			onInsert = append(onInsert, bson.E{Key: key(m, f), Value: v})
		}
	}
	if len(set) > 0 {
		update = append(update, bson.E{Key: "$set", Value: set})
	}
	if len(onInsert) > 0 {
		update = append(update, bson.E{Key: "$setOnInsert", Value: onInsert})
	}
	if v := m.Version; v != nil {
		update = append(update, bson.E{Key: "$inc", Value: bson.D{{Key: key(m, v), Value: int64(1)}}})
	} else if len(update) == 0 {
		update = bson.D{{Key: "$setOnInsert", Value: bson.D{{Key: "_id", Value: filter[0].Value}}}}
	}
	return filter, update, nil
}
