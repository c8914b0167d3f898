// Package meta builds and caches entity metadata: the table and columns a Go
// struct maps to, and the precomputed accessors (field offsets, scan targets,
// driver values, equality and deep copies) that the hot paths use instead of
// per-row reflection lookups.
package meta

import (
	"context"
	"fmt"
	"math/bits"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"unsafe"
)

// Hook flags record which optional one-method interfaces an entity's pointer
// type implements.
const (
	HookBeforeCreate uint8 = 1 << iota
	HookBeforeUpdate
	HookBeforeDelete
	HookAfterLoad
)

// The entity hooks: optional one-method interfaces, matched structurally,
// that an entity's pointer type may implement. Entity.Hooks records which;
// the Session calls them.
type (
	// BeforeCreator is an entity whose BeforeCreate runs before its insert.
	BeforeCreator interface{ BeforeCreate(context.Context) error }
	// BeforeUpdater is an entity whose BeforeUpdate runs before its update.
	BeforeUpdater interface{ BeforeUpdate(context.Context) error }
	// BeforeDeleter is an entity whose BeforeDelete runs before its delete.
	BeforeDeleter interface{ BeforeDelete(context.Context) error }
	// AfterLoader is an entity whose AfterLoad runs when its row is first
	// loaded into a Session.
	AfterLoader interface{ AfterLoad(context.Context) error }
)

// tableNamer is an entity type that names its table.
type tableNamer interface{ TableName() string }

// Entity is the metadata of one mapped struct type. It is built once, by
// [Build], and read concurrently afterwards.
type Entity struct {
	Type   reflect.Type // the struct type
	Name   string       // the Go type name, for messages
	Table  string
	Fields []*Field // mapped columns, in declaration order
	PK     []*Field // primary key columns, in key order
	Auto   *Field   // the database-generated key, if any
	// UUIDKey is the key when it is one UUID field (a [16]byte array):
	// the Session gives a new entity whose key is zero a UUIDv7.
	UUIDKey *Field
	Version *Field // the optimistic-lock column, if any
	// Defaults are the fields with a database default (orm:"default:…"),
	// which an insert leaves to the database while they are zero.
	Defaults []*Field
	// CreatedAt and UpdatedAt are the fields tagged orm:"createdAt" and
	// orm:"updatedAt", if any: the Session stamps them at Flush.
	CreatedAt *Field
	UpdatedAt *Field
	// SoftDelete is the field tagged orm:"softDelete", if any: a removal
	// sets it instead of deleting the row, and reads leave out the rows
	// where it is not NULL.
	SoftDelete *Field
	// IntKey is set when the key is one integer field: the entity's Keys
	// are integer keys, every other entity's string keys.
	IntKey bool
	// Relations are the entity's Ref and Collection fields; Collections
	// the Collection ones, which are not columns.
	Relations   []*Relation
	Collections []*Relation
	// HasOnes are the inverse sides of one-to-one relations: Refs with no
	// column, which only Populate, Load and the owning side's changes set.
	// They are in neither list above.
	HasOnes []*Relation
	// Pivots are the owning many-to-many relations whose pivot table holds
	// this entity's key, as the owner's or as the target's.
	Pivots []*Relation
	Hooks  uint8
	ID     int // position in the registry

	byName   map[string]*Field
	holders  []*Holder      // the pointer embeddables, outer ones first
	deep     []*Field       // fields whose snapshot needs a deep copy
	flat     []span         // byte ranges of the struct outside deep fields
	blocks   []reflect.Type // the type, then arrays of 2, 4 … MaxBlock entities, for Block
	copy     atomic.Value   // the func(dst, src unsafe.Pointer) of SetCopy, once given
	scanning scanning       // how a read's row lands in an entity
}

// MaxBlock is the largest power of two Block has the array type of at hand.
const MaxBlock = 64

// Field looks up a mapped field by its Go name.
func (e *Entity) Field(name string) *Field { return e.byName[name] }

// New allocates a zero entity and returns its address.
func (e *Entity) New() unsafe.Pointer { return reflect.New(e.Type).UnsafePointer() }

// Block allocates n zero entities in one array and returns the address of
// the first; the i-th is at i*Type.Size() from it. The array stays in
// memory as long as any of them does.
func (e *Entity) Block(n int) unsafe.Pointer {
	if n > 0 && n&(n-1) == 0 && n <= MaxBlock {
		return reflect.New(e.blocks[bits.TrailingZeros(uint(n))]).UnsafePointer()
	}
	return reflect.New(reflect.ArrayOf(n, e.Type)).UnsafePointer()
}

// Interface returns the entity at p as a *T boxed in an interface.
func (e *Entity) Interface(p unsafe.Pointer) any { return reflect.NewAt(e.Type, p).Interface() }

