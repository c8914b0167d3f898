package ormtest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/unitofwork/orm"
)

// Author has a generated key, a unique column and a version.
type Author struct {
	ID      int64
	Name    string
	Email   string `orm:"unique"`
	Age     int
	Version int64 `orm:"version"`
}

// Item is a small two-column entity with a generated key.
type Item struct {
	ID    int64
	Title string
	Qty   int
}

// Tag has an application-assigned string key, and reads the inverse side of
// Book.Tags.
type Tag struct {
	Code  string `orm:"pk"`
	Label string
	Books orm.Collection[Book] `orm:"m2m,mappedBy:Tags"`
}

// Driver has an Address and Cars: with them, the seed scenario, a Ref and a
// one-to-many collection mapped by a Ref.
type Driver struct {
	ID      int64
	Name    string
	Title   string
	Address orm.Ref[Address]
	Cars    orm.Collection[Car] `orm:"mappedBy:Driver"`
}

// Address is referenced by a Driver.
type Address struct {
	ID     int64
	Street string
	City   string
}

// Car belongs to a Driver.
type Car struct {
	ID      int64
	Brand   string
	ForSale bool
	Driver  orm.Ref[Driver]
}

// Writer has books, removed with it.
type Writer struct {
	ID    int64
	Name  string
	Books orm.Collection[Book] `orm:"mappedBy:Writer,cascade:remove"`
}

// Book has a required writer and many-to-many tags.
type Book struct {
	ID     int64
	Title  string
	Writer orm.Ref[Writer]     `orm:"required"`
	Tags   orm.Collection[Tag] `orm:"m2m"`
}

// Category is a tree.
type Category struct {
	ID       int64
	Name     string
	Parent   orm.Ref[Category]
	Children orm.Collection[Category] `orm:"mappedBy:Parent,cascade:remove,orphanRemoval"`
}

// Team and Player reference each other: a player's team is required, a
// team's captain is not.
type Team struct {
	ID      int64
	Name    string
	Captain orm.Ref[Player]
}

// Player belongs to a Team.
type Player struct {
	ID   int64
	Name string
	Team orm.Ref[Team] `orm:"required"`
}

// Pair has a composite key.
type Pair struct {
	A int64  `orm:"pk"`
	B string `orm:"pk"`
	V int
}

// User is named, and has fields named, after reserved words.
type User struct {
	ID     int64
	Order  int
	Group  string
	Select string `orm:"index"`
}

// Kind is a named string type.
type Kind string

// Money is a custom type stored through Scan and Value.
type Money struct{ Cents int64 }

// Value implements driver.Valuer.
func (m Money) Value() (driver.Value, error) { return m.Cents, nil }

// Scan implements sql.Scanner.
func (m *Money) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		m.Cents = v
	case nil:
		m.Cents = 0
	default:
		return fmt.Errorf("Money: cannot scan %T", src)
	}
	return nil
}

// Audit is embedded and flattened.
type Audit struct {
	Note string
}

// Sink has a field of every supported kind.
type Sink struct {
	ID    int64
	I8    int8
	I16   int16
	I32   int32
	I64   int64
	U8    uint8
	U16   uint16
	U32   uint32
	U64   uint64
	Uint  uint
	F32   float32
	F64   float64
	B     bool
	S     string
	K     Kind
	Bytes []byte
	T     time.Time
	PInt  *int
	PStr  *string
	PTime *time.Time
	NS    sql.NullString
	NI    sql.NullInt64
	Meta  map[string]any `orm:"json"`
	List  []string       `orm:"json"`
	Money Money
	Audit
	Skipped string `orm:"-"`
	private int
}

// Event has every lifecycle hook.
type Event struct {
	ID        int64
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
	Loaded    bool `orm:"-"`
}

// errKeep is what Event.BeforeDelete returns for an event named "keep".
var errKeep = errors.New("this event is kept")

// BeforeCreate stamps CreatedAt.
func (e *Event) BeforeCreate(context.Context) error {
	e.CreatedAt = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	return nil
}

// BeforeUpdate stamps UpdatedAt.
func (e *Event) BeforeUpdate(context.Context) error {
	e.UpdatedAt = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	return nil
}

// BeforeDelete refuses to delete an event named "keep".
func (e *Event) BeforeDelete(context.Context) error {
	if e.Name == "keep" {
		return errKeep
	}
	return nil
}

// AfterLoad marks the event loaded.
func (e *Event) AfterLoad(context.Context) error {
	e.Loaded = true
	return nil
}

// Seat has a composite unique index.
type Seat struct {
	ID  int64
	Row int `orm:"unique:seat_position"`
	Col int `orm:"unique:seat_position"`
}

// all is every entity the suite uses.
var all = []any{&Author{}, &Item{}, &Tag{}, &Pair{}, &User{}, &Sink{}, &Event{}, &Seat{},
	&Driver{}, &Address{}, &Car{}, &Writer{}, &Book{}, &Category{}, &Team{}, &Player{}}
