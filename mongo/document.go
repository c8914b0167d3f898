package mongo

import (
	"fmt"
	"reflect"
	"time"
	"unicode/utf8"
	"unsafe"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// keyValue returns the _id of the entity whose key fields are read from p:
// the key's value, or for a composite key a document of its parts.
func keyValue(m *meta.Entity, p unsafe.Pointer) (any, error) {
	if len(m.PK) == 1 {
		return value(m, m.PK[0], p)
	}
	d := make(bson.D, 0, len(m.PK))
	for _, f := range m.PK {
		v, err := value(m, f, p)
		if err != nil {
			return nil, err
		}
		d = append(d, bson.E{Key: f.Column, Value: v})
	}
	return d, nil
}

// document builds the document of the entity at p: _id first, then each
// column, NULL for the fields in nulls.
func document(m *meta.Entity, p unsafe.Pointer, nulls backend.Mask) (bson.D, error) {
	id, err := keyValue(m, p)
	if err != nil {
		return nil, err
	}
	d := make(bson.D, 0, len(m.Fields)+1)
	d = append(d, bson.E{Key: "_id", Value: id})
	for _, f := range m.Fields {
		if f.PK {
			continue
		}
		var v any
		if nulls == nil || !nulls.Has(f.Pos) {
			if v, err = value(m, f, p); err != nil {
				return nil, err
			}
		}
		d = append(d, bson.E{Key: f.Column, Value: v})
	}
	return d, nil
}

// value reads the field's driver value for a document; BSON strings must be
// valid UTF-8, so other text is refused rather than altered.
func value(m *meta.Entity, f *meta.Field, p unsafe.Pointer) (any, error) {
	v, err := f.Value(p)
	if err != nil {
		return nil, fmt.Errorf("orm: %s.%s: %w", m.Name, f.Name, err)
	}
	if s, ok := v.(string); ok && !utf8.ValidString(s) {
		return nil, fmt.Errorf("orm: %s.%s: the string is not valid UTF-8, which BSON requires", m.Name, f.Name)
	}
	return toBSON(f, v), nil
}

var objectIDType = reflect.TypeFor[bson.ObjectID]()

// isObjectID reports whether f holds a bson.ObjectID, itself or as the key
// a Ref points at.
func isObjectID(f *meta.Field) bool {
	if f.Kind == meta.KindRef {
		f = f.Rel.Target.PK[0]
	}
	return f.Elem == objectIDType
}

// toBSON turns the bytes of an ObjectID field back into a bson.ObjectID,
// the text of a decimal (a Scanner tagged with a numeric type) into a
// Decimal128, which compares as a number, and the bytes of a UUID field (a
// [16]byte array, itself or as the key a Ref points at) into BSON binary
// data of the UUID subtype, 4.
func toBSON(f *meta.Field, v any) any {
	b, ok := v.([]byte)
	switch {
	case !ok:
	case len(b) == 12 && isObjectID(f):
		return bson.ObjectID(b)
	case len(b) == 16 && f.Storage == meta.KindUUID:
		return bson.Binary{Subtype: bson.TypeBinaryUUID, Data: b}
	}
	if s, ok := v.(string); ok && f.Decimal {
		if d, err := bson.ParseDecimal128(s); err == nil {
			return d
		}
	}
	return v
}

// bsonValues returns the driver values vs of field f as BSON values, as
// toBSON makes them, for a query on f's documents.
func bsonValues(f *meta.Field, vs []any) bson.A {
	out := make(bson.A, len(vs))
	for i, v := range vs {
		out[i] = toBSON(f, v)
	}
	return out
}

// CheckEntity refuses fields with a database default (orm:"default:…"):
// MongoDB has no column defaults to fill them in; and on FerretDB, which
// has no Decimal128, decimals.
func (b *engine) CheckEntity(m *meta.Entity) error {
	if len(m.Defaults) > 0 {
		f := m.Defaults[0]
		return &meta.Error{Entity: m.Name, Field: f.Name, Reason: `MongoDB has no column defaults: drop orm:"default:…" and set the value in the program (a BeforeCreate hook)`}
	}
	for _, f := range m.Fields {
		if f.Decimal && b.noDecimals {
			return &meta.Error{Entity: m.Name, Field: f.Name, Reason: "FerretDB has no Decimal128, which a decimal is stored as: drop the numeric type: to store its text (compared as text)"}
		}
	}
	return nil
}

// GenerateKey gives a new entity whose key is an empty bson.ObjectID a new
// ObjectID, made on the client.
func (b *engine) GenerateKey(m *meta.Entity, p unsafe.Pointer) bool {
	if len(m.PK) != 1 || m.PK[0].Type != objectIDType {
		return false
	}
	*(*bson.ObjectID)(m.PK[0].Addr(p)) = bson.NewObjectID()
	return true
}

// TimePrecision says MongoDB keeps times to the millisecond: BSON dates.
func (b *engine) TimePrecision() time.Duration { return time.Millisecond }

// fromBSON converts a BSON value into the driver value Field.Store takes.
func fromBSON(rv bson.RawValue) any {
	switch rv.Type {
	case bson.TypeDouble:
		return rv.Double()
	case bson.TypeString:
		return rv.StringValue()
	case bson.TypeBoolean:
		return rv.Boolean()
	case bson.TypeInt32:
		return int64(rv.Int32())
	case bson.TypeInt64:
		return rv.Int64()
	case bson.TypeDateTime:
		return time.UnixMilli(rv.DateTime()).UTC()
	case bson.TypeBinary:
		_, data := rv.Binary()
		return append([]byte{}, data...)
	case bson.TypeDecimal128:
		return rv.Decimal128().String()
	case bson.TypeObjectID:
		id := rv.ObjectID()
		return id[:]
	case bson.TypeNull, bson.TypeUndefined, 0:
		return nil
	}
	return rv.String()
}

// hydrate builds a new entity from a document.
func hydrate(m *meta.Entity, doc bson.Raw) (unsafe.Pointer, error) {
	p := m.New()
	for _, f := range m.Fields {
		var rv bson.RawValue
		var err error
		switch {
		case f.PK && len(m.PK) == 1:
			rv, err = doc.LookupErr("_id")
		case f.PK:
			rv, err = doc.LookupErr("_id", f.Column)
		default:
			rv, err = doc.LookupErr(f.Column)
		}
		var v any
		if err == nil {
			v = fromBSON(rv)
		}
		if err := f.Store(p, v); err != nil {
			return nil, fmt.Errorf("orm: reading %s.%s (key %s): %w", m.Name, f.Name, f.Column, err)
		}
	}
	// Keep the many-to-many keys the document holds, so that populating the
	// relation needs no second read of the owners.
	for _, rel := range m.Collections {
		if rel.Kind == meta.RelManyToMany && rel.Owning() {
			rel.Coll(p).Slot = readLinks(doc, rel)
		}
	}
	return p, nil
}
