package orm_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/sqlite"
)

type (
	NoKey     struct{ Name string }
	ChanField struct {
		ID int64
		C  chan int
	}
	MapField struct {
		ID    int64
		Attrs map[string]string
	}
	DupColumn struct {
		ID   int64
		Name string
		Alt  string `orm:"column:name"`
	}
	UnknownOpt struct {
		ID   int64
		Name string `orm:"uniq"`
	}
	EmptyColumn struct {
		ID   int64
		Name string `orm:"column:"`
	}
	TwoVersions struct {
		ID int64
		V1 int64 `orm:"version"`
		V2 int64 `orm:"version"`
	}
	TextVersion struct {
		ID int64
		V  string `orm:"version"`
	}
	NullableKey struct {
		ID *int64
	}
	EmptyTable struct{ ID int64 }
	Base       struct{ Note string }
	PtrEmbed   struct {
		ID int64
		*Base
	}
	HiddenTagged struct {
		ID     int64
		secret string `orm:"column:secret"`
	}
	ValuedFlag struct {
		ID   int64 `orm:"pk:yes"`
		Name string
	}
	EmptyOpt struct {
		ID   int64
		Name string `orm:"unique,,index"`
	}
	SameTable struct{ ID int64 }
	Orphan    struct {
		ID     int64
		Parent orm.Ref[NoKey]
	}
	BadMappedBy struct {
		ID    int64
		Items orm.Collection[Child] `orm:"mappedBy:Owner"`
	}
	Child struct {
		ID     int64
		Parent orm.Ref[BadMappedBy]
	}
	BareCollection struct {
		ID    int64
		Items orm.Collection[Child]
	}
	TaggedScalar struct {
		ID   int64
		Name string `orm:"mappedBy:X"`
	}
	RefOption struct {
		ID     int64
		Parent orm.Ref[Child] `orm:"orphanRemoval"`
	}
	FuncField struct {
		ID int64
		F  func()
	}
	NoValues    string
	PanicValues string
	SlashValues string
	EmptyEnum   struct {
		ID int64
		V  NoValues
	}
	PanickingEnum struct {
		ID int64
		V  PanicValues
	}
	SlashEnum struct {
		ID int64
		V  SlashValues
	}
	SizedInt struct {
		ID int64
		N  int `orm:"size:4"`
	}
	SizedTyped struct {
		ID   int64
		Name string `orm:"size:4,type:text"`
	}
	ZeroSize struct {
		ID   int64
		Name string `orm:"size:0"`
	}
	TypedKey struct {
		ID int64 `orm:"type:numeric(20)"`
	}
	BadType struct {
		ID   int64
		Name string `orm:"type:text; DROP TABLE x"`
	}
	TypedRef struct {
		ID     int64
		Parent orm.Ref[Child] `orm:"type:bigint"`
	}
	Street     struct{ Name string }
	KeyedPlace struct {
		ID int64 `orm:"pk"`
	}
	KeyInPtr struct {
		Code string
		Home *KeyedPlace `orm:"embedded"`
	}
	StampedPlace struct {
		Seen time.Time `orm:"createdAt"`
	}
	StampInPtr struct {
		ID   int64
		Home *StampedPlace `orm:"embedded"`
	}
	DefaultPlace struct {
		Country string `orm:"default:'NO'"`
	}
	DefaultInPtr struct {
		ID   int64
		Home struct {
			Inner *DefaultPlace `orm:"embedded"`
		} `orm:"embedded"`
	}
	ArrayInline struct {
		ID   int64
		Home *[2]Street `orm:"embedded"`
	}
	IntInline struct {
		ID int64
		N  int `orm:"embedded"`
	}
	StrayPrefix struct {
		ID   int64
		Name string `orm:"prefix:x_"`
	}
	RefHolder struct{ Parent orm.Ref[Child] }
	RefInline struct {
		ID  int64
		Box RefHolder `orm:"embedded"`
	}
	Husband struct {
		ID   int64
		Wife orm.Ref[Wife] `orm:"mappedBy:Man"`
	}
	Wife struct {
		ID  int64
		Man orm.Ref[Husband] // not unique: no one-to-one
	}
	DefaultKey struct {
		ID string `orm:"default:'x'"`
	}
	DefaultVersion struct {
		ID int64
		V  int64 `orm:"version,default:1"`
	}
	EmptyDefault struct {
		ID   int64
		Name string `orm:"default:"`
	}
	TextStamp struct {
		ID      int64
		Created string `orm:"createdAt"`
	}
	TwoCreated struct {
		ID      int64
		Created time.Time  `orm:"createdAt"`
		Made    *time.Time `orm:"createdAt"`
	}
	TwoUpdated struct {
		ID      int64
		Updated time.Time `orm:"updatedAt"`
		Changed time.Time `orm:"updatedAt"`
	}
	BothStamps struct {
		ID   int64
		When time.Time `orm:"createdAt,updatedAt"`
	}
	PlainSoft struct {
		ID      int64
		Deleted time.Time `orm:"softDelete"`
	}
	TextSoft struct {
		ID      int64
		Deleted *string `orm:"softDelete"`
	}
	TwoSoft struct {
		ID     int64
		Gone   *time.Time `orm:"softDelete"`
		Erased *time.Time `orm:"softDelete"`
	}
	SoftCreated struct {
		ID int64
		At *time.Time `orm:"createdAt,softDelete"`
	}
	StampKey struct {
		At   time.Time `orm:"pk,createdAt"`
		Name string
	}
	StampVersion struct {
		ID int64
		V  int64 `orm:"version,updatedAt"`
	}
	JSONStamp struct {
		ID      int64
		Updated time.Time `orm:"json,updatedAt"`
	}
	StampRef struct {
		ID     int64
		Parent orm.Ref[Child] `orm:"createdAt"`
	}
	StampValued struct {
		ID      int64
		Created time.Time `orm:"createdAt:now"`
	}
)

