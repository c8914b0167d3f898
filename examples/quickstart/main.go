// Command quickstart walks through the Unit of Work on an embedded SQLite
// database, printing every statement each step sends:
//
//	go run ./examples/quickstart
//
// It persists a user and three cars, loads them back in a new Session,
// changes a few fields, and flushes: one INSERT per type, one batched UPDATE
// per type, and nothing at all for a flush with no changes.
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
	Email   string `orm:"unique"`
	Version int64  `orm:"version"`
}

// Car belongs to a user through OwnerID.
type Car struct {
	ID      int64
	Brand   string
	ForSale bool
	OwnerID int64 `orm:"index"`
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
	backend, err := sqlite.Open(filepath.Join(dir, "app.db"))
	if err != nil {
		return err
	}
	printing := false
	db, err := orm.Open(backend,
		orm.Entities(&User{}, &Car{}),
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

	step("Persist a user, then three cars: one multi-row INSERT for the cars")
	s := db.Session()
	user := &User{Name: "Ann", Email: "ann@example.com"}
	s.Persist(user)
	if err := s.Flush(ctx); err != nil {
		return err
	}
	s.Persist(&Car{Brand: "Fiat", OwnerID: user.ID}, &Car{Brand: "Audi", OwnerID: user.ID},
		&Car{Brand: "Tesla", OwnerID: user.ID})
	if err := s.Flush(ctx); err != nil {
		return err
	}

	step("Load them in a new Session (one Session per request)")
	s = db.Session()
	user, err = orm.Repo[User](s).Get(ctx, user.ID)
	if err != nil {
		return err
	}
	cars, err := orm.Repo[Car](s).Find(ctx, orm.Eq("OwnerID", user.ID), orm.OrderBy("Brand"))
	if err != nil {
		return err
	}
	same, _ := orm.Repo[User](s).Get(ctx, user.ID)
	fmt.Printf("    (a second Get sent nothing and returned the same pointer: %v)\n", same == user)

	step("Change plain fields and Flush: only changed columns, one UPDATE per type")
	user.Title = "Mr."
	for _, car := range cars {
		car.ForSale = true
	}
	s.Persist(&Car{Brand: "VW", OwnerID: user.ID})
	if err := s.Flush(ctx); err != nil {
		return err
	}

	step("Flush again with nothing changed: nothing is sent")
	if err := s.Flush(ctx); err != nil {
		return err
	}

	step("Remove two cars: one DELETE")
	s.Remove(cars[0], cars[1])
	if err := s.Flush(ctx); err != nil {
		return err
	}

	n, err := orm.Repo[Car](db.Session()).Count(ctx, orm.Eq("ForSale", true))
	if err != nil {
		return err
	}
	fmt.Printf("\n%s (version %d) has %d cars for sale.\n", user.Name, user.Version, n)
	return nil
}

func step(title string) {
	fmt.Printf("\n%s\n%s\n", title, strings.Repeat("-", len(title)))
}
