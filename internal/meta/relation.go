package meta

import (
	"fmt"
	"reflect"
	"sync/atomic"
	"unsafe"
)

// RelKind is the kind of a relation field.
type RelKind uint8

// The relation kinds.
const (
	RelNone       RelKind = iota
	RelRef                // Ref[T]: many-to-one, a foreign-key column on the owner
	RelCollection         // Collection[T] before its tags say which kind
	RelHasMany            // Collection[T] mappedBy a Ref of T: one-to-many
	RelManyToMany         // Collection[T] m2m: a pivot table
	RelHasOne             // Ref[T] mappedBy a unique Ref of T: the inverse side of a one-to-one, no column
)

// Probe tells which relation kind a field type is (RelRef for Ref[T],
// RelCollection for Collection[T]), its target type T and, when the field
// type can give it, T's compiled copy for [Entity.SetCopy] (nil if not).
type Probe func(t reflect.Type) (kind RelKind, target reflect.Type, copy func(dst, src unsafe.Pointer))

// Relation is a Ref or Collection field of an entity.
type Relation struct {
	Kind   RelKind
	Name   string  // Go field name
	Owner  *Entity // the entity holding the field
	Target *Entity // T
	Field  *Field  // RelRef: the foreign-key column
	Index  []int
	Offset uintptr // of the Ref or Collection in the owner
	// MappedBy names the field of Target on the other side: the Ref of a
	// one-to-many, the owning Collection of an inverse many-to-many.
	MappedBy string
	// Inverse is the relation MappedBy names.
	Inverse *Relation
	// Pivot table and its columns pointing at the owner and the target, for
	// RelManyToMany (for an inverse one, the owning side's, swapped).
	Pivot, JoinColumn, InverseJoinColumn string
	CascadeRemove                        bool
	OrphanRemoval                        bool
	Required                             bool // RelRef: NOT NULL
	// Mirrors are, for a RelRef, the one-to-many collections of Target
	// mapped by it: the inverse sides a Session keeps in step with it.
	Mirrors []*Relation
	// HasOne is, for a unique RelRef, the inverse Ref of Target mapped by
	// it (one-to-one), which a Session keeps in step with it.
	HasOne *Relation
	// Fanout is what the Session keeps of the last populate of a
	// collection: the members it found per owner, in the orm package's
	// units. It only sizes the next one's maps.
	Fanout atomic.Int64

	targetType reflect.Type
	targetCopy func(dst, src unsafe.Pointer) // from the Probe, given to Target
}

// setTarget links rel to its target among the registered entities, and
// gives the target the compiled copy the Probe found. It reports whether
// the target is registered.
func (r *Registry) setTarget(rel *Relation) bool {
	rel.Target = r.byType[rel.targetType]
	if rel.Target != nil && rel.targetCopy != nil {
		rel.Target.SetCopy(rel.targetCopy)
	}
	return rel.Target != nil
}

// Owning reports whether the relation's changes are written: Refs and
// owning many-to-many collections.
func (r *Relation) Owning() bool {
	return r.Kind == RelRef || (r.Kind == RelManyToMany && r.MappedBy == "")
}

// RefData is the memory layout of orm.Ref[T], whatever T.
type RefData struct {
	ID  any            // the target's key when Ptr is nil; nil is NULL
	Ptr unsafe.Pointer // the target entity, when known
	S   unsafe.Pointer // the mark of the Session that hydrated or persisted it (orm's sessionCell)
	// Rel and Owner are the relation and the owning entity, once a Session
	// attached the Ref; a Ref copied into another entity keeps the first
	// owner's.
	Rel   *Relation
	Owner unsafe.Pointer
	// Loaded is set on the inverse side of a one-to-one (RelHasOne), which
	// has no key of its own, once it is known: then a nil Ptr means none.
	Loaded bool
}

// null reports whether the Ref is NULL.
func (d *RefData) null() bool { return d.Ptr == nil && d.ID == nil }

// CollData is the memory layout of orm.Collection[T], whatever T.
type CollData struct {
	Items    []unsafe.Pointer // the members, when loaded
	Unloaded bool             // hydrated but not loaded: Items says nothing
	// KeysOnly marks a copy being encoded as JSON inside an entity a Ref
	// or Collection encodes: the members are written as their keys.
	KeysOnly bool
	Owner    unsafe.Pointer   // the owning entity, once attached
	Rel      *Relation        // once attached
	S        unsafe.Pointer   // the mark of the Session it is attached to (orm's sessionCell)
	Added    []unsafe.Pointer // added since the last load or flush
	Removed  []unsafe.Pointer // removed since the last load or flush
	// Slot is the backend's: what it keeps about the collection, such as
	// the keys of a many-to-many relation's members as the owner's document
	// holds them (MongoDB). The core copies it as an opaque value; a backend
	// replaces it, never changes what it holds, and in a Flush only through
	// Plan.Slots, which journals it.
	Slot any
}

