package orm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/unitofwork/orm/internal/meta"
)

// Refs and Collections encode as JSON one level deep: a Ref or Collection
// writes the entities it holds in full, except that their own Refs and
// Collections are written as keys. encoding/json gives a MarshalJSON no
// context, so the level is carried in the values: a Ref or Collection
// encodes a shallow copy of each entity it holds, in which every Ref and
// Collection is marked to write keys (a Ref's target replaced by its key,
// a Collection's KeysOnly set). Nothing outside the copy changes, so
// concurrent encodings of the same entities share no state, and however
// the entities point at each other (a book's author's books), an encoding
// ends.

var (
	_ json.Marshaler   = Ref[struct{}]{}
	_ json.Unmarshaler = (*Ref[struct{}])(nil)
	_ json.Marshaler   = Collection[struct{}]{}
	_ json.Unmarshaler = (*Collection[struct{}])(nil)
)

// keysOnlyer is a Ref or Collection in the copy of an entity being
// encoded: keysOnly makes it write its targets as keys.
type keysOnlyer interface{ keysOnly() error }

// MarshalJSON encodes the Ref: a loaded Ref ([Ref.Get] is not nil) as the
// entity it points at, whose own Refs and Collections are written as keys;
// an unloaded Ref as its key ([Ref.ID]); a NULL Ref as null. A target with
// no key yet (a new entity, not flushed) is written as null where a key is
// written. It has a value receiver, so that a Ref field encodes in an
// entity given by value as by pointer.
func (r Ref[T]) MarshalJSON() ([]byte, error) {
	if p := r.Get(); p != nil {
		return marshalEntity(p)
	}
	return json.Marshal(r.d.ID)
}

// UnmarshalJSON decodes the Ref: null makes it NULL; a JSON object decodes
// into a new entity the Ref points at (one [Repository.Merge] can attach);
// any other value is the target's key, decoded into the type of T's key
// field (found from T's type alone, by the rules of [Open]: the field
// tagged orm:"pk", else the one named ID), so that an int64 key stays an
// int64 and a string key a string. A Ref a live Session attached moves as
// with [Ref.Set]: to the managed entity with that key when there is one.
// The inverse side of a one-to-one that a live Session attached is an
// error: decoding it would rewrite the owning side's foreign keys.
func (r *Ref[T]) UnmarshalJSON(data []byte) error {
	if rel := r.d.Rel; rel != nil && rel.Kind == meta.RelHasOne && sessionOf(r.d.S) != nil {
		// Decoding would move the owning side, a write the body only implies.
		return fmt.Errorf("orm: Ref[%s]: %s.%s is the inverse side of a one-to-one: decode into the owning side, %s.%s", reflect.TypeFor[T]().Name(), rel.Owner.Name, rel.Name, rel.Target.Name, rel.Inverse.Name)
	}
	switch jsonStart(data) {
	case 'n':
		r.Set(nil)
		return nil
	case '{':
		p := new(T)
		if err := json.Unmarshal(data, p); err != nil {
			return err
		}
		r.Set(p)
		return nil
	}
	p, err := keyEntity[T](data, "Ref["+reflect.TypeFor[T]().Name()+"]")
	if err != nil {
		return err
	}
	id := keyValue[T](unsafe.Pointer(p))
	if s := sessionOf(r.d.S); s != nil {
		if ref := Repo[T](s).Ref(id); ref.Get() != nil {
			r.Set(ref.Get())
			return nil
		}
	}
	r.Set(nil) // out of the old target's loaded collection
	r.d.ID = id
	return nil
}

// keysOnly makes a loaded Ref in an entity's copy hold its target's key.
func (r *Ref[T]) keysOnly() error {
	if r.d.Ptr == nil {
		return nil
	}
	id, err := keyOf[T](r.d.Ptr, "Ref["+reflect.TypeFor[T]().Name()+"]")
	r.d = meta.RefData{ID: id}
	return err
}

// MarshalJSON encodes the collection: a loaded one as a JSON array of its
// members (an empty one as []), each the entity with its own Refs and
// Collections written as keys; an unloaded one as null. Tag the field
// json:",omitzero" to leave an unloaded collection out (see
// [Collection.IsZero]).
func (c Collection[T]) MarshalJSON() ([]byte, error) {
	if c.d.Unloaded {
		return []byte("null"), nil
	}
	b := []byte{'['}
	for i, p := range *(*[]*T)(unsafe.Pointer(&c.d.Items)) {
		if i > 0 {
			b = append(b, ',')
		}
		var e []byte
		var err error
		if c.d.KeysOnly {
			e, err = marshalKey(p)
		} else {
			e, err = marshalEntity(p)
		}
		if err != nil {
			return nil, err
		}
		b = append(b, e...)
	}
	return append(b, ']'), nil
}

// IsZero reports whether the collection is unloaded, which is what
// json:",omitzero" leaves out. A loaded collection is not zero, empty or
// not: the zero Collection, a new entity's, is loaded and empty, and
// encodes as [].
func (c Collection[T]) IsZero() bool { return c.d.Unloaded }

