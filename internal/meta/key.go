package meta

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unsafe"
)

// Key is the identity-map key of one entity: its primary key, comparable with
// == and usable as a map key.
//
// An entity whose key is one integer field ([Entity.IntKey]) has integer
// keys, held as an int64 ([Key.Int]) so that a lookup hashes one word and
// allocates nothing; a uint64 key above math.MaxInt64 wraps to a negative
// int64, still one key per value. Every other entity has string keys
// ([Key.Str]): the value of its one string key field as it is, or an
// encoding of its key fields. All keys of one entity are of one sort, and
// keys are only compared with keys of the same entity.
//
// Keys have one constructor per source:
//   - [Entity.Key], from the key fields of an entity, of its snapshot or of
//     a key entity ([Entity.KeyEntity]);
//   - [Entity.KeyOfID], from an id a caller gives: to Get, or as a Ref's ID;
//   - [Entity.KeyOfValue], from a driver value a backend read from a key
//     column (a foreign key, a link, a key a document holds);
//   - [Field.RefKey], from a Ref: its target's key or its stored ID.
//
// A value that names no key of the entity is an error naming the entity and
// the value, never a key.
type Key struct {
	n int64  // an integer key
	s string // a string key
}

func intKey(n int64) Key  { return Key{n: n} }
func strKey(s string) Key { return Key{s: s} }

// Int returns the integer of an integer key.
func (k Key) Int() int64 { return k.n }

// Str returns the string of a string key.
func (k Key) Str() string { return k.s }

// Key returns the key of the entity at p, or of its snapshot, read from its
// key fields.
func (e *Entity) Key(p unsafe.Pointer) Key {
	if len(e.PK) == 1 {
		return e.PK[0].key(e.PK[0].Addr(p))
	}
	var b []byte
	for _, f := range e.PK {
		b = f.appendKey(b, f.Addr(p))
	}
	return strKey(string(b))
}

// key is the key of an entity whose single key field, f, is at address a.
func (f *Field) key(a unsafe.Pointer) Key {
	switch f.Kind {
	case KindInt:
		return intKey(readInt(a, f.size))
	case KindUint:
		return intKey(int64(readUint(a, f.size)))
	case KindString:
		return strKey(*(*string)(a))
	case KindArray: // a UUID: its bytes, as appendKey gives them, in one allocation
		if !f.pointers {
			return strKey(string(unsafe.Slice((*byte)(a), f.size)))
		}
	}
	return strKey(string(f.appendKey(nil, a)))
}

// CompareKeys orders the entities at a and b by key, the same way whatever
// the database: field by field in key order, integers by value, strings
// and fixed-size values (UUIDs) by their bytes, times by instant. It
// returns -1, 0 or +1.
func (e *Entity) CompareKeys(a, b unsafe.Pointer) int {
	for _, f := range e.PK {
		if c := f.compareKey(f.Addr(a), f.Addr(b)); c != 0 {
			return c
		}
	}
	return 0
}

// compareKey orders the values of key field f at addresses a and b.
func (f *Field) compareKey(a, b unsafe.Pointer) int {
	switch {
	case f.Kind == KindInt:
		return cmp.Compare(readInt(a, f.size), readInt(b, f.size))
	case f.Kind == KindUint:
		return cmp.Compare(readUint(a, f.size), readUint(b, f.size))
	case f.Kind == KindString:
		return strings.Compare(*(*string)(a), *(*string)(b))
	case f.Kind == KindTime:
		return (*time.Time)(a).Compare(*(*time.Time)(b))
	case !f.pointers:
		return bytes.Compare(unsafe.Slice((*byte)(a), f.size), unsafe.Slice((*byte)(b), f.size))
	}
	return bytes.Compare(f.appendKey(nil, a), f.appendKey(nil, b))
}

