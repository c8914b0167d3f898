package mongo

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

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
	// values at k (arrays flattened), BSON values of field f.
	collect := func(t *meta.Entity, k string, f *meta.Field) (bson.A, error) {
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
					out = append(out, toBSON(f, fromBSON(v)))
				}
				return nil
			}
			if v := fromBSON(rv); v != nil {
				out = append(out, toBSON(f, v))
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
		ids, err := collect(rel.Target, "_id", rel.Field)
		return in(rel.Field.Column, ids), err
	case rel.Kind == meta.RelHasMany:
		fks, err := collect(rel.Target, rel.Inverse.Field.Column, rel.Inverse.Field)
		return in("_id", fks), err
	case rel.Owning():
		ids, err := collect(rel.Target, "_id", rel.Target.PK[0])
		return in(arrayKey(rel), ids), err
	}
	owners, err := collect(rel.Target, arrayKey(rel), m.PK[0])
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
