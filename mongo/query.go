package mongo

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unsafe"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// ctxOf returns the context a command of scope s runs with: the
// transaction's session context inside a transaction.
func ctxOf(ctx context.Context, s backend.Scope) context.Context {
	if t, ok := s.Tx.(*tx); ok {
		return mongo.NewSessionContext(ctx, t.sess)
	}
	return ctx
}

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

// Select runs q and hydrates each document into a new entity.
func (b *engine) Select(ctx context.Context, s backend.Scope, q *backend.Query, each func(p unsafe.Pointer, link any) error) error {
	m := q.Entity
	if q.Via != nil {
		return b.selectVia(ctx, s, q, each)
	}
	filter, err := b.filter(ctx, s, m, q.Where)
	if err != nil {
		return err
	}
	paths := false
	for _, o := range q.Order {
		paths = paths || len(o.Path) > 0
	}
	opts := options.Find()
	if !paths {
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
		return b.find(ctx, s, m, filter, opts, func(doc bson.Raw) error {
			p, err := hydrate(m, doc)
			if err != nil {
				return err
			}
			return each(p, nil)
		})
	}
	// Ordering through relations: read the matches, then the related
	// values, and sort here.
	var rows []unsafe.Pointer
	err = b.find(ctx, s, m, filter, opts, func(doc bson.Raw) error {
		p, err := hydrate(m, doc)
		rows = append(rows, p)
		return err
	})
	if err != nil {
		return err
	}
	sortKeys := make([][]any, len(rows))
	for i := range rows {
		sortKeys[i] = make([]any, len(q.Order))
	}
	for j, o := range q.Order {
		if err := b.sortValues(ctx, s, m, rows, o, func(i int, v any) { sortKeys[i][j] = v }); err != nil {
			return err
		}
	}
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, c int) int {
		for j, o := range q.Order {
			r := compare(sortKeys[a][j], sortKeys[c][j])
			if o.Desc {
				r = -r
			}
			if r != 0 {
				return r
			}
		}
		return 0
	})
	if q.Offset > 0 {
		idx = idx[min(q.Offset, len(idx)):]
	}
	if q.Limit > 0 && len(idx) > q.Limit {
		idx = idx[:q.Limit]
	}
	for _, i := range idx {
		if err := each(rows[i], nil); err != nil {
			return err
		}
	}
	return nil
}

// sortValues sets, for each row, the value of o.Field at the end of o.Path.
func (b *engine) sortValues(ctx context.Context, s backend.Scope, m *meta.Entity, rows []unsafe.Pointer, o backend.Order, set func(i int, v any)) error {
	cur := make([]unsafe.Pointer, len(rows))
	copy(cur, rows)
	for _, rel := range o.Path {
		ids := map[meta.Key]any{}
		for _, p := range cur {
			if p == nil {
				continue
			}
			if v, err := rel.Field.Value(p); err == nil && v != nil {
				k, err := rel.Target.KeyOfValue(v)
				if err == nil {
					ids[k] = v
				}
			}
		}
		vals := make([]any, 0, len(ids))
		for _, v := range ids {
			vals = append(vals, v)
		}
		targets := map[meta.Key]unsafe.Pointer{}
		if len(vals) > 0 {
			err := b.find(ctx, s, rel.Target, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: vals}}}}, options.Find(), func(doc bson.Raw) error {
				p, err := hydrate(rel.Target, doc)
				if err == nil {
					targets[rel.Target.Key(p)] = p
				}
				return err
			})
			if err != nil {
				return err
			}
		}
		for i, p := range cur {
			cur[i] = nil
			if p == nil {
				continue
			}
			if v, err := rel.Field.Value(p); err == nil && v != nil {
				if k, err := rel.Target.KeyOfValue(v); err == nil {
					cur[i] = targets[k]
				}
			}
		}
	}
	for i, p := range cur {
		if p != nil {
			v, _ := o.Field.Value(p)
			set(i, v)
		}
	}
	return nil
}