func (NoValues) Values() []NoValues       { return nil }
func (PanicValues) Values() []PanicValues { panic("no list") }
func (SlashValues) Values() []SlashValues { return []SlashValues{`a\b`} }

func (EmptyTable) TableName() string { return "" }
func (SameTable) TableName() string  { return "no_key_table" }

type TableOwner struct{ ID int64 }

func (TableOwner) TableName() string { return "no_key_table" }

var _ = HiddenTagged{}.secret

func TestOpenRejectsBadDefinitions(t *testing.T) {
	b, err := sqlite.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	tests := []struct {
		name     string
		entities []any
		entity   string // the type the error names
		field    string // the field it names, if any
		reason   string // a word of the reason
	}{
		{"no primary key", []any{&NoKey{}}, "NoKey", "", "primary key"},
		{"channel field", []any{&ChanField{}}, "ChanField", "C", "unsupported type"},
		{"func field", []any{&FuncField{}}, "FuncField", "F", "unsupported type"},
		{"enum without values", []any{&EmptyEnum{}}, "EmptyEnum", "V", "no value"},
		{"enum whose Values panics", []any{&PanickingEnum{}}, "PanickingEnum", "V", "panicked"},
		{"enum value with a backslash", []any{&SlashEnum{}}, "SlashEnum", "V", "backslash"},
		{"size on an integer", []any{&SizedInt{}}, "SizedInt", "N", "text fields"},
		{"size and type", []any{&SizedTyped{}}, "SizedTyped", "Name", "together"},
		{"size 0", []any{&ZeroSize{}}, "ZeroSize", "Name", "size takes"},
		{"type on a generated key", []any{&TypedKey{}}, "TypedKey", "ID", "generated key"},
		{"type with a semicolon", []any{&BadType{}}, "BadType", "Name", "without"},
		{"type on a Ref", []any{&TypedRef{}, &Child{}, &BadMappedBy{}}, "TypedRef", "Parent", "Ref"},
		{"default on the key", []any{&DefaultKey{}}, "DefaultKey", "ID", "no default"},
		{"inverse Ref of a Ref that is not unique", []any{&Husband{}, &Wife{}}, "Husband", "Wife", "unique Ref[Husband]"},
		{"key in a pointer embeddable", []any{&KeyInPtr{}}, "KeyInPtr", "Home.ID", "pointer embeddable"},
		{"stamp in a pointer embeddable", []any{&StampInPtr{}}, "StampInPtr", "Home.Seen", "createdAt"},
		{"default in a nested pointer embeddable", []any{&DefaultInPtr{}}, "DefaultInPtr", "Home.Inner.Country", "nil"},
		{"embedded pointer to an array", []any{&ArrayInline{}}, "ArrayInline", "Home", "struct of fields"},
		{"embedded integer", []any{&IntInline{}}, "IntInline", "N", "struct of fields"},
		{"prefix without embedded", []any{&StrayPrefix{}}, "StrayPrefix", "Name", "embedded"},
		{"relation in an embeddable", []any{&RefInline{}, &Child{}, &BadMappedBy{}}, "RefInline", "Box.Parent", "relations"},
		{"default on the version", []any{&DefaultVersion{}}, "DefaultVersion", "V", "no default"},
		{"empty default", []any{&EmptyDefault{}}, "EmptyDefault", "Name", "default needs"},
		{"map without json", []any{&MapField{}}, "MapField", "Attrs", "json"},
		{"duplicate column", []any{&DupColumn{}}, "DupColumn", "Alt", "column"},
		{"unknown tag option", []any{&UnknownOpt{}}, "UnknownOpt", "Name", "uniq"},
		{"empty column name", []any{&EmptyColumn{}}, "EmptyColumn", "Name", "malformed"},
		{"empty tag option", []any{&EmptyOpt{}}, "EmptyOpt", "Name", "empty option"},
		{"flag with a value", []any{&ValuedFlag{}}, "ValuedFlag", "ID", "takes no value"},
		{"two versions", []any{&TwoVersions{}}, "TwoVersions", "V2", "version"},
		{"text version", []any{&TextVersion{}}, "TextVersion", "V", "integer"},
		{"nullable key", []any{&NullableKey{}}, "NullableKey", "ID", "nullable"},
		{"empty table name", []any{&EmptyTable{}}, "EmptyTable", "", "TableName"},
		{"embedded pointer", []any{&PtrEmbed{}}, "PtrEmbed", "Base", "embed"},
		{"tagged unexported field", []any{&HiddenTagged{}}, "HiddenTagged", "secret", "unexported"},
		{"not a struct", []any{42}, "int", "", "not a struct"},
		{"nil", []any{nil}, "<nil>", "", "nil"},
		{"registered twice", []any{&SameTable{}, &SameTable{}}, "SameTable", "", "twice"},
		{"same table", []any{&SameTable{}, &TableOwner{}}, "TableOwner", "", "no_key_table"},
		{"unregistered relation target", []any{&Orphan{}}, "Orphan", "Parent", "not a registered entity"},
		{"mappedBy names no Ref", []any{&BadMappedBy{}, &Child{}}, "BadMappedBy", "Items", "mappedBy:Owner"},
		{"collection without kind", []any{&BareCollection{}, &Child{}}, "BareCollection", "Items", "mappedBy"},
		{"relation option on a scalar", []any{&TaggedScalar{}}, "TaggedScalar", "Name", "Ref and Collection"},
		{"collection option on a Ref", []any{&RefOption{}, &Child{}, &BadMappedBy{}}, "RefOption", "Parent", "Collection"},
		{"createdAt on a string", []any{&TextStamp{}}, "TextStamp", "Created", "createdAt"},
		{"two createdAt fields", []any{&TwoCreated{}}, "TwoCreated", "Made", "second createdAt"},
		{"two updatedAt fields", []any{&TwoUpdated{}}, "TwoUpdated", "Changed", "second updatedAt"},
		{"createdAt and updatedAt on one field", []any{&BothStamps{}}, "BothStamps", "When", "not both"},
		{"stamp on the key", []any{&StampKey{}}, "StampKey", "At", "primary key"},
		{"softDelete on a time.Time", []any{&PlainSoft{}}, "PlainSoft", "Deleted", "*time.Time"},
		{"softDelete on a string", []any{&TextSoft{}}, "TextSoft", "Deleted", "softDelete"},
		{"two softDelete fields", []any{&TwoSoft{}}, "TwoSoft", "Erased", "second softDelete"},
		{"softDelete and createdAt on one field", []any{&SoftCreated{}}, "SoftCreated", "At", "not both"},
		{"stamp on the version", []any{&StampVersion{}}, "StampVersion", "V", "version"},
		{"stamp on a JSON field", []any{&JSONStamp{}}, "JSONStamp", "Updated", "updatedAt"},
		{"stamp on a Ref", []any{&StampRef{}, &Child{}, &BadMappedBy{}}, "StampRef", "Parent", "relation"},
		{"stamp with a value", []any{&StampValued{}}, "StampValued", "Created", "takes no value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := orm.Open(b, orm.Entities(tc.entities...))
			var me *orm.MetadataError
			if !errors.As(err, &me) {
				t.Fatalf("Open = %v; want *orm.MetadataError", err)
			}
			if me.Entity != tc.entity || me.Field != tc.field {
				t.Errorf("error names %s.%s; want %s.%s", me.Entity, me.Field, tc.entity, tc.field)
			}
			msg := err.Error()
			for _, want := range []string{"orm:", tc.entity, tc.field, tc.reason} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not mention %q", msg, want)
				}
			}
		})
	}
}
