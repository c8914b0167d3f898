package meta

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// Kind is how a field's values are stored and compared.
type Kind uint8

// The field kinds.
const (
	kindNone Kind = iota
	KindInt
	KindUint
	KindFloat
	KindBool
	KindString
	KindBytes
	KindTime
	KindScanner // sql.Scanner + driver.Valuer, including sql.Null*
	KindJSON    // any type, stored as JSON text
	KindRef     // orm.Ref[T]: the target's key
	KindArray   // [N]byte, such as a UUID or a MongoDB ObjectID, stored as bytes
	KindUUID    // the storage kind of a [16]byte array: a UUID column
)

var (
	timeType    = reflect.TypeFor[time.Time]()
	scannerType = reflect.TypeFor[sql.Scanner]()
	valuerType  = reflect.TypeFor[driver.Valuer]()
)

// Field is one mapped column of an entity.
type Field struct {
	Name        string       // Go field name
	Column      string       // column name
	Type        reflect.Type // declared Go type
	Elem        reflect.Type // Type without its pointer, for pointer fields
	Kind        Kind
	Storage     Kind // the kind of value the column stores: see StorageKind
	Ptr         bool // a pointer field: nil is NULL
	Nullable    bool // NULL is a valid value
	PK          bool
	Auto        bool // a database-generated key
	Version     bool
	Stamp       Stamp // orm:"createdAt" or orm:"updatedAt": the Session sets it
	Unique      bool
	UniqueName  string    // composite unique index name, from unique:name
	IndexName   string    // index name, from index or index:name
	Enum        *Enum     // the values an enum type allows, if it is one
	SQLType     string    // the column's SQL type, from type:…; empty for the dialect's
	Length      int       // the most characters a text column holds, from size:…; 0 for no limit
	Default     string    // the column's SQL default, from default:…, filled in when an insert leaves the field zero
	Decimal     bool      // a Scanner and Valuer with a numeric SQL type: a decimal, compared as a number
	RenamedFrom string    // the column's old name, from renamedFrom:…, which a migration renames
	Rel         *Relation // KindRef: the relation
	Pos         int       // position in Entity.Fields
	Index       []int     // reflect index path
	Offset      uintptr   // from the entity, or from the struct of In
	In          *Holder   // the pointer embeddable the field sits in, if any

	size     uintptr
	pointers bool // the element type holds pointers
	signed   bool
	direct   direct // how DirectDest points into an entity, decided once
}

// direct is the type of pointer DirectDest returns for a field, or none.
type direct uint8

const (
	notDirect direct = iota
	directInt64
	directInt
	directString
	directBool
	directFloat64
)

// directOf decides how a driver scans into f with no conversion, if it can.
func directOf(f *Field) direct {
	if f.Ptr || f.In != nil || f.Kind == KindJSON { // a JSON string is its text, quoted
		return notDirect
	}
	switch f.Type {
	case int64Type:
		return directInt64
	case intType:
		if strconv.IntSize == 64 { // narrower, Store reports the overflow
			return directInt
		}
	case stringType:
		return directString
	case boolType:
		return directBool
	case float64Type:
		return directFloat64
	}
	return notDirect
}