// Registry holds the metadata of every entity type a DB was opened with.
type Registry struct {
	List   []*Entity
	byType map[reflect.Type]*Entity
}

// Lookup returns the entity metadata for struct type t, or nil.
func (r *Registry) Lookup(t reflect.Type) *Entity { return r.byType[t] }

// Error describes a bad entity definition.
type Error struct {
	Entity string
	Field  string
	Reason string
}

// Error names the entity and field.
func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("orm: entity %s: %s", e.Entity, e.Reason)
	}
	return fmt.Sprintf("orm: entity %s, field %s: %s", e.Entity, e.Field, e.Reason)
}

// Build validates and builds the metadata of the given entities, each a
// pointer to a struct (or a struct value).
func Build(entities []any, probe Probe) (*Registry, error) {
	r := &Registry{byType: map[reflect.Type]*Entity{}}
	for _, v := range entities {
		t := reflect.TypeOf(v)
		if t == nil {
			return nil, &Error{Entity: "<nil>", Reason: "nil is not an entity; pass a pointer to a struct such as &User{}"}
		}
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return nil, &Error{Entity: t.String(), Reason: "not a struct; entities are structs passed as pointers such as &User{}"}
		}
		if r.byType[t] != nil {
			return nil, &Error{Entity: t.Name(), Reason: "registered twice"}
		}
		e, err := build(t, probe)
		if err != nil {
			return nil, err
		}
		e.ID = len(r.List)
		r.List = append(r.List, e)
		r.byType[t] = e
	}
	tables := map[string]*Entity{}
	for _, e := range r.List {
		if o := tables[strings.ToLower(e.Table)]; o != nil {
			return nil, &Error{Entity: e.Name, Reason: fmt.Sprintf("table %q is also the table of %s", e.Table, o.Name)}
		}
		tables[strings.ToLower(e.Table)] = e
	}
	if err := r.resolve(); err != nil {
		return nil, err
	}
	return r, nil
}

// build builds the metadata of the struct type t.
func build(t reflect.Type, probe Probe) (*Entity, error) {
	name := t.Name()
	if name == "" {
		return nil, &Error{Entity: t.String(), Reason: "anonymous struct types cannot be entities"}
	}
	e := &Entity{Type: t, Name: name, Table: SnakeCase(name), byName: map[string]*Field{}}
	if err := e.readMethods(); err != nil {
		return nil, err
	}
	if err := e.addFields(t, nil, 0, embedding{}, probe); err != nil {
		return nil, err
	}
	if len(e.Fields) == 0 {
		return nil, &Error{Entity: name, Reason: "no mapped fields"}
	}
	if err := e.index(); err != nil {
		return nil, err
	}
	e.layout()
	for _, f := range e.Fields {
		f.direct = directOf(f)
	}
	e.planScanning()
	// A block of one is the type itself (the same memory): reflect.New
	// finds its pointer type at hand, where an array type's is a map
	// lookup, and one-row reads are the most common.
	e.blocks = append(e.blocks, t)
	for n := 2; n <= MaxBlock; n *= 2 {
		e.blocks = append(e.blocks, reflect.ArrayOf(n, t))
	}
	if err := e.checkKeys(); err != nil {
		return nil, err
	}
	return e, nil
}

// readMethods reads the table name and the hooks from the methods of the
// entity's type.
func (e *Entity) readMethods() error {
	t, pt := e.Type, reflect.PointerTo(e.Type)
	if pt.Implements(reflect.TypeFor[tableNamer]()) || t.Implements(reflect.TypeFor[tableNamer]()) {
		e.Table = reflect.New(t).Interface().(tableNamer).TableName()
		if e.Table == "" {
			return &Error{Entity: e.Name, Reason: "TableName() returned an empty name"}
		}
	}
	for flag, it := range map[uint8]reflect.Type{
		HookBeforeCreate: reflect.TypeFor[BeforeCreator](),
		HookBeforeUpdate: reflect.TypeFor[BeforeUpdater](),
		HookBeforeDelete: reflect.TypeFor[BeforeDeleter](),
		HookAfterLoad:    reflect.TypeFor[AfterLoader](),
	} {
		if pt.Implements(it) {
			e.Hooks |= flag
		}
	}
	return nil
}

