package mongo

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unsafe"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// selectOrdered runs a query ordered through relations: it reads the
// matches, then the related values they are ordered by, and sorts and
// pages here.
func (b *engine) selectOrdered(ctx context.Context, s backend.Scope, q *backend.Query, filter bson.D, each func(p unsafe.Pointer, link any) error) error {
	m := q.Entity
	rows, err := b.findAll(ctx, s, m, filter)
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
			err := b.findEntities(ctx, s, rel.Target, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: vals}}}}, options.Find(), func(p unsafe.Pointer, _ bson.Raw) error {
				targets[rel.Target.Key(p)] = p
				return nil
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