// newField builds the field sf maps to, or, for a Collection, the relation.
func newField(entity string, sf reflect.StructField, tag string, probe Probe) (*Field, *Relation, error) {
	f := &Field{Name: sf.Name, Column: SnakeCase(sf.Name), Type: sf.Type}
	bad := func(format string, args ...any) error {
		return &Error{Entity: entity, Field: sf.Name, Reason: fmt.Sprintf(format, args...)}
	}
	var rel *Relation
	if probe != nil {
		if kind, target, copy := probe(sf.Type); kind != RelNone {
			rel = &Relation{Kind: kind, Name: sf.Name, targetType: target, targetCopy: copy}
		}
	}
	t, err := parseTag(f, rel, tag, bad)
	if err != nil {
		return nil, nil, err
	}
	if rel != nil {
		if f.SQLType != "" || f.Length > 0 || f.Default != "" {
			return nil, nil, bad("a Ref's column takes the type of its target's key and has no default: drop type, size and default")
		}
		if f.Stamp != NoStamp {
			return nil, nil, bad("option %q applies only to time.Time and *time.Time fields, not to a relation", f.Stamp)
		}
		return refField(f, rel, t.column, bad)
	}
	if err := f.setType(t.json, bad); err != nil {
		return nil, nil, err
	}
	f.Decimal = f.Kind == KindScanner && numericType(f.SQLType)
	switch {
	case f.Length > 0 && f.Storage != KindString:
		return nil, nil, bad("size applies to text fields, not to %s (name the column's type with orm:\"type:…\")", f.Type)
	case f.Storage == KindUUID && f.SQLType != "":
		return nil, nil, bad("a UUID takes the database's UUID type (uuid, UUID, BINARY(16), BLOB): drop its orm:\"type:…\"")
	case f.Length > 0 && f.SQLType != "":
		return nil, nil, bad("size and type together: write the length into the type, as in orm:\"type:varchar(80)\"")
	}
	if f.Stamp != NoStamp && (f.Kind != KindTime || f.Version) {
		what := "a " + f.Type.String() + " field"
		switch {
		case f.Version:
			what = "the version"
		case f.Kind == KindJSON:
			what = "a JSON field"
		}
		return nil, nil, bad("option %q applies only to time.Time and *time.Time fields, not to %s", f.Stamp, what)
	}
	if f.Stamp == StampDeleted && (!f.Ptr || f.Default != "") {
		return nil, nil, bad(`option "softDelete" applies to a *time.Time field without a default (nil: not deleted), not to %s`, describeSoft(f))
	}
	return f, nil, nil
}

// setType sets the field's kind and memory layout from its Go type; json
// maps any type as JSON text.
func (f *Field) setType(json bool, bad func(string, ...any) error) error {
	t := f.Type
	if json {
		f.Kind, f.Elem = KindJSON, t
	} else {
		if t.Kind() == reflect.Pointer {
			f.Ptr, t = true, t.Elem()
		}
		f.Elem = t
		f.Kind = classify(t)
		if f.Kind == kindNone {
			return bad(`unsupported type %s (map it with orm:"json", give it Scan/Value methods, or skip it with orm:"-")`, f.Type)
		}
	}
	if !json {
		e, err := enumOf(f.Elem, f.Kind)
		if err != nil {
			return bad("%v", err)
		}
		f.Enum = e
	}
	f.Storage = storage(f.Kind, f.Elem)
	f.size = f.Elem.Size()
	f.pointers = hasPointers(f.Elem)
	switch f.Elem.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		f.signed = true
	}
	if f.Ptr || f.Kind == KindBytes || (f.Elem.PkgPath() == "database/sql" && strings.HasPrefix(f.Elem.Name(), "Null")) {
		f.Nullable = true
	}
	return nil
}

// classify returns the kind of a field of type t, not a pointer, or
// kindNone. A [16]byte array type is a UUID, mapped as an array even when
// it has Scan and Value methods (github.com/google/uuid.UUID's Value gives
// text): the ORM writes each database's UUID form itself.
func classify(t reflect.Type) Kind {
	if t == timeType {
		return KindTime
	}
	if isUUID(t) {
		return KindArray
	}
	if reflect.PointerTo(t).Implements(scannerType) && (t.Implements(valuerType) || reflect.PointerTo(t).Implements(valuerType)) {
		return KindScanner
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return KindInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return KindUint
	case reflect.Float32, reflect.Float64:
		return KindFloat
	case reflect.Bool:
		return KindBool
	case reflect.String:
		return KindString
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return KindBytes
		}
	case reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return KindArray
		}
	}
	return kindNone
}

// isUUID reports whether t is a 16-byte array type, which maps to a UUID.
func isUUID(t reflect.Type) bool {
	return t.Kind() == reflect.Array && t.Len() == 16 && t.Elem().Kind() == reflect.Uint8
}

func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.String, reflect.Slice, reflect.Map, reflect.Interface, reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return true
	case reflect.Array:
		return t.Len() > 0 && hasPointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// deep reports whether a snapshot of the field needs more than a shallow copy.
func (f *Field) deep() bool {
	return f.Ptr || f.Kind == KindBytes || f.Kind == KindJSON || f.Kind == KindRef
}