// index numbers the fields and indexes them by name, refusing a column or
// a name mapped twice, and picks out the key, version and deep fields.
func (e *Entity) index() error {
	columns := map[string]*Field{}
	for i, f := range e.Fields {
		f.Pos = i
		lc := strings.ToLower(f.Column)
		if o := columns[lc]; o != nil {
			return &Error{Entity: e.Name, Field: f.Name, Reason: fmt.Sprintf("column %q is also the column of field %s", f.Column, o.Name)}
		}
		columns[lc] = f
		if o := e.byName[f.Name]; o != nil {
			return &Error{Entity: e.Name, Field: f.Name, Reason: "field name is mapped twice (through embedded structs)"}
		}
		e.byName[f.Name] = f
		if f.PK {
			e.PK = append(e.PK, f)
		}
		if f.Version {
			if e.Version != nil {
				return &Error{Entity: e.Name, Field: f.Name, Reason: "second version field; " + e.Version.Name + " is already the version"}
			}
			e.Version = f
		}
		if f.Default != "" {
			if f.Version {
				return &Error{Entity: e.Name, Field: f.Name, Reason: "the version takes no default: the Session sets it"}
			}
			if len(e.Defaults) == 64 {
				return &Error{Entity: e.Name, Field: f.Name, Reason: "more than 64 fields with defaults"}
			}
			e.Defaults = append(e.Defaults, f)
		}
		if err := e.indexStamp(f); err != nil {
			return err
		}
		if f.deep() || f.In != nil { // the bytes of a pointer embeddable are elsewhere
			e.deep = append(e.deep, f)
		}
	}
	return nil
}

// indexStamp records f as the entity's createdAt, updatedAt or softDelete field, if it
// is one, refusing a second.
func (e *Entity) indexStamp(f *Field) error {
	var at **Field
	switch f.Stamp {
	case StampCreated:
		at = &e.CreatedAt
	case StampUpdated:
		at = &e.UpdatedAt
	case StampDeleted:
		at = &e.SoftDelete
	default:
		return nil
	}
	if *at != nil {
		return &Error{Entity: e.Name, Field: f.Name, Reason: fmt.Sprintf("second %s field; %s is already the %s field", f.Stamp, (*at).Name, f.Stamp)}
	}
	*at = f
	return nil
}

// checkKeys settles the primary key, a field named ID or Id when none is
// tagged, and checks it and the version.
func (e *Entity) checkKeys() error {
	if len(e.PK) == 0 {
		for _, n := range []string{"ID", "Id"} {
			if f := e.byName[n]; f != nil {
				f.PK = true
				e.PK = []*Field{f}
				break
			}
		}
	}
	if len(e.PK) == 0 {
		return &Error{Entity: e.Name, Reason: `no primary key: name a field ID or tag it orm:"pk"`}
	}
	for _, f := range e.PK {
		switch {
		case f.Ptr || f.Nullable:
			return &Error{Entity: e.Name, Field: f.Name, Reason: "a primary key cannot be nullable"}
		case f.Kind == KindJSON || f.Kind == KindFloat || f.Kind == KindBytes:
			return &Error{Entity: e.Name, Field: f.Name, Reason: "unsupported primary key type " + f.Type.String()}
		case f.Version:
			return &Error{Entity: e.Name, Field: f.Name, Reason: "a primary key cannot be the version"}
		case f.Default != "":
			return &Error{Entity: e.Name, Field: f.Name, Reason: `a primary key takes no default (a zero integer key is generated; set others before flushing)`}

		case f.Stamp != NoStamp:
			return &Error{Entity: e.Name, Field: f.Name, Reason: fmt.Sprintf("a primary key cannot be the %s stamp, which the Session sets", f.Stamp)}
		}
	}
	if len(e.PK) == 1 && (e.PK[0].Kind == KindInt || e.PK[0].Kind == KindUint) {
		e.IntKey = true
		e.Auto = e.PK[0]
		e.Auto.Auto = true
		if e.Auto.SQLType != "" {
			return &Error{Entity: e.Name, Field: e.Auto.Name, Reason: `a generated key takes the database's own type: drop its orm:"type:…"`}
		}
	}
	if len(e.PK) == 1 && e.PK[0].Storage == KindUUID {
		e.UUIDKey = e.PK[0]
	}
	if v := e.Version; v != nil && (v.Ptr || (v.Kind != KindInt && v.Kind != KindUint)) {
		return &Error{Entity: e.Name, Field: v.Name, Reason: "a version field must be a non-pointer integer, not " + v.Type.String()}
	}
	return nil
}

// embedding is where addFields is inside the entity: the names and columns
// of the fields of an embeddable (orm:"embedded") it flattens take its
// field name and column prefix.
type embedding struct {
	name   string  // "Address." inside Address
	column string  // "address_" inside Address
	holder *Holder // the pointer embeddable it is in, if any
}

