package mongo

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// CreateSchema creates each entity's collection and its indexes: unique
// fields, indexed fields, foreign keys (Refs) and many-to-many key arrays.
func (b *engine) CreateSchema(ctx context.Context, s backend.Scope, es []*meta.Entity) error {
	for _, m := range es {
		c, err := b.coll(m)
		if err != nil {
			return err
		}
		start := now(s.Env)
		err = b.db.CreateCollection(ctx, m.Table)
		var ce mongo.CommandError
		if errors.As(err, &ce) && (ce.Code == 48 || ce.Name == "NamespaceExists") {
			err = nil
		}
		err = observe(ctx, s.Env, fmt.Sprintf("CREATE COLLECTION %q", m.Table), 0, start, err)
		if err != nil {
			return fmt.Errorf("orm: mongo: create collection %s: %w", m.Table, err)
		}
		var models []mongo.IndexModel
		groups := map[string]int{}
		for _, f := range m.Fields {
			if f.PK {
				continue
			}
			add := func(name string, unique bool) {
				if i, ok := groups[name]; ok && name != "" {
					models[i].Keys = append(models[i].Keys.(bson.D), bson.E{Key: f.Column, Value: 1})
					return
				}
				o := options.Index().SetUnique(unique)
				if name == "" {
					name = "idx_" + m.Table + "_" + f.Column
				}
				o.SetName(name)
				groups[name] = len(models)
				models = append(models, mongo.IndexModel{Keys: bson.D{{Key: f.Column, Value: 1}}, Options: o})
			}
			switch {
			case f.Unique && f.UniqueName == "":
				add("uq_"+m.Table+"_"+f.Column, true)
			case f.Unique:
				add(f.UniqueName, true)
			}
			switch {
			case f.IndexName == "-" || (f.Kind == meta.KindRef && f.IndexName == "" && !f.Unique):
				add("", false) // a unique Ref has its unique index
			case f.IndexName != "":
				add(f.IndexName, false)
			}
		}
		for _, rel := range m.Collections {
			if rel.Kind == meta.RelManyToMany && rel.Owning() {
				k := arrayKey(rel)
				models = append(models, mongo.IndexModel{Keys: bson.D{{Key: k, Value: 1}},
					Options: options.Index().SetName("idx_" + m.Table + "_" + k)})
			}
		}
		if len(models) == 0 {
			continue
		}
		start = now(s.Env)
		_, err = c.Indexes().CreateMany(ctx, models)
		err = observe(ctx, s.Env, fmt.Sprintf("CREATE INDEX ON %q (%d indexes)", m.Table, len(models)), 0, start, err)
		if err != nil {
			return fmt.Errorf("orm: mongo: create indexes of %s: %w", m.Table, err)
		}
	}
	return nil
}

// DropSchema drops each entity's collection and forgets its key counter.
func (b *engine) DropSchema(ctx context.Context, s backend.Scope, es []*meta.Entity) error {
	var tables bson.A
	for _, m := range es {
		start := now(s.Env)
		err := b.db.Collection(m.Table).Drop(ctx)
		err = observe(ctx, s.Env, fmt.Sprintf("DROP COLLECTION %q", m.Table), 0, start, err)
		if err != nil {
			return fmt.Errorf("orm: mongo: drop %s: %w", m.Table, err)
		}
		tables = append(tables, m.Table)
	}
	_, err := b.db.Collection(countersCollection).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: tables}}}})
	return err
}
