package golden

import (
	"database/sql/driver"

	"github.com/unitofwork/orm"
)

// Owner has a generated key, a nullable unique column and cars.
type Owner struct {
	ID    int64
	Name  string
	Age   int32
	Email *string             `orm:"unique"`
	Cars  orm.Collection[Car] `orm:"mappedBy:Owner"`
	Site  orm.Ref[Site]       `orm:"mappedBy:Owner"` // one-to-one, inverse side
}

// Car belongs to an Owner and has many-to-many tags.
type Car struct {
	ID    int64
	Model string
	Price float64
	Sold  bool
	Owner orm.Ref[Owner]
	Tags  orm.Collection[Tag] `orm:"m2m"`
}

// Tag is on cars.
type Tag struct {
	ID   int64
	Name string `orm:"unique"`
}

// Account is versioned.
type Account struct {
	ID      int64
	Balance int64
	Version int64 `orm:"version"`
}

// Pair has a composite key.
type Pair struct {
	Left  int64 `orm:"pk"`
	Right int64 `orm:"pk"`
	Note  string
}

// Counter has nothing but its generated key.
type Counter struct {
	ID int64
}

// Node is a tree: a Ref to its own type.
type Node struct {
	ID     int64
	Name   string
	Parent orm.Ref[Node]
}

// Color is an enum of text: CreateSchema gives its column a CHECK
// constraint, one of whose values needs its quote doubled.
type Color string

// Values lists the colors.
func (Color) Values() []Color { return []Color{"red", "o'range"} }

// Coat is an enum of integers.
type Coat int8

// Values lists the coats.
func (Coat) Values() []Coat { return []Coat{1, 2, 3} }

// Paint has enums, a sized text, a declared column type, a default and a
// decimal.
type Paint struct {
	ID    int64
	Color Color
	Coat  *Coat
	Label string `orm:"size:20"`
	Total int64  `orm:"type:decimal(20,0)"`
	Stamp string `orm:"default:'new'"`
	Price Money  `orm:"type:numeric(12,2)"`
}

// Site has an embeddable, a pointer one (nullable as a whole), and a
// one-to-one Ref to its owner.
type Site struct {
	ID    int64
	Addr  Addr           `orm:"embedded"`
	Post  *Addr          `orm:"embedded,prefix:po_"`
	Owner orm.Ref[Owner] `orm:"unique"`
}

// Addr is a value object of Site.
type Addr struct {
	City string
	Zip  *string
}

// Money is a decimal: its driver value is its text.
type Money struct{ S string }

// Value is the decimal's text.
func (m Money) Value() (driver.Value, error) { return m.S, nil }

// Scan reads the decimal's text.
func (m *Money) Scan(v any) error {
	m.S, _ = v.(string)
	return nil
}

var entities = orm.Entities(&Owner{}, &Car{}, &Tag{}, &Account{}, &Pair{}, &Counter{}, &Node{}, &Paint{}, &Site{}, &Maker{}, &Gizmo{})

// Rows of the fake's results, in column order.
func ownerRow(id int64, name string, age int64) []any { return []any{id, name, age, nil} }
func carRow(id int64, model string, owner int64) []any {
	return []any{id, model, 9.5, false, owner}
}
func accountRow(id, balance, version int64) []any { return []any{id, balance, version} }