func (e *Entity) addFields(t reflect.Type, index []int, offset uintptr, in embedding, probe Probe) error {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, tagged := sf.Tag.Lookup("orm")
		if tag == "-" {
			continue
		}
		idx := append(append([]int(nil), index...), i)
		if sf.Anonymous && !tagged {
			ft := sf.Type
			if ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct && classify(ft.Elem()) == kindNone {
				return &Error{Entity: e.Name, Field: sf.Name, Reason: "embedded struct pointers are not supported; embed the struct by value"}
			}
			if ft.Kind() == reflect.Struct && classify(ft) == kindNone {
				if err := e.addFields(ft, idx, offset+sf.Offset, in, probe); err != nil {
					return err
				}
				continue
			}
		}
		if !sf.IsExported() {
			if tagged {
				return &Error{Entity: e.Name, Field: sf.Name, Reason: "unexported fields cannot be mapped"}
			}
			continue
		}
		if inner, ok, err := embeddable(e.Name, sf, tag, in); ok || err != nil {
			if err == nil && inner.holder != in.holder {
				inner.holder.Offset = offset + sf.Offset
				e.holders = append(e.holders, inner.holder)
				err = e.addFields(inner.holder.Type, idx, 0, inner, probe)
			} else if err == nil {
				err = e.addFields(sf.Type, idx, offset+sf.Offset, inner, probe)
			}
			if err != nil {
				return err
			}
			continue
		}
		f, rel, err := newField(e.Name, sf, tag, probe)
		if err != nil {
			return err
		}
		if in.name != "" {
			if rel != nil {
				return &Error{Entity: e.Name, Field: in.name + sf.Name, Reason: "an embeddable holds columns, not relations: put the Ref or Collection on the entity"}
			}
			f.Name, f.Column = in.name+f.Name, in.column+f.Column
		}
		if in.holder != nil {
			if err := holderField(e.Name, f); err != nil {
				return err
			}
			f.In, f.Nullable = in.holder, true
		}
		if rel != nil {
			rel.Owner, rel.Index, rel.Offset = e, idx, offset+sf.Offset
			if rel.Kind == RelHasOne {
				e.HasOnes = append(e.HasOnes, rel)
				continue
			}
			e.Relations = append(e.Relations, rel)
			if f == nil {
				e.Collections = append(e.Collections, rel)
				continue
			}
		}
		f.Index = idx
		f.Offset = offset + sf.Offset
		e.Fields = append(e.Fields, f)
	}
	return nil
}

// embeddable reports whether the field sf, tagged tag, is an embeddable
// (orm:"embedded", optionally prefix:p), and returns where its fields go:
// named Field.Inner, with columns prefixed by p (by default its snake_case
// name and an underscore).
func embeddable(entity string, sf reflect.StructField, tag string, in embedding) (embedding, bool, error) {
	opts := splitTag(tag)
	if !slices.ContainsFunc(opts, func(o string) bool { return strings.TrimSpace(o) == "embedded" }) {
		for _, o := range opts {
			if strings.HasPrefix(strings.TrimSpace(o), "prefix:") {
				return in, false, &Error{Entity: entity, Field: in.name + sf.Name, Reason: `prefix applies to an embeddable: tag it orm:"embedded"`}
			}
		}
		return in, false, nil
	}
	bad := func(reason string) (embedding, bool, error) {
		return in, true, &Error{Entity: entity, Field: in.name + sf.Name, Reason: reason}
	}
	t := sf.Type
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || classify(t) != kindNone {
		return bad(fmt.Sprintf("embedded applies to a struct of fields or a pointer to one, not to %s", sf.Type))
	}
	prefix := SnakeCase(sf.Name) + "_"
	for _, o := range opts {
		switch key, val, _ := strings.Cut(strings.TrimSpace(o), ":"); key {
		case "embedded":
		case "prefix":
			prefix = val
		default:
			return bad(fmt.Sprintf("an embeddable takes only prefix besides embedded, not %q", key))
		}
	}
	inner := embedding{name: in.name + sf.Name + ".", column: in.column + prefix, holder: in.holder}
	if sf.Type.Kind() == reflect.Pointer {
		inner.holder = &Holder{Type: t, Outer: in.holder}
	}
	return inner, true, nil
}

// SnakeCase converts a Go name to snake_case: UserID → user_id,
// HTTPServer → http_server, BookTag → book_tag.
func SnakeCase(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		up := r >= 'A' && r <= 'Z'
		if up && i > 0 {
			prev := rs[i-1]
			prevLower := (prev >= 'a' && prev <= 'z') || (prev >= '0' && prev <= '9')
			nextLower := i+1 < len(rs) && rs[i+1] >= 'a' && rs[i+1] <= 'z'
			prevUpper := prev >= 'A' && prev <= 'Z'
			if prevLower || (prevUpper && nextLower) {
				b.WriteByte('_')
			}
		}
		if up {
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
