package orm_test

import (
	"context"
	"fmt"

	"github.com/unitofwork/orm"
)

func ExampleRepository_UpdateWhere() {
	ctx := context.Background()
	db := openExample()
	defer db.Close()
	s := db.Session()
	old := &Book{Title: "Old", Year: 1999}
	s.Persist(old, &Book{Title: "New", Year: 2024})
	if err := s.Flush(ctx); err != nil {
		panic(err)
	}
	// One UPDATE; the managed old book takes the row's new values.
	n, err := orm.Repo[Book](s).UpdateWhere(ctx, orm.Lt("Year", 2000), orm.Add("Year", 1))
	if err != nil {
		panic(err)
	}
	fmt.Println(n, old.Year, old.Version)
	// Output: 1 2000 2
}

func ExampleRepository_Upsert() {
	ctx := context.Background()
	db := openExample(orm.WithQueryHook(printStatements))
	defer db.Close()
	s := db.Session()
	first, err := orm.Repo[Book](s).Upsert(ctx, &Book{ID: 7, Title: "Draft"})
	if err != nil {
		panic(err)
	}
	again, err := orm.Repo[Book](s).Upsert(ctx, &Book{ID: 7, Title: "Final"})
	if err != nil {
		panic(err)
	}
	fmt.Println(first == again, first.Title, first.Version)
	// Output:
	// > INSERT INTO "book" ("id", "title", "year", "version") VALUES (?, ?, ?, ?) ON CONFLICT ("id") DO UPDATE SET ...
	// > INSERT INTO "book" ("id", "title", "year", "version") VALUES (?, ?, ?, ?) ON CONFLICT ("id") DO UPDATE SET ...
	// true Final 2
}

func ExampleRepository_Merge() {
	ctx := context.Background()
	db := openExample(orm.WithQueryHook(printStatements))
	defer db.Close()
	seed := db.Session()
	b := &Book{Title: "Drfat", Year: 2024}
	seed.Persist(b)
	if err := seed.Flush(ctx); err != nil {
		panic(err)
	}
	// A request body carrying the book as the client edited it.
	body := &Book{ID: b.ID, Title: "Draft", Year: 2024, Version: 1}
	s := db.Session()
	managed, err := orm.Repo[Book](s).Merge(ctx, body)
	if err != nil {
		panic(err)
	}
	if err := s.Flush(ctx); err != nil {
		panic(err)
	}
	fmt.Println(managed.Title, managed.Version)
	// Output:
	// > INSERT INTO "book" ("title", "year", "version") VALUES (?, ?, ?) RETURNING "id"
	// > SELECT "id", "title", "year", "version" FROM "book" WHERE "id" = ?
	// > UPDATE "book" SET "title" = ?, "version" = "version" + 1 WHERE ("id" = ? AND "version" = ?)
	// Draft 2
}
