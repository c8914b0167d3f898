// Command quickstart walks through the Unit of Work on an embedded SQLite
// database, printing every statement each step sends:
//
//	go run ./examples/quickstart
//
// It stores a user with an address and three cars, loads them back in a new
// Session with Populate, edits all three kinds of entity, adds a car, and
// flushes: one UPDATE per changed type, writing only the changed columns, one
// INSERT for the new car, and nothing at all for a flush with no changes.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/sqlite"
)

// User is a plain struct: the table is "user", the key ID is generated.
type User struct {
	ID      int64
	Name    string
	Title   string
	Email   string              `orm:"unique"`
	Address orm.Ref[Address]    // column address_id
	Cars    orm.Collection[Car] `orm:"mappedBy:Owner"`
}

// Address is referenced by a user.
type Address struct {
	ID     int64
	Street string
	City   string
}

// Car belongs to a user through its Owner reference.
type Car struct {
	ID      int64
	Brand   string
	ForSale bool
	Owner   orm.Ref[User] // column owner_id
}

func main() {
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "quickstart")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	backend, err := sqlite.Open(context.Background(), filepath.Join(dir, "app.db"))
	if err != nil {
		return err
	}
	printing := false
	db, err := orm.Open(backend,
		orm.Entities(&User{}, &Address{}, &Car{}),
		orm.WithQueryHook(func(_ context.Context, e orm.QueryEvent) {
			if printing {
				fmt.Printf("    %s  %v\n", e.Statement, e.Args)
			}
		}))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CreateSchema(ctx); err != nil {
		return err
	}
	printing = true

	step("Persist a user with an address and three cars: Persist cascades, one INSERT per type")
	s := db.Session()
	user := &User{Name: "Ann", Email: "ann@example.com"}
	user.Address.Set(&Address{Street: "1 Main Street", City: "London"})
	user.Cars.Add(&Car{Brand: "Fiat"}, &Car{Brand: "Audi"}, &Car{Brand: "Tesla"})
	s.Persist(user)
	if err := s.Flush(ctx); err != nil {
		return err
	}

	step("Load the user in a new Session with Populate: one query per relation, not per row")
	s = db.Session()
	user, err = orm.Repo[User](s).Get(ctx, user.ID, orm.Populate("Cars", "Address"))
	if err != nil {
		return err
	}
	same, _ := orm.Repo[User](s).Get(ctx, user.ID)
	fmt.Printf("    (a second Get sent nothing and returned the same pointer: %v)\n", same == user)

	step("Edit plain fields and add a car, then Flush: only changed columns, one statement per type")
	user.Title = "Mr."
	user.Address.Get().Street = "10 Downing Street"
	for _, car := range user.Cars.Items() {
		car.ForSale = true
	}
	user.Cars.Add(&Car{Brand: "VW"})
	if err := s.Flush(ctx); err != nil {
		return err
	}

	step("Flush again with nothing changed: nothing is sent")
	if err := s.Flush(ctx); err != nil {
		return err
	}

	step("Remove two cars: one DELETE")
	s.Remove(user.Cars.Items()[0], user.Cars.Items()[1])
	if err := s.Flush(ctx); err != nil {
		return err
	}

	step("Query through a relation: cars whose owner is titled Mr.")
	cars, err := orm.Repo[Car](db.Session()).Find(ctx, orm.Eq("Owner.Title", "Mr."), orm.OrderBy("Brand"))
	if err != nil {
		return err
	}
	for _, c := range cars {
		fmt.Printf("    %s (for sale: %v)\n", c.Brand, c.ForSale)
	}
	return nil
}

func step(title string) {
	fmt.Printf("\n%s\n%s\n", title, strings.Repeat("-", len(title)))
}