// Get returns the field's Go value in the entity at p.
func (f *Field) Get(p unsafe.Pointer) any {
	switch f.Type { // the common keys without reflection, which allocates for every value
	case int64Type:
		return *(*int64)(f.Addr(p))
	case stringType:
		return *(*string)(f.Addr(p))
	}
	return f.value(p).Interface()
}

// value returns the field in the entity at p as a settable reflect.Value.
func (f *Field) value(p unsafe.Pointer) reflect.Value { return reflect.NewAt(f.Type, f.Addr(p)).Elem() }

// IsZero reports whether the field is its type's zero value in the entity at p.
func (f *Field) IsZero(p unsafe.Pointer) bool {
	a := f.peek(p)
	switch {
	case a == nil:
		return true
	case f.Kind == KindRef:
		d := (*RefData)(a)
		return d.Ptr == nil && d.ID == nil
	case f.Ptr:
		return *(*unsafe.Pointer)(a) == nil
	case f.Kind == KindInt || f.Kind == KindUint:
		return readUint(a, f.size) == 0
	case f.Kind == KindString:
		return *(*string)(a) == ""
	}
	return reflect.NewAt(f.Type, a).Elem().IsZero()
}

// Int reads an integer field (KindInt or KindUint, not a pointer).
func (f *Field) Int(p unsafe.Pointer) int64 {
	if f.signed {
		return readInt(f.Addr(p), f.size)
	}
	return int64(readUint(f.Addr(p), f.size))
}

// SetInt writes an integer field (KindInt or KindUint, not a pointer).
func (f *Field) SetInt(p unsafe.Pointer, n int64) { writeInt(f.Addr(p), f.size, n) }

func readInt(p unsafe.Pointer, size uintptr) int64 {
	switch size {
	case 1:
		return int64(*(*int8)(p))
	case 2:
		return int64(*(*int16)(p))
	case 4:
		return int64(*(*int32)(p))
	}
	return *(*int64)(p)
}

func readUint(p unsafe.Pointer, size uintptr) uint64 {
	switch size {
	case 1:
		return uint64(*(*uint8)(p))
	case 2:
		return uint64(*(*uint16)(p))
	case 4:
		return uint64(*(*uint32)(p))
	}
	return *(*uint64)(p)
}

func writeInt(p unsafe.Pointer, size uintptr, n int64) {
	switch size {
	case 1:
		*(*int8)(p) = int8(n)
	case 2:
		*(*int16)(p) = int16(n)
	case 4:
		*(*int32)(p) = int32(n)
	default:
		*(*int64)(p) = n
	}
}

// StorageKind is the kind of value the field's column stores, computed once
// when the field is built: the field's own kind, but for a Scanner the kind
// its Value method produces, for a 16-byte array KindUUID, for another
// byte array KindBytes, and for a Ref the storage kind of the target's key.
func (f *Field) StorageKind() Kind { return f.Storage }

// storage is the storage kind of a field of kind k and element type t.
func storage(k Kind, t reflect.Type) Kind {
	switch k {
	case KindArray:
		if isUUID(t) {
			return KindUUID
		}
		return KindBytes
	case KindScanner:
		return storageKind(t)
	}
	return k
}

// storageKind is the kind of value a Scanner type's Value method produces,
// from a zero value, else from the fields of a sql.Null-like struct.
func storageKind(t reflect.Type) Kind {
	z := reflect.New(t)
	var v any
	var err error
	if t.Implements(valuerType) {
		v, err = z.Elem().Interface().(driver.Valuer).Value()
	} else if z.Type().Implements(valuerType) {
		v, err = z.Interface().(driver.Valuer).Value()
	}
	if err == nil {
		switch v.(type) {
		case int64:
			return KindInt
		case float64:
			return KindFloat
		case bool:
			return KindBool
		case string:
			return KindString
		case []byte:
			return KindBytes
		case time.Time:
			return KindTime
		}
	}
	if t.Kind() == reflect.Struct { // sql.Null[T] and kin: a value and a Valid flag
		for i := range t.NumField() {
			sf := t.Field(i)
			if sf.Name == "Valid" {
				continue
			}
			// An array is not a storage kind: sql.Null of a UUID is stored
			// as its Value method gives it (*UUID is the nullable UUID).
			if k := classify(sf.Type); k != kindNone && k != KindScanner && k != KindArray {
				return k
			}
		}
	}
	if k := classify(t); k != KindScanner && k != kindNone {
		return k
	}
	return KindString
}

