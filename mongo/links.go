package mongo

import (
	"unsafe"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// A many-to-many relation is an array of target keys on the owner's
// document. What an owner's array held when it was read is kept in the
// Slot of its collection, as *links, so that populating the relation needs
// no second read of the owners; each flush that adds or removes links
// replaces the Slot with what the array holds then.

// links is the Slot of an owning many-to-many collection: the target keys
// of its owner's array, as driver values. A links value never changes.
type links struct{ keys []any }

// noLinks is the Slot of an owner whose array is empty or missing.
var noLinks = &links{}

// arrayKey is the key of the owning side's array of a many-to-many relation.
func arrayKey(rel *meta.Relation) string {
	if rel.MappedBy != "" {
		rel = rel.Inverse
	}
	return meta.SnakeCase(rel.Name)
}

// linksOf returns what c's owner's array holds, or nil when unknown.
func linksOf(c *meta.CollData) *links {
	l, _ := c.Slot.(*links)
	return l
}

// readLinks returns the array of rel in doc.
func readLinks(doc bson.Raw, rel *meta.Relation) *links {
	arr, ok := doc.Lookup(arrayKey(rel)).ArrayOK()
	if !ok {
		return noLinks
	}
	vals, _ := arr.Values()
	if len(vals) == 0 {
		return noLinks
	}
	l := &links{keys: make([]any, len(vals))}
	for i, v := range vals {
		l.keys[i] = fromBSON(v)
	}
	return l
}

// arrays appends to d the many-to-many arrays the entity at p holds, as far
// as known; it reports false when one is not known.
func arrays(m *meta.Entity, p unsafe.Pointer, d bson.D) (bson.D, bool) {
	for _, rel := range m.Collections {
		if rel.Kind != meta.RelManyToMany || !rel.Owning() {
			continue
		}
		l := linksOf(rel.Coll(p))
		if l == nil {
			return d, false
		}
		keys := make(bson.A, len(l.keys))
		for i, k := range l.keys {
			keys[i] = toBSON(rel.Target.PK[0], k) // as the pivot writes them
		}
		d = append(d, bson.E{Key: arrayKey(rel), Value: keys})
	}
	return d, true
}

// relink replaces the Slots of the owners whose arrays the plan's pivot
// batches changed, once their writes are durable, with what the arrays
// hold now. An unknown array stays unknown.
func relink(p *backend.Plan) {
	if p.Slots == nil {
		return
	}
	for _, bt := range p.Batches {
		if bt.Kind != backend.PivotInsert && bt.Kind != backend.PivotDelete {
			continue
		}
		// The links of one owner stand together: one Slot each.
		for ls := bt.Links; len(ls) > 0; {
			n := 1
			for n < len(ls) && ls[n].Owner == ls[0].Owner {
				n++
			}
			c := bt.Rel.Coll(ls[0].Owner)
			if l := linksOf(c); l != nil {
				p.Slots.Set(c, l.changed(bt.Rel.Target, ls[:n], bt.Kind == backend.PivotInsert))
			}
			ls = ls[n:]
		}
	}
}

// changed returns l with the targets of ls added to it, or removed.
func (l *links) changed(t *meta.Entity, ls []backend.Link, add bool) *links {
	seen := make(map[meta.Key]bool, len(l.keys)+len(ls)) // what out holds, or must not
	if !add {
		for _, lk := range ls {
			seen[t.Key(lk.Target)] = true
		}
	}
	out := &links{keys: make([]any, 0, len(l.keys)+len(ls))}
	for _, v := range l.keys {
		if k, err := t.KeyOfValue(v); err == nil && !seen[k] {
			seen[k] = true
			out.keys = append(out.keys, v)
		}
	}
	if add {
		for _, lk := range ls {
			if k := t.Key(lk.Target); !seen[k] {
				if v, err := t.PK[0].Value(lk.Target); err == nil {
					seen[k] = true
					out.keys = append(out.keys, v)
				}
			}
		}
	}
	return out
}