// Ref returns the Ref at field f of the entity at p.
func (f *Field) Ref(p unsafe.Pointer) *RefData { return (*RefData)(f.Addr(p)) }

// Coll returns the Collection of relation r in the entity at p.
func (r *Relation) Coll(p unsafe.Pointer) *CollData { return (*CollData)(unsafe.Add(p, r.Offset)) }

// refField finishes a relation field: a Ref becomes a foreign-key column.
func refField(f *Field, rel *Relation, columnSet bool, bad func(string, ...any) error) (*Field, *Relation, error) {
	if rel.Kind == RelCollection {
		if rel.MappedBy == "" {
			return nil, nil, bad(`a Collection needs orm:"mappedBy:Field" (one-to-many) or orm:"m2m" (many-to-many)`)
		}
		rel.Kind = RelHasMany
	}
	if rel.Kind == RelRef && rel.MappedBy != "" {
		if rel.Pivot != "" || rel.JoinColumn != "" || rel.InverseJoinColumn != "" || rel.OrphanRemoval || rel.Required || rel.CascadeRemove || columnSet || f.Unique || f.IndexName != "" {
			return nil, nil, bad("the inverse side of a one-to-one (a Ref tagged mappedBy) has no column: it takes no other option")
		}
		rel.Kind = RelHasOne
		return nil, rel, nil
	}
	if rel.Kind != RelRef {
		if rel.Required {
			return nil, nil, bad(`option "required" applies only to Ref fields`)
		}
		return nil, rel, nil
	}
	if rel.MappedBy != "" || rel.Pivot != "" || rel.JoinColumn != "" || rel.InverseJoinColumn != "" || rel.OrphanRemoval {
		return nil, nil, bad("mappedBy, m2m, pivot, joinColumn, inverseJoinColumn and orphanRemoval apply only to Collection fields")
	}
	if f.PK || f.Version {
		return nil, nil, bad("a Ref cannot be a primary key or a version")
	}
	if !columnSet {
		f.Column += "_id"
	}
	f.Kind, f.Elem, f.Rel = KindRef, f.Type, rel
	f.Nullable = !rel.Required
	rel.Field = f
	return f, rel, nil
}

