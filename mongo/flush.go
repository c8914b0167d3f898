package mongo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
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

// tokenKey is the document key where a compensated flush marks what it
// updated.
const tokenKey = "_orm_flush"

// countersCollection holds the last integer key given out per collection.
const countersCollection = "orm_counters"

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

func (b *engine) delete(ctx context.Context, s backend.Scope, comp *compensator, bt *backend.Batch) error {
	for rows := range slices.Chunk(bt.Rows, b.batch(s, len(bt.Rows), false)) {
		if err := b.deleteChunk(ctx, s, comp, bt.Entity, rows); err != nil {
			return err
		}
	}
	return nil
}

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

// pivot adds or removes keys in the owners' arrays of a many-to-many
// relation: one $addToSet or $pull per owner, in one bulk write.
func (b *engine) pivot(ctx context.Context, s backend.Scope, comp *compensator, bt *backend.Batch) error {
	rel := bt.Rel
	c, err := b.coll(rel.Owner)
	if err != nil {
		return err
	}
	arr := arrayKey(rel)
	type group struct {
		owner   any
		targets bson.A
	}
	var groups []*group
	byOwner := map[meta.Key]*group{}
	for _, l := range bt.Links {
		o, err := keyValue(rel.Owner, l.Owner)
		if err != nil {
			return err
		}
		t, err := keyValue(rel.Target, l.Target)
		if err != nil {
			return err
		}
		k := rel.Owner.Key(l.Owner)
		g := byOwner[k]
		if g == nil {
			g = &group{owner: o}
			byOwner[k] = g
			groups = append(groups, g)
		}
		g.targets = append(g.targets, t)
	}
	models := func(add bool) []mongo.WriteModel {
		out := make([]mongo.WriteModel, len(groups))
		for i, g := range groups {
			u := bson.D{{Key: "$pullAll", Value: bson.D{{Key: arr, Value: g.targets}}}}
			if add {
				u = bson.D{{Key: "$addToSet", Value: bson.D{{Key: arr, Value: bson.D{{Key: "$each", Value: g.targets}}}}}}
			}
			out[i] = mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: g.owner}}).SetUpdate(u)
		}
		return out
	}
	add := bt.Kind == backend.PivotInsert
	verb, op := "DELETE FROM", "$pullAll"
	if add {
		verb, op = "INSERT INTO", "$addToSet"
	}
	_, _, err = b.bulk(ctx, s, c, models(add), func(n int) string {
		return fmt.Sprintf("%s %q %s %s.%s (%d owners)", verb, rel.Pivot, op, rel.Owner.Table, arr, n)
	})
	comp.push(func(ctx context.Context) error {
		_, _, err := b.bulk(ctx, backend.Scope{}, c, models(!add), func(int) string { return "" })
		return err
	})
	return classify(rel.Owner.Table, err)
}

// pivotClear pulls removed targets' keys out of every owner's array of a
// many-to-many relation, with one updateMany. Removed owners need nothing:
// their links go with their documents. Without a transaction it first reads
// which owners hold which of the keys, to put them back if the flush fails.
func (b *engine) pivotClear(ctx context.Context, s backend.Scope, comp *compensator, bt *backend.Batch) error {
	if !bt.Target {
		return nil
	}
	rel := bt.Rel
	c, err := b.coll(rel.Owner)
	if err != nil {
		return err
	}
	arr := arrayKey(rel)
	keys := make(bson.A, len(bt.Rows))
	gone := make(map[any]bool, len(bt.Rows))
	for i, r := range bt.Rows {
		if keys[i], err = keyValue(rel.Target, r.Key); err != nil {
			return err
		}
		gone[keys[i]] = true
	}
	filter := bson.D{{Key: arr, Value: bson.D{{Key: "$in", Value: keys}}}}
	type held struct {
		owner any
		keys  bson.A
	}
	var had []held
	if comp != nil {
		err := b.find(ctx, s, rel.Owner, filter, options.Find().SetProjection(bson.D{{Key: arr, Value: 1}}), func(doc bson.Raw) error {
			var d map[string]any
			if err := bson.Unmarshal(doc, &d); err != nil {
				return err
			}
			h := held{owner: d["_id"]}
			if a, ok := d[arr].(bson.A); ok {
				for _, k := range a {
					if gone[k] {
						h.keys = append(h.keys, k)
					}
				}
			}
			had = append(had, h)
			return nil
		})
		if err != nil {
			return classify(rel.Owner.Table, err)
		}
	}
	start := now(s.Env)
	res, err := c.UpdateMany(ctx, filter, bson.D{{Key: "$pullAll", Value: bson.D{{Key: arr, Value: keys}}}})
	var n int64
	if res != nil {
		n = res.ModifiedCount
	}
	if h := observe(ctx, s.Env, fmt.Sprintf("DELETE FROM %q $pullAll %s.%s (%d targets)", rel.Pivot, rel.Owner.Table, arr, len(keys)), n, start, err); h != nil {
		return classify(rel.Owner.Table, h)
	}
	comp.push(func(ctx context.Context) error {
		var models []mongo.WriteModel
		for _, h := range had {
			u := bson.D{{Key: "$addToSet", Value: bson.D{{Key: arr, Value: bson.D{{Key: "$each", Value: h.keys}}}}}}
			models = append(models, mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: h.owner}}).SetUpdate(u))
		}
		if len(models) == 0 {
			return nil
		}
		_, _, err := b.bulk(ctx, backend.Scope{}, c, models, func(int) string { return "" })
		return err
	})
	return nil
}

// lockConflict finds which versioned document of a batch was changed or
// removed by someone else.
func (b *engine) lockConflict(ctx context.Context, s backend.Scope, m *meta.Entity, rows []backend.Row) error {
	ids := make(bson.A, len(rows))
	for i, r := range rows {
		ids[i], _ = keyValue(m, r.Key)
	}
	current := map[meta.Key]int64{}
	err := b.find(ctxOf(ctx, s), s, m, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, options.Find(), func(doc bson.Raw) error {
		p, err := hydrate(m, doc)
		if err == nil {
			current[m.Key(p)] = m.Version.Int(p)
		}
		return err
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
