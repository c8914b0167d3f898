package migrate_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/sqlite"
	"github.com/unitofwork/orm/migrate"
)

// The entity as the program's first release had it, and as it is now.
type (
	userV1 struct {
		ID   int64
		Name string
	}
	user struct {
		ID    int64
		Name  string
		Email string `orm:"size:120,default:''"`
	}
)

func (userV1) TableName() string { return "user" }
func (user) TableName() string   { return "user" }

// A program diffs its entities against the database, writes the plan as a
// migration, applies it and checks the result.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "migrations")
	defer os.RemoveAll(dir)
	dsn := "file:" + filepath.Join(dir, "app.db")

	open := func(entity any) *orm.DB {
		b, err := sqlite.Open(ctx, dsn)
		if err != nil {
			log.Fatal(err)
		}
		db, err := orm.Open(b, orm.Entities(entity))
		if err != nil {
			log.Fatal(err)
		}
		return db
	}
	old := open(&userV1{})
	if err := old.CreateSchema(ctx); err != nil {
		log.Fatal(err)
	}
	old.Close()

	db := open(&user{})
	defer db.Close()
	plan, err := migrate.Diff(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range plan.Changes {
		fmt.Println(c.Comment)
		fmt.Print(c.Up)
	}
	files := filepath.Join(dir, "migrations")
	if _, err := plan.Write(files, "add_email"); err != nil {
		log.Fatal(err)
	}
	applied, err := migrate.Up(ctx, db, os.DirFS(files))
	fmt.Println(len(applied), "applied", err)
	fmt.Println("check:", migrate.Check(ctx, db))
	// Output:
	// table "user": add column "email"
	// ALTER TABLE `user` ADD COLUMN `email` text NOT NULL DEFAULT '';
	// 1 applied <nil>
	// check: <nil>
}