// appendKey appends the encoding of the key field f at address a to b: a
// fixed-size or length-prefixed form, so that the parts of a composite key
// cannot run into each other.
func (f *Field) appendKey(b []byte, a unsafe.Pointer) []byte {
	switch {
	case f.Kind == KindInt || f.Kind == KindUint:
		return binary.BigEndian.AppendUint64(b, readUint(a, f.size))
	case f.Kind == KindString:
		s := *(*string)(a)
		return append(binary.AppendUvarint(b, uint64(len(s))), s...)
	case f.Kind == KindTime:
		s := (*time.Time)(a).UTC().Format(time.RFC3339Nano)
		return append(binary.AppendUvarint(b, uint64(len(s))), s...)
	case !f.pointers:
		return append(b, unsafe.String((*byte)(a), f.size)...)
	}
	v, _ := f.elemValue(a)
	s := fmt.Sprint(v)
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// KeyOfID returns the key that id names, an id a caller gives to Get or
// Repository.Ref, or a Ref's stored ID: a value of the key field's type or one convertible to it
// without loss (an int for an int64 key), or, for a composite key, a []any
// with one such value per key field, in field order. An int, an int64 or a
// string for a key of that kind costs no allocation.
func (e *Entity) KeyOfID(id any) (Key, error) {
	switch { // the common ids first, with no key entity
	case e.IntKey:
		switch n := id.(type) {
		case int64:
			if e.PK[0].fits(n) {
				return intKey(n), nil
			}
		case int:
			if e.PK[0].fits(int64(n)) {
				return intKey(int64(n)), nil
			}
		}
	case len(e.PK) == 1 && e.PK[0].Kind == KindString:
		if s, ok := id.(string); ok {
			return strKey(s), nil
		}
	}
	p, err := e.KeyEntity(id)
	if err != nil {
		return Key{}, err
	}
	return e.Key(p), nil
}

// KeyEntity returns a new zero entity whose key fields hold id, an id as
// [Entity.KeyOfID] takes it.
func (e *Entity) KeyEntity(id any) (unsafe.Pointer, error) {
	p := e.New()
	if len(e.PK) == 1 {
		if f := e.PK[0]; !assign(f.value(p), id) {
			return nil, fmt.Errorf("%s key %v (%T): does not fit field %s (%s)", e.Name, id, id, f.Name, f.Type)
		}
		return p, nil
	}
	ids, ok := id.([]any)
	if !ok || len(ids) != len(e.PK) {
		return nil, fmt.Errorf("%s key %v (%T): the composite key takes a []any of %d values", e.Name, id, id, len(e.PK))
	}
	for i, f := range e.PK {
		if !assign(f.value(p), ids[i]) {
			return nil, fmt.Errorf("%s key %v: value %d, %v (%T), does not fit field %s (%s)", e.Name, id, i+1, ids[i], ids[i], f.Name, f.Type)
		}
	}
	return p, nil
}

// KeyOfValue returns the key of the entity whose single key column holds the
// driver value v, as a backend reads it.
func (e *Entity) KeyOfValue(v any) (Key, error) {
	f := e.PK[0]
	switch x := v.(type) {
	case int64:
		if e.IntKey && f.fits(x) {
			return intKey(x), nil
		}
	case string:
		if f.Kind == KindString {
			return strKey(x), nil
		}
	case []byte:
		if f.Kind == KindString {
			return strKey(string(x)), nil
		}
	}
	p := e.New()
	if err := f.Store(p, v); err != nil {
		return Key{}, fmt.Errorf("%s key %v (%T): %w", e.Name, v, v, err)
	}
	return e.Key(p), nil
}

// RefKey returns the key of the entity the Ref d points at: its target's, or
// the one its stored ID names. ok is false when it points at none (it is
// NULL) or at a new entity whose key is not generated yet. A stored ID that
// names no key of the target is an error.
func (f *Field) RefKey(d *RefData) (k Key, ok bool, err error) {
	t := f.Rel.Target
	if d.Ptr != nil {
		if !t.HasKey(d.Ptr) {
			return Key{}, false, nil
		}
		return t.Key(d.Ptr), true, nil
	}
	if d.ID == nil {
		return Key{}, false, nil
	}
	if k, err = t.KeyOfID(d.ID); err != nil {
		return Key{}, false, err
	}
	return k, true, nil
}

// RefersTo reports whether the Ref d points at the entity at p, a target of
// f: holds it, or holds an ID naming its key.
func (f *Field) RefersTo(d *RefData, p unsafe.Pointer) bool {
	if d.Ptr != nil || d.ID == nil {
		return d.Ptr != nil && d.Ptr == p
	}
	t := f.Rel.Target
	if !t.HasKey(p) {
		return false
	}
	k, err := t.KeyOfID(d.ID)
	return err == nil && k == t.Key(p)
}

// KeyValue returns the primary key of the entity at p for messages: the
// single key value, or a slice of values for a composite key.
func (e *Entity) KeyValue(p unsafe.Pointer) any {
	if len(e.PK) == 1 {
		return e.PK[0].Get(p)
	}
	vs := make([]any, len(e.PK))
	for i, f := range e.PK {
		vs[i] = f.Get(p)
	}
	return vs
}

// HasKey reports whether the entity at p has a primary key set: a non-zero
// key, or for a composite key at least one non-zero part (zero is a valid
// value for a part).
func (e *Entity) HasKey(p unsafe.Pointer) bool {
	for _, f := range e.PK {
		if !f.IsZero(p) {
			return true
		}
	}
	return false
}

// KeyFields returns the key fields of the struct type t by the rules Build
// applies — the fields tagged pk, else a field named ID (or Id), looked for
// in embedded structs too — without building its metadata: what a Ref or
// Collection that no Session attached can know of its target. Each field's
// Offset is from the start of t. It returns nil when t has no key.
func KeyFields(t reflect.Type) []reflect.StructField {
	if t.Kind() != reflect.Struct {
		return nil
	}
	var tagged []reflect.StructField
	named := map[string]reflect.StructField{}
	keyFields(t, 0, &tagged, named)
	if len(tagged) > 0 {
		return tagged
	}
	for _, n := range []string{"ID", "Id"} {
		if sf, ok := named[n]; ok {
			return []reflect.StructField{sf}
		}
	}
	return nil
}

// keyFields collects the fields of t (at offset in the entity) that are
// tagged pk, and those named ID or Id, walking embedded structs as
// addFields does.
func keyFields(t reflect.Type, offset uintptr, tagged *[]reflect.StructField, named map[string]reflect.StructField) {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, isTagged := sf.Tag.Lookup("orm")
		if tag == "-" {
			continue
		}
		if sf.Anonymous && !isTagged && sf.Type.Kind() == reflect.Struct && classify(sf.Type) == kindNone {
			keyFields(sf.Type, offset+sf.Offset, tagged, named)
			continue
		}
		if !sf.IsExported() {
			continue
		}
		sf.Offset += offset
		if hasOption(tag, "pk") {
			*tagged = append(*tagged, sf)
		}
		if _, seen := named[sf.Name]; !seen && (sf.Name == "ID" || sf.Name == "Id") {
			named[sf.Name] = sf
		}
	}
}

// hasOption reports whether the orm tag holds the option opt.
func hasOption(tag, opt string) bool {
	for o := range strings.SplitSeq(tag, ",") {
		if k, _, _ := strings.Cut(strings.TrimSpace(o), ":"); k == opt {
			return true
		}
	}
	return false
}
