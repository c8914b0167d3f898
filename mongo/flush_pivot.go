package mongo

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

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
