package mongo

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// CreateSchema creates each entity's collection and its indexes: unique
// fields, indexed fields, foreign keys (Refs) and many-to-many key arrays;
// those that exist (by name) are left as they are, and not sent again.
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
		models, names := indexModels(m)
		have, err := b.indexNames(ctx, m)
		if err != nil {
			return err
		}
		var create []mongo.IndexModel
		for i, ix := range models {
			if !slices.Contains(have, names[i]) {
				create = append(create, ix)
			}
		}
		if models = create; len(models) == 0 {
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

// indexModels returns the indexes of the entity's collection, and their
// names: unique fields, indexed fields, foreign keys (Refs) and
// many-to-many key arrays.
func indexModels(m *meta.Entity) ([]mongo.IndexModel, []string) {
	var models []mongo.IndexModel
	var names []string
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
			if name == "" {
				name = "idx_" + m.Table + "_" + f.Column
			}
			groups[name] = len(models)
			names = append(names, name)
			models = append(models, mongo.IndexModel{Keys: bson.D{{Key: f.Column, Value: 1}}, Options: options.Index().SetUnique(unique).SetName(name)})
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
			name := "idx_" + m.Table + "_" + k
			names = append(names, name)
			models = append(models, mongo.IndexModel{Keys: bson.D{{Key: k, Value: 1}}, Options: options.Index().SetName(name)})
		}
	}
	return models, names
}

// MissingSchema lists the collections and indexes of the entities that
// the database lacks: what CreateSchema would create.
func (b *engine) MissingSchema(ctx context.Context, s backend.Scope, es []*meta.Entity) ([]string, error) {
	colls, err := b.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("orm: mongo: list collections: %w", err)
	}
	var missing []string
	for _, m := range es {
		_, want := indexModels(m)
		if !slices.Contains(colls, m.Table) {
			missing = append(missing, fmt.Sprintf("collection %q", m.Table))
			for _, n := range want {
				missing = append(missing, fmt.Sprintf("index %q on collection %q", n, m.Table))
			}
			continue
		}
		have, err := b.indexNames(ctx, m)
		if err != nil {
			return nil, err
		}
		for _, n := range want {
			if !slices.Contains(have, n) {
				missing = append(missing, fmt.Sprintf("index %q on collection %q", n, m.Table))
			}
		}
	}
	return missing, nil
}

// indexNames lists the names of the indexes of m's collection.
func (b *engine) indexNames(ctx context.Context, m *meta.Entity) ([]string, error) {
	specs, err := b.db.Collection(m.Table).Indexes().ListSpecifications(ctx)
	if err != nil {
		return nil, fmt.Errorf("orm: mongo: list indexes of %s: %w", m.Table, err)
	}
	names := make([]string, len(specs))
	for i, sp := range specs {
		names[i] = sp.Name
	}
	return names, nil
}