// DirectDest returns a pointer to the field in the entity at p that a
// driver can scan into with no conversion, or nil when the field needs
// Store: plain int64, int (64 bits wide), string, bool and float64
// fields. (Times go through Store, which also parses the text some
// databases hand back.)
func (f *Field) DirectDest(p unsafe.Pointer) any {
	if f.direct == notDirect {
		return nil // f.Offset may be inside a pointer embeddable, not p
	}
	a := unsafe.Add(p, f.Offset)
	switch f.direct {
	case directInt64:
		return (*int64)(a)
	case directInt:
		return (*int)(a)
	case directString:
		return (*string)(a)
	case directBool:
		return (*bool)(a)
	case directFloat64:
		return (*float64)(a)
	}
	return nil
}

// scanning is how a driver's row lands in an entity, decided once per
// entity: the fields DirectDest points at, grouped by the pointer type it
// gives (so that pointing a row's destinations at the next entity is a
// store per field, with no call and no switch), and the positions of the
// others, which need Store.
type scanning struct {
	int64s, ints, strings, bools, float64s []fieldAt
	stored                                 []int
}

// fieldAt is a field's position in Entity.Fields and its offset.
type fieldAt struct {
	pos int
	off uintptr
}

// planScanning decides e's scanning from its fields' DirectDest.
func (e *Entity) planScanning() {
	sc := &e.scanning
	for _, f := range e.Fields {
		at := fieldAt{f.Pos, f.Offset}
		switch f.direct {
		case directInt64:
			sc.int64s = append(sc.int64s, at)
		case directInt:
			sc.ints = append(sc.ints, at)
		case directString:
			sc.strings = append(sc.strings, at)
		case directBool:
			sc.bools = append(sc.bools, at)
		case directFloat64:
			sc.float64s = append(sc.float64s, at)
		default:
			sc.stored = append(sc.stored, f.Pos)
		}
	}
}

// PointDirect sets dest[f.Pos] to f.DirectDest(p) for every field f that
// has one, and leaves the other elements of dest alone.
func (e *Entity) PointDirect(dest []any, p unsafe.Pointer) {
	sc := &e.scanning
	for _, f := range sc.int64s {
		dest[f.pos] = (*int64)(unsafe.Add(p, f.off))
	}
	for _, f := range sc.ints {
		dest[f.pos] = (*int)(unsafe.Add(p, f.off))
	}
	for _, f := range sc.strings {
		dest[f.pos] = (*string)(unsafe.Add(p, f.off))
	}
	for _, f := range sc.bools {
		dest[f.pos] = (*bool)(unsafe.Add(p, f.off))
	}
	for _, f := range sc.float64s {
		dest[f.pos] = (*float64)(unsafe.Add(p, f.off))
	}
}

// Stored returns the positions in Fields of the fields with no
// DirectDest, which a read fills through Store. The slice is shared: do
// not change it.
func (e *Entity) Stored() []int { return e.scanning.stored }

var (
	intType     = reflect.TypeFor[int]()
	boolType    = reflect.TypeFor[bool]()
	float64Type = reflect.TypeFor[float64]()
)

// SetZero sets the field to its type's zero value in the entity at p.
func (f *Field) SetZero(p unsafe.Pointer) { reflect.NewAt(f.Type, f.Addr(p)).Elem().SetZero() }

// numericType reports whether the SQL type t is a decimal one: NUMERIC,
// DECIMAL or NUMBER, with or without precision and scale.
func numericType(t string) bool {
	base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(t)), "(")
	switch strings.TrimSpace(base) {
	case "numeric", "decimal", "dec", "number":
		return true
	}
	return false
}

// describeSoft names what a softDelete field is that it should not be.
func describeSoft(f *Field) string {
	if f.Default != "" {
		return "one with a default"
	}
	return "a " + f.Type.String() + " field"
}