// compare orders driver values of one kind; nil sorts first.
func compare(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	switch x := a.(type) {
	case int64:
		return cmp.Compare(x, b.(int64))
	case float64:
		return cmp.Compare(x, b.(float64))
	case string:
		return strings.Compare(x, b.(string))
	case bool:
		return cmp.Compare(boolInt(x), boolInt(b.(bool)))
	case time.Time:
		return x.Compare(b.(time.Time))
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// selectVia reads the targets of a many-to-many relation for the owners in
// q.Via, calling each once per (target, owner) link.
func (b *engine) selectVia(ctx context.Context, s backend.Scope, q *backend.Query, each func(p unsafe.Pointer, link any) error) error {
	rel, t := q.Via.Rel, q.Entity
	arr := arrayKey(rel)
	if rel.Owning() {
		// The owners hold arrays of target keys, known from when they were
		// read, or read now.
		links := map[meta.Key][]any{}
		var keys []any
		seen := map[meta.Key]bool{}
		known := len(q.Via.Ptrs) == len(q.Via.Owners)
		for _, p := range q.Via.Ptrs {
			known = known && linksOf(rel.Coll(p)) != nil
		}
		if known {
			for i, p := range q.Via.Ptrs {
				for _, v := range linksOf(rel.Coll(p)).keys {
					k, err := t.KeyOfValue(v)
					if err != nil {
						return err
					}
					links[k] = append(links[k], q.Via.Owners[i])
					if !seen[k] {
						seen[k] = true
						keys = append(keys, v)
					}
				}
			}
		}
		var err error
		if !known {
			err = b.find(ctx, s, rel.Owner, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: q.Via.Owners}}}},
				options.Find().SetProjection(bson.D{{Key: arr, Value: 1}}), func(doc bson.Raw) error {
					owner := fromBSON(doc.Lookup("_id"))
					vals, _ := doc.Lookup(arr).ArrayOK()
					elems, _ := vals.Values()
					for _, e := range elems {
						v := fromBSON(e)
						k, err := t.KeyOfValue(v)
						if err != nil {
							return err
						}
						links[k] = append(links[k], owner)
						if !seen[k] {
							seen[k] = true
							keys = append(keys, v)
						}
					}
					return nil
				})
		}
		if err != nil || len(keys) == 0 {
			return err
		}
		return b.find(ctx, s, t, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: keys}}}},
			options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}), func(doc bson.Raw) error {
				p, err := hydrate(t, doc)
				if err != nil {
					return err
				}
				for _, owner := range links[t.Key(p)] {
					if err := each(p, owner); err != nil {
						return err
					}
				}
				return nil
			})
	}
	// The inverse side: the targets hold arrays of owner keys.
	owners := map[meta.Key]bool{}
	for _, o := range q.Via.Owners {
		if k, err := rel.Owner.KeyOfValue(o); err == nil {
			owners[k] = true
		}
	}
	return b.find(ctx, s, t, bson.D{{Key: arr, Value: bson.D{{Key: "$in", Value: q.Via.Owners}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}), func(doc bson.Raw) error {
			p, err := hydrate(t, doc)
			if err != nil {
				return err
			}
			vals, _ := doc.Lookup(arr).ArrayOK()
			elems, _ := vals.Values()
			for _, e := range elems {
				v := fromBSON(e)
				if k, err := rel.Owner.KeyOfValue(v); err == nil && owners[k] {
					if err := each(p, v); err != nil {
						return err
					}
				}
			}
			return nil
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

var cmpOps = map[backend.Op]string{
	backend.OpEq: "$eq", backend.OpGt: "$gt", backend.OpGte: "$gte", backend.OpLt: "$lt", backend.OpLte: "$lte",
}

// filter compiles a condition into a query document. Values always sit
// under an operator ($eq, $in, …), so a value never becomes an operator.
func (b *engine) filter(ctx context.Context, s backend.Scope, m *meta.Entity, c *backend.Cond) (bson.D, error) {
	if c == nil {
		return bson.D{}, nil
	}
	op := func(f *meta.Field, name string, v any) bson.D {
		switch x := v.(type) {
		case bson.A:
			for i := range x {
				x[i] = toBSON(f, x[i])
			}
		default:
			v = toBSON(f, v)
		}
		return bson.D{{Key: key(m, f), Value: bson.D{{Key: name, Value: v}}}}
	}
	switch c.Op {
	case backend.OpEq, backend.OpGt, backend.OpGte, backend.OpLt, backend.OpLte:
		return op(c.Field, cmpOps[c.Op], c.Value), nil
	case backend.OpNe:
		return op(c.Field, "$nin", bson.A{c.Value, nil}), nil
	case backend.OpIn:
		return op(c.Field, "$in", bson.A(c.Values)), nil
	case backend.OpNotIn:
		return op(c.Field, "$nin", append(bson.A(slices.Clone(c.Values)), nil)), nil
	case backend.OpIsNull:
		return op(c.Field, "$eq", nil), nil
	case backend.OpLike:
		pattern, ok := c.Value.(string)
		if !ok {
			return nil, fmt.Errorf("orm: mongo: Like on %s.%s needs a string pattern", m.Name, c.Field.Name)
		}
		return op(c.Field, "$regex", bson.Regex{Pattern: likeRegex(pattern), Options: "s"}), nil
	case backend.OpAnd, backend.OpOr, backend.OpNot:
		subs := make(bson.A, 0, len(c.Conds))
		for _, sub := range c.Conds {
			d, err := b.filter(ctx, s, m, sub)
			if err != nil {
				return nil, err
			}
			subs = append(subs, d)
		}
		switch {
		case c.Op == backend.OpNot:
			return bson.D{{Key: "$nor", Value: subs}}, nil
		case len(subs) == 0 && c.Op == backend.OpAnd:
			return bson.D{}, nil
		case len(subs) == 0:
			return bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{}}}}}, nil
		case c.Op == backend.OpAnd:
			return bson.D{{Key: "$and", Value: subs}}, nil
		}
		return bson.D{{Key: "$or", Value: subs}}, nil
	case backend.OpRaw:
		if len(c.Values) > 0 {
			return nil, fmt.Errorf("orm: mongo: Raw takes an Extended JSON filter document and no arguments")
		}
		var d bson.D
		if err := bson.UnmarshalExtJSON([]byte(c.Raw), false, &d); err != nil {
			return nil, fmt.Errorf("orm: mongo: Raw(%q): %w", c.Raw, err)
		}
		return d, nil
	case backend.OpPath:
		return b.pathFilter(ctx, s, m, c)
	}
	return nil, fmt.Errorf("orm: mongo: unsupported condition %d", c.Op)
}