// resolve links every relation to its target and inverse side.
func (r *Registry) resolve() error {
	for _, e := range r.List {
		for _, rel := range e.Relations {
			bad := func(format string, args ...any) error {
				return &Error{Entity: e.Name, Field: rel.Name, Reason: fmt.Sprintf(format, args...)}
			}
			if !r.setTarget(rel) {
				return bad("relation target %s is not a registered entity (add it to orm.Entities)", rel.targetType)
			}
			if len(rel.Target.PK) != 1 {
				return bad("relations to %s are not supported: its key is composite", rel.Target.Name)
			}
			if rel.Field != nil {
				rel.Field.Storage = rel.Target.PK[0].Storage
			}
			switch rel.Kind {
			case RelHasMany:
				inv := rel.Target.relation(rel.MappedBy)
				if inv == nil || inv.Kind != RelRef || inv.targetType != e.Type {
					return bad("mappedBy:%s: %s has no Ref[%s] field named %s", rel.MappedBy, rel.Target.Name, e.Name, rel.MappedBy)
				}
				rel.Inverse = inv
				inv.Mirrors = append(inv.Mirrors, rel)
			case RelManyToMany:
				if len(e.PK) != 1 {
					return bad("many-to-many relations from %s are not supported: its key is composite", e.Name)
				}
				if rel.MappedBy != "" {
					continue // resolved below, once owning sides have names
				}
				if rel.Pivot == "" {
					rel.Pivot = e.Table + "_" + SnakeCase(rel.Name)
				}
				if rel.JoinColumn == "" {
					rel.JoinColumn = e.Table + "_id"
				}
				if rel.InverseJoinColumn == "" {
					rel.InverseJoinColumn = rel.Target.Table + "_id"
					if rel.InverseJoinColumn == rel.JoinColumn {
						rel.InverseJoinColumn = SnakeCase(rel.Name) + "_id"
					}
				}
			}
		}
	}
	for _, e := range r.List {
		for _, rel := range e.Relations {
			if rel.Kind != RelManyToMany || rel.MappedBy == "" {
				continue
			}
			inv := rel.Target.relation(rel.MappedBy)
			if inv == nil || inv.Kind != RelManyToMany || inv.MappedBy != "" || inv.targetType != e.Type {
				return &Error{Entity: e.Name, Field: rel.Name, Reason: fmt.Sprintf("mappedBy:%s: %s has no owning m2m Collection[%s] named %s", rel.MappedBy, rel.Target.Name, e.Name, rel.MappedBy)}
			}
			rel.Inverse = inv
			rel.Pivot, rel.JoinColumn, rel.InverseJoinColumn = inv.Pivot, inv.InverseJoinColumn, inv.JoinColumn
		}
	}
	for _, e := range r.List {
		for _, rel := range e.Relations {
			if rel.Kind == RelManyToMany && rel.MappedBy == "" {
				e.Pivots = append(e.Pivots, rel)
				if rel.Target != e {
					rel.Target.Pivots = append(rel.Target.Pivots, rel)
				}
			}
		}
	}
	for _, e := range r.List {
		for _, rel := range e.HasOnes {
			if err := r.resolveHasOne(e, rel); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *Entity) relation(name string) *Relation {
	for _, rel := range e.Relations {
		if rel.Name == name {
			return rel
		}
	}
	return nil
}

// resolveHasOne links the inverse one-to-one Ref rel of e to the unique
// Ref of its target that owns it.
func (r *Registry) resolveHasOne(e *Entity, rel *Relation) error {
	if !r.setTarget(rel) {
		return &Error{Entity: e.Name, Field: rel.Name, Reason: fmt.Sprintf("relation target %s is not a registered entity (add it to orm.Entities)", rel.targetType)}
	}
	inv := rel.Target.relation(rel.MappedBy)
	if inv == nil || inv.Kind != RelRef || inv.targetType != e.Type || !inv.Field.Unique || inv.Field.UniqueName != "" || inv.HasOne != nil {
		return &Error{Entity: e.Name, Field: rel.Name, Reason: fmt.Sprintf("mappedBy:%s: %s has no unique Ref[%s] named %s (tag it orm:\"unique\") to be the owning side of this one-to-one", rel.MappedBy, rel.Target.Name, e.Name, rel.MappedBy)}
	}
	rel.Inverse, inv.HasOne = inv, rel
	return nil
}

// Relation returns the relation field called name, or nil.
func (e *Entity) Relation(name string) *Relation { return e.relation(name) }

// HasOneRel returns the inverse one-to-one Ref called name, or nil.
func (e *Entity) HasOneRel(name string) *Relation {
	for _, rel := range e.HasOnes {
		if rel.Name == name {
			return rel
		}
	}
	return nil
}

// InverseRef returns the inverse one-to-one Ref rel of the entity at p.
func (rel *Relation) InverseRef(p unsafe.Pointer) *RefData {
	return (*RefData)(unsafe.Add(p, rel.Offset))
}

func (f *Field) refValue(d *RefData) (any, error) {
	pk := f.Rel.Target.PK[0]
	if d.Ptr != nil {
		return pk.Value(d.Ptr)
	}
	if d.ID == nil {
		return nil, nil
	}
	return pk.Bind(d.ID)
}

// refStore sets the Ref from a foreign-key value read from the database.
func (f *Field) refStore(d *RefData, v any) error {
	d.Ptr = nil
	if v == nil {
		d.ID = nil
		return nil
	}
	pk := f.Rel.Target.PK[0]
	switch v.(type) { // kept as the driver boxed it: boxing it again would allocate
	case int64:
		if pk.Type == int64Type {
			d.ID = v
			return nil
		}
	case string:
		if pk.Type == stringType {
			d.ID = v
			return nil
		}
	}
	tmp := f.Rel.Target.New()
	if err := pk.Store(tmp, v); err != nil {
		return err
	}
	d.ID = pk.Get(tmp)
	return nil
}

var (
	int64Type  = reflect.TypeFor[int64]()
	stringType = reflect.TypeFor[string]()
)

func (f *Field) refEqual(a, b *RefData) bool {
	if a.Ptr != nil && a.Ptr == b.Ptr {
		return true
	}
	if a.null() || b.null() {
		return a.null() && b.null()
	}
	ka, oka, _ := f.RefKey(a)
	kb, okb, _ := f.RefKey(b)
	return oka && okb && ka == kb
}

// refClone freezes the snapshot of a Ref to the key it points at. A Ref
// that holds both its target and an ID mostly holds the target's key (the
// Session sets the target from that key), which the shallow copy has
// copied already: it is kept when it still names the target, which is
// checked without boxing, and read from the target otherwise (a detached
// target given another key, say).
func (f *Field) refClone(dst, src *RefData) {
	t := f.Rel.Target
	if src.Ptr == nil || !t.HasKey(src.Ptr) {
		return
	}
	dst.Ptr = nil
	if src.ID != nil {
		if k, err := t.KeyOfID(src.ID); err == nil && k == t.Key(src.Ptr) {
			return
		}
	}
	dst.ID = t.PK[0].Get(src.Ptr)
}

// refBind converts a value compared with a Ref field: a pointer to the
// target entity or a key of the target's key type.
func (f *Field) refBind(v any) (any, error) {
	t := f.Rel.Target
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && rv.Type().Elem() == t.Type {
		if rv.IsNil() {
			return nil, nil
		}
		return t.PK[0].Value(rv.UnsafePointer())
	}
	return t.PK[0].Bind(v)
}
