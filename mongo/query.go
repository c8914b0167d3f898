package mongo

import (
	"context"
	"fmt"
	"unsafe"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// find runs a find and calls each with every document.
func (b *engine) find(ctx context.Context, s backend.Scope, m *meta.Entity, filter bson.D, opts *options.FindOptionsBuilder, each func(bson.Raw) error) error {
	c, err := b.coll(m)
	if err != nil {
		return err
	}
	start := now(s.Env)
	var n int64
	err = func() error {
		cur, err := c.Find(ctxOf(ctx, s), filter, opts)
		if err != nil {
			return err
		}
		defer cur.Close(ctx)
		for cur.Next(ctx) {
			n++
			if err := each(cur.Current); err != nil {
				return err
			}
		}
		return cur.Err()
	}()
	return observe(ctx, s.Env, fmt.Sprintf("SELECT FROM %q find %s", m.Table, extJSON(filter)), n, start, err)
}

func extJSON(d bson.D) string {
	if d == nil {
		d = bson.D{}
	}
	b, err := bson.MarshalExtJSON(d, false, false)
	if err != nil {
		return fmt.Sprint(d)
	}
	return string(b)
}

// inMax is the most keys one read by key (Query.Split) sends in its $in
// list, well under the 16 MB a command document may take.
const inMax = 5000

// Select runs q and hydrates each document into a new entity.
func (b *engine) Select(ctx context.Context, s backend.Scope, q *backend.Query, each func(p unsafe.Pointer, link any) error) error {
	if q.Lock.Mode != backend.NoLock {
		return fmt.Errorf("orm: mongo: a locking read of %s (ForUpdate, ForShare): MongoDB has no row locks (SELECT … FOR UPDATE); write a field of the document inside the transaction to claim it", q.Entity.Name)
	}
	if parts := q.Parts(inMax); parts != nil {
		for _, part := range parts {
			if err := b.Select(ctx, s, part, each); err != nil {
				return err
			}
		}
		return nil
	}
	if q.Via != nil {
		return b.selectVia(ctx, s, q, each)
	}
	m := q.Entity
	filter, err := b.filter(ctx, s, m, q.Where)
	if err != nil {
		return err
	}
	for _, o := range q.Order {
		if len(o.Path) > 0 {
			return b.selectOrdered(ctx, s, q, filter, each)
		}
	}
	opts := options.Find()
	var sort bson.D
	for _, o := range q.Order {
		dir := 1
		if o.Desc {
			dir = -1
		}
		sort = append(sort, bson.E{Key: key(m, o.Field), Value: dir})
	}
	if sort != nil {
		opts.SetSort(sort)
	}
	if q.Limit > 0 {
		opts.SetLimit(int64(q.Limit))
	}
	if q.Offset > 0 {
		opts.SetSkip(int64(q.Offset))
	}
	return b.findEntities(ctx, s, m, filter, opts, func(p unsafe.Pointer, _ bson.Raw) error { return each(p, nil) })
}

// findAll returns every document the filter matches, hydrated.
func (b *engine) findAll(ctx context.Context, s backend.Scope, m *meta.Entity, filter bson.D) ([]unsafe.Pointer, error) {
	var rows []unsafe.Pointer
	err := b.findEntities(ctx, s, m, filter, options.Find(), func(p unsafe.Pointer, _ bson.Raw) error {
		rows = append(rows, p)
		return nil
	})
	return rows, err
}

// findEntities runs a find and calls each with every document hydrated
// into a new entity of m, and the document.
func (b *engine) findEntities(ctx context.Context, s backend.Scope, m *meta.Entity, filter bson.D, opts *options.FindOptionsBuilder, each func(p unsafe.Pointer, doc bson.Raw) error) error {
	return b.find(ctx, s, m, filter, opts, func(doc bson.Raw) error {
		p, err := hydrate(m, doc)
		if err != nil {
			return err
		}
		return each(p, doc)
	})
}

// Count returns the number of documents q matches.
func (b *engine) Count(ctx context.Context, s backend.Scope, q *backend.Query) (int64, error) {
	filter, err := b.filter(ctx, s, q.Entity, q.Where)
	if err != nil {
		return 0, err
	}
	c, err := b.coll(q.Entity)
	if err != nil {
		return 0, err
	}
	start := now(s.Env)
	n, err := c.CountDocuments(ctxOf(ctx, s), filter)
	return n, observe(ctx, s.Env, fmt.Sprintf("SELECT COUNT FROM %q countDocuments %s", q.Entity.Table, extJSON(filter)), 1, start, err)
}