// UnmarshalJSON decodes a JSON array into the collection's members, as
// [Collection.Set] does: each element a JSON object, decoded into a new
// entity, or a key (as [Ref.UnmarshalJSON] takes one), which names the
// member with that key, else the entity with that key the collection's
// live Session manages, else a new entity holding the key, a reference to
// that row. null changes nothing, as
// encoding/json does for other types: a new entity's collection stays
// loaded and empty, an unloaded one unloaded. Decoding an array into an
// unloaded collection is an error, since the members it would replace are
// not known: Load it first.
func (c *Collection[T]) UnmarshalJSON(data []byte) error {
	name := reflect.TypeFor[T]().Name()
	switch jsonStart(data) {
	case 'n':
		return nil
	case '[':
	default:
		return fmt.Errorf("orm: Collection[%s]: got %.40s; want a JSON array or null", name, data)
	}
	if c.d.Unloaded {
		return fmt.Errorf("orm: Collection[%s]: decoding into an unloaded collection: %w: Load it first", name, ErrNotLoaded)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	items := make([]*T, len(raw))
	for i, m := range raw {
		var err error
		if items[i], err = c.decodeItem(m, fmt.Sprintf("Collection[%s]: item %d", name, i)); err != nil {
			return err
		}
	}
	c.Set(items...)
	return nil
}

// decodeItem decodes one element of a loaded collection's JSON array: an
// object into a new entity, a key into the entity it names (see
// UnmarshalJSON); null is an error. where names the element in errors.
func (c *Collection[T]) decodeItem(m json.RawMessage, where string) (*T, error) {
	switch jsonStart(m) {
	case 'n':
		return nil, fmt.Errorf("orm: %s: null is neither an entity nor a key", where)
	case '{':
		p := new(T)
		if err := json.Unmarshal(m, p); err != nil {
			return nil, fmt.Errorf("orm: %s: %w", where, err)
		}
		return p, nil
	}
	p, err := keyEntity[T](m, where)
	if err != nil {
		return nil, err
	}
	id := keyValue[T](unsafe.Pointer(p))
	if !reflect.TypeOf(id).Comparable() {
		return p, nil
	}
	for _, q := range c.Items() {
		if k, _ := keyOf[T](unsafe.Pointer(q), where); k == id {
			return q, nil
		}
	}
	if s := sessionOf(c.d.S); s != nil {
		if q := Repo[T](s).Ref(id).Get(); q != nil {
			return q, nil
		}
	}
	return p, nil
}

// keysOnly makes a collection in an entity's copy write its members' keys.
func (c *Collection[T]) keysOnly() error {
	c.d.KeysOnly = true
	return nil
}

// marshalEntity encodes the entity at p one level deep: a shallow copy of
// it whose Refs and Collections write keys.
func marshalEntity[T any](p *T) ([]byte, error) {
	c := *p
	if err := keysOnly(reflect.ValueOf(&c).Elem()); err != nil {
		return nil, err
	}
	return json.Marshal(&c)
}

// keysOnly marks the Refs and Collections of v, an addressable struct
// copied by marshalEntity, and of the structs it holds by value, to write
// keys.
func keysOnly(v reflect.Value) error {
	if v.Kind() != reflect.Struct {
		return nil
	}
	for i := range v.NumField() {
		f := v.Field(i)
		if k, ok := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Interface().(keysOnlyer); ok {
			if err := k.keysOnly(); err != nil {
				return err
			}
		} else if err := keysOnly(f); err != nil {
			return err
		}
	}
	return nil
}

// marshalKey encodes the key of the entity at p (null when it has none
// yet).
func marshalKey[T any](p *T) ([]byte, error) {
	id, err := keyOf[T](unsafe.Pointer(p), "Collection["+reflect.TypeFor[T]().Name()+"]")
	if err != nil {
		return nil, err
	}
	return json.Marshal(id)
}

// keyField returns T's key field, by [meta.KeyFields]; where names the
// Ref or Collection in the error when T has no single key field.
func keyField[T any](where string) (reflect.StructField, error) {
	t := reflect.TypeFor[T]()
	ks := meta.KeyFields(t)
	if len(ks) != 1 {
		return reflect.StructField{}, fmt.Errorf("orm: %s: %s has %d key fields; a relation's target has one (tagged orm:\"pk\", or named ID)", where, t.Name(), len(ks))
	}
	return ks[0], nil
}

// keyOf returns the key of the entity at p, or nil when it has none yet
// (its key field is zero).
func keyOf[T any](p unsafe.Pointer, where string) (any, error) {
	f, err := keyField[T](where)
	if err != nil {
		return nil, err
	}
	v := reflect.NewAt(f.Type, unsafe.Add(p, f.Offset)).Elem()
	if v.IsZero() {
		return nil, nil
	}
	return v.Interface(), nil
}

// keyValue returns the key field of the entity at p, zero or not; T has
// one key field.
func keyValue[T any](p unsafe.Pointer) any {
	f, _ := keyField[T]("")
	return reflect.NewAt(f.Type, unsafe.Add(p, f.Offset)).Elem().Interface()
}

// keyEntity returns a new entity whose key field holds the JSON key data,
// decoded into the field's type; where names the Ref or element in errors.
func keyEntity[T any](data []byte, where string) (*T, error) {
	f, err := keyField[T](where)
	if err != nil {
		return nil, err
	}
	p := new(T)
	a := reflect.NewAt(f.Type, unsafe.Add(unsafe.Pointer(p), f.Offset))
	if err := json.Unmarshal(data, a.Interface()); err != nil {
		t := reflect.TypeFor[T]()
		return nil, fmt.Errorf("orm: %s: key %.40s does not fit %s.%s (%s): %w", where, data, t.Name(), f.Name, f.Type, err)
	}
	return p, nil
}

// jsonStart returns the first byte of the JSON value data.
func jsonStart(data []byte) byte {
	if data = bytes.TrimLeft(data, " \t\r\n"); len(data) == 0 {
		return 0
	}
	return data[0]
}