// pathFilter resolves a condition on related entities with a query on
// their collection, into a condition on keys.
func (b *engine) pathFilter(ctx context.Context, s backend.Scope, m *meta.Entity, c *backend.Cond) (bson.D, error) {
	rel := c.Rel
	sub, err := b.filter(ctx, s, rel.Target, c.Conds[0])
	if err != nil {
		return nil, err
	}
	// collect gathers, from the matching documents of collection t, the
	// values at k (arrays flattened).
	collect := func(t *meta.Entity, k string) (bson.A, error) {
		out := bson.A{}
		proj := options.Find().SetProjection(bson.D{{Key: k, Value: 1}})
		err := b.find(ctx, s, t, sub, proj, func(doc bson.Raw) error {
			rv, err := doc.LookupErr(k)
			if err != nil {
				return nil
			}
			if arr, ok := rv.ArrayOK(); ok {
				vals, _ := arr.Values()
				for _, v := range vals {
					out = append(out, fromBSON(v))
				}
				return nil
			}
			if v := fromBSON(rv); v != nil {
				out = append(out, v)
			}
			return nil
		})
		return out, err
	}
	in := func(k string, vals bson.A) bson.D {
		return bson.D{{Key: k, Value: bson.D{{Key: "$in", Value: vals}}}}
	}
	switch {
	case rel.Kind == meta.RelRef:
		ids, err := collect(rel.Target, "_id")
		return in(rel.Field.Column, ids), err
	case rel.Kind == meta.RelHasMany:
		fks, err := collect(rel.Target, rel.Inverse.Field.Column)
		return in("_id", fks), err
	case rel.Owning():
		ids, err := collect(rel.Target, "_id")
		return in(arrayKey(rel), ids), err
	}
	owners, err := collect(rel.Target, arrayKey(rel))
	return in("_id", owners), err
}

// likeRegex turns a Like pattern (% and _ wildcards, backslash escapes)
// into an anchored, case-sensitive regular expression, to be used with the
// s option so that . matches newlines as % and _ do.
func likeRegex(p string) string {
	var sb strings.Builder
	sb.WriteString(`\A`)
	escaped := false
	for _, r := range p {
		switch {
		case escaped:
			sb.WriteString(regexp.QuoteMeta(string(r)))
			escaped = false
		case r == '\\':
			escaped = true
		case r == '%':
			sb.WriteString(".*")
		case r == '_':
			sb.WriteString(".")
		default:
			sb.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	sb.WriteString(`\z`)
	return sb.String()
}
