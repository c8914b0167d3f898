package mongo

import (
	"context"
	"unsafe"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// selectVia reads the targets of a many-to-many relation for the owners in
// q.Via that q.Where matches, calling each once per (target, owner) link.
func (b *engine) selectVia(ctx context.Context, s backend.Scope, q *backend.Query, each func(p unsafe.Pointer, link any) error) error {
	if !q.Via.Rel.Owning() {
		return b.selectInverse(ctx, s, q, each)
	}
	t := q.Entity
	ls, err := b.ownerLinks(ctx, s, q.Via, t)
	if err != nil || len(ls.keys) == 0 {
		return err
	}
	filter, err := b.viaFilter(ctx, s, q, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bsonValues(t.PK[0], ls.keys)}}}})
	if err != nil {
		return err
	}
	return b.findEntities(ctx, s, t, filter,
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}), func(p unsafe.Pointer, _ bson.Raw) error {
			for _, owner := range ls.owners[t.Key(p)] {
				if err := each(p, owner); err != nil {
					return err
				}
			}
			return nil
		})
}

// viaLinks are the links of a many-to-many read: the targets' keys, each
// once, and the owners each is linked to.
type viaLinks struct {
	t      *meta.Entity
	keys   []any
	owners map[meta.Key][]any
}

// add records that owner links to target, both driver values.
func (v *viaLinks) add(owner, target any) error {
	k, err := v.t.KeyOfValue(target)
	if err != nil {
		return err
	}
	if _, seen := v.owners[k]; !seen {
		v.keys = append(v.keys, target)
	}
	v.owners[k] = append(v.owners[k], owner)
	return nil
}

// ownerLinks returns the links the owners' arrays hold: known from when
// the owners were read (their Slots), or read now.
func (b *engine) ownerLinks(ctx context.Context, s backend.Scope, via *backend.Via, t *meta.Entity) (*viaLinks, error) {
	rel := via.Rel
	ls := &viaLinks{t: t, owners: map[meta.Key][]any{}}
	known := len(via.Ptrs) == len(via.Owners)
	for _, p := range via.Ptrs {
		known = known && linksOf(rel.Coll(p)) != nil
	}
	if known {
		for i, p := range via.Ptrs {
			for _, k := range linksOf(rel.Coll(p)).keys {
				if err := ls.add(via.Owners[i], k); err != nil {
					return nil, err
				}
			}
		}
		return ls, nil
	}
	arr := arrayKey(rel)
	err := b.find(ctx, s, rel.Owner, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bsonValues(rel.Owner.PK[0], via.Owners)}}}},
		options.Find().SetProjection(bson.D{{Key: arr, Value: 1}}), func(doc bson.Raw) error {
			owner := fromBSON(doc.Lookup("_id"))
			vals, _ := doc.Lookup(arr).ArrayOK()
			elems, _ := vals.Values()
			for _, e := range elems {
				if err := ls.add(owner, fromBSON(e)); err != nil {
					return err
				}
			}
			return nil
		})
	return ls, err
}

// selectInverse reads the many-to-many targets from the inverse side: the
// targets hold arrays of owner keys.
func (b *engine) selectInverse(ctx context.Context, s backend.Scope, q *backend.Query, each func(p unsafe.Pointer, link any) error) error {
	rel, t := q.Via.Rel, q.Entity
	arr := arrayKey(rel)
	owners := map[meta.Key]bool{}
	for _, o := range q.Via.Owners {
		if k, err := rel.Owner.KeyOfValue(o); err == nil {
			owners[k] = true
		}
	}
	filter, err := b.viaFilter(ctx, s, q, bson.D{{Key: arr, Value: bson.D{{Key: "$in", Value: bsonValues(rel.Owner.PK[0], q.Via.Owners)}}}})
	if err != nil {
		return err
	}
	return b.findEntities(ctx, s, t, filter,
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}), func(p unsafe.Pointer, doc bson.Raw) error {
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

// viaFilter is the filter of a many-to-many read: links, the documents
// linked to the owners, and those q.Where matches (the target's filters,
// such as its soft delete).
func (b *engine) viaFilter(ctx context.Context, s backend.Scope, q *backend.Query, links bson.D) (bson.D, error) {
	if q.Where == nil {
		return links, nil
	}
	where, err := b.filter(ctx, s, q.Entity, q.Where)
	if err != nil {
		return nil, err
	}
	return bson.D{{Key: "$and", Value: bson.A{links, where}}}, nil
}
