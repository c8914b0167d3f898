package ormtest

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/unitofwork/orm"
)

// author has a generated key, a unique column and a version.
type author struct {
	ID      int64
	Name    string
	Email   string `orm:"unique"`
	Age     int
	Version int64 `orm:"version"`
}

// item is a small two-column entity with a generated key.
type item struct {
	ID    int64
	Title string
	Qty   int
}

// tag has an application-assigned string key, and reads the inverse side of
// book.Tags.
type tag struct {
	Code  string `orm:"pk"`
	Label string
	Books orm.Collection[book] `orm:"m2m,mappedBy:Tags"`
}

// driver has an Address and Cars: with them, the seed scenario, a Ref and a
// one-to-many collection mapped by a Ref.
type driver struct {
	ID      int64
	Name    string
	Title   string
	Address orm.Ref[address]
	Cars    orm.Collection[car] `orm:"mappedBy:Driver"`
}

// address is referenced by a driver.
type address struct {
	ID     int64
	Street string
	City   string
}

// car belongs to a driver.
type car struct {
	ID      int64
	Brand   string
	ForSale bool
	Driver  orm.Ref[driver]
}

// writer has books, removed with it.
type writer struct {
	ID    int64
	Name  string
	Books orm.Collection[book] `orm:"mappedBy:Writer,cascade:remove"`
}

// book has a required writer and many-to-many tags.
type book struct {
	ID     int64
	Title  string
	Writer orm.Ref[writer]     `orm:"required"`
	Tags   orm.Collection[tag] `orm:"m2m"`
}

// category is a tree.
type category struct {
	ID       int64
	Name     string
	Parent   orm.Ref[category]
	Children orm.Collection[category] `orm:"mappedBy:Parent,cascade:remove,orphanRemoval"`
}

// team and player reference each other: a player's team is required, a
// team's captain is not.
type team struct {
	ID      int64
	Name    string
	Captain orm.Ref[player]
}

// player belongs to a team.
type player struct {
	ID   int64
	Name string
	Team orm.Ref[team] `orm:"required"`
}

// pair has a composite key.
type pair struct {
	A int64  `orm:"pk"`
	B string `orm:"pk"`
	V int
}

// user is named, and has fields named, after reserved words.
type user struct {
	ID     int64
	Order  int
	Group  string
	Select string `orm:"index"`
}

// kind is a named string type.
type kind string

// money is a custom type stored through Scan and Value.
type money struct{ Cents int64 }

// Value implements sqldriver.Valuer.
func (m money) Value() (sqldriver.Value, error) { return m.Cents, nil }

// Scan implements sql.Scanner.
func (m *money) Scan(src any) error {
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

// audit is embedded and flattened.
type audit struct {
	Note string
}

// sink has a field of every supported kind.
type sink struct {
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
	K     kind
	Bytes []byte
	T     time.Time
	PInt  *int
	PStr  *string
	PTime *time.Time
	NS    sql.NullString
	NI    sql.NullInt64
	Meta  map[string]any `orm:"json"`
	List  []string       `orm:"json"`
	Money money
	audit
	Skipped string `orm:"-"`
	private int
}

// event has every lifecycle hook.
type event struct {
	ID        int64
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
	Loaded    bool `orm:"-"`
}

// errKeep is what event.BeforeDelete returns for an event named "keep".
var errKeep = errors.New("this event is kept")

// BeforeCreate stamps CreatedAt.
func (e *event) BeforeCreate(context.Context) error {
	e.CreatedAt = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	return nil
}

// BeforeUpdate stamps UpdatedAt.
func (e *event) BeforeUpdate(context.Context) error {
	e.UpdatedAt = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	return nil
}

// BeforeDelete refuses to delete an event named "keep".
func (e *event) BeforeDelete(context.Context) error {
	if e.Name == "keep" {
		return errKeep
	}
	return nil
}

// AfterLoad marks the event loaded.
func (e *event) AfterLoad(context.Context) error {
	e.Loaded = true
	return nil
}

// seat has a composite unique index.
type seat struct {
	ID  int64
	Row int `orm:"unique:seat_position"`
	Col int `orm:"unique:seat_position"`
}

// job is a row of a work queue, which workers take with locking reads.
type job struct {
	ID     int64
	Name   string
	Done   bool
	Worker int
}

// all is every entity the suite uses.
var all = []any{&author{}, &item{}, &tag{}, &pair{}, &user{}, &sink{}, &event{}, &seat{},
	&driver{}, &address{}, &car{}, &writer{}, &book{}, &category{}, &team{}, &player{}}
