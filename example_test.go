package orm_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/sqlite"
)

type Book struct {
	ID      int64
	Title   string
	Year    int
	Version int64 `orm:"version"`
}

// printStatements is a query hook that prints each statement, shortened.
func printStatements(_ context.Context, e orm.QueryEvent) {
	s := e.Statement
	if strings.HasPrefix(s, "CREATE") {
		return
	}
	if len(s) > 110 {
		s = s[:107] + "..."
	}
	fmt.Println(">", s)
}

// openExample opens an in-memory database with the Book entity.
func openExample(opts ...orm.Option) *orm.DB {
	b, err := sqlite.Open(context.Background(), ":memory:")
	if err != nil {
		panic(err)
	}
	db, err := orm.Open(b, append([]orm.Option{orm.Entities(&Book{})}, opts...)...)
	if err != nil {
		panic(err)
	}
	if err := db.CreateSchema(context.Background()); err != nil {
		panic(err)
	}
	return db
}

func Example() {
	ctx := context.Background()
	db := openExample(orm.WithQueryHook(printStatements))
	defer db.Close()

	s := db.Session()
	s.Persist(&Book{Title: "The Go Programming Language", Year: 2015},
		&Book{Title: "Concurrency in Go", Year: 2017})
	if err := s.Flush(ctx); err != nil {
		panic(err)
	}

	books, err := orm.Repo[Book](s).Find(ctx, orm.Gte("Year", 2015), orm.OrderBy("Year"))
	if err != nil {
		panic(err)
	}
	books[0].Year, books[1].Year = 2016, 2018
	if err := s.Flush(ctx); err != nil {
		panic(err)
	}
	if err := s.Flush(ctx); err != nil { // nothing changed: nothing sent
		panic(err)
	}
	fmt.Println(books[0].Title, books[0].Year, "version", books[0].Version)
	// Output:
	// > INSERT INTO "book" ("title", "year", "version") VALUES (?, ?, ?), (?, ?, ?) RETURNING "id"
	// > SELECT "id", "title", "year", "version" FROM "book" WHERE "year" >= ? ORDER BY "year"
	// > BEGIN
	// > UPDATE "book" SET "year" = CASE WHEN "id" = ? THEN ? WHEN "id" = ? THEN ? ELSE "year" END, "version" = "ver...
	// > COMMIT
	// The Go Programming Language 2016 version 2
}

func ExampleOpen() {
	b, err := sqlite.Open(context.Background(), ":memory:")
	if err != nil {
		panic(err)
	}
	type NoKey struct{ Name string }
	_, err = orm.Open(b, orm.Entities(&NoKey{}))
	fmt.Println(err)
	// Output:
	// orm: entity NoKey: no primary key: name a field ID or tag it orm:"pk"
}

func ExampleSession_Flush() {
	ctx := context.Background()
	db := openExample(orm.WithQueryHook(func(_ context.Context, e orm.QueryEvent) {
		if strings.HasPrefix(e.Statement, "CREATE") {
			return
		}
		fmt.Println(strings.Fields(e.Statement)[0], len(e.Args), "args")
	}))
	s := db.Session()
	for i := range 100 {
		s.Persist(&Book{Title: fmt.Sprint("Book ", i), Year: 2000 + i%20})
	}
	_ = s.Flush(ctx) // 100 rows: one INSERT
	books, _ := orm.Repo[Book](s).Find(ctx, nil)
	for _, b := range books {
		b.Year++
	}
	_ = s.Flush(ctx) // 100 changed rows: one UPDATE
	for _, b := range books {
		s.Remove(b)
	}
	_ = s.Flush(ctx) // 100 removed rows: one DELETE
	// Output:
	// INSERT 300 args
	// SELECT 0 args
	// BEGIN 0 args
	// UPDATE 300 args
	// COMMIT 0 args
	// BEGIN 0 args
	// DELETE 200 args
	// COMMIT 0 args
}

func ExampleRepository_Get() {
	ctx := context.Background()
	db := openExample()
	s := db.Session()
	s.Persist(&Book{Title: "SICP", Year: 1985})
	_ = s.Flush(ctx)

	fresh := db.Session()
	a, _ := orm.Repo[Book](fresh).Get(ctx, 1)
	a.Title = "Structure and Interpretation"
	b, _ := orm.Repo[Book](fresh).Get(ctx, 1) // from the identity map
	fmt.Println(a == b, b.Title)
	_, err := orm.Repo[Book](fresh).Get(ctx, 2)
	fmt.Println(err)
	// Output:
	// true Structure and Interpretation
	// orm: Book 2 not found
}

func ExampleSession_Transaction() {
	ctx := context.Background()
	db := openExample()
	s := db.Session()
	book := &Book{Title: "Draft"}
	err := s.Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
		s.Persist(book)
		if err := s.Flush(ctx); err != nil {
			return err
		}
		fmt.Println("inside: ID", book.ID)
		return fmt.Errorf("changed my mind")
	})
	n, _ := orm.Repo[Book](db.Session()).Count(ctx, nil)
	fmt.Println(err, "- after: ID", book.ID, "rows", n)
	// Output:
	// inside: ID 1
	// changed my mind - after: ID 0 rows 0
}

func ExampleFilter() {
	ctx := context.Background()
	db := openExample()
	s := db.Session()
	for i, t := range []string{"Go in Action", "Go Web Programming", "Rust in Action", "Learning Go"} {
		s.Persist(&Book{Title: t, Year: 2015 + i})
	}
	_ = s.Flush(ctx)
	books, err := orm.Repo[Book](s).Find(ctx,
		orm.And(orm.Like("Title", "Go%"), orm.Not(orm.In("Year", 2016, 2019))),
		orm.OrderBy("-Year"))
	if err != nil {
		panic(err)
	}
	for _, b := range books {
		fmt.Println(b.Year, b.Title)
	}
	_, err = orm.Repo[Book](s).Find(ctx, orm.Eq("Titel", "x"))
	fmt.Println(err)
	// Output:
	// 2015 Go in Action
	// orm: Book has no field "Titel"
}
