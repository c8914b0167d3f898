package sql_test

import (
	"context"
	stdsql "database/sql"
	"fmt"

	_ "modernc.org/sqlite"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/sqlite"
	"github.com/unitofwork/orm/sql"
)

// A Backend can wrap a *sql.DB the program opened itself.
func ExampleNew() {
	db, err := stdsql.Open("sqlite", ":memory:")
	if err != nil {
		panic(err)
	}
	db.SetMaxOpenConns(1)
	b := sql.New(db, sqlite.Dialect{})
	fmt.Println(b.Dialect().Name(), b.Dialect().Has(sql.Returning))
	type Note struct {
		ID   int64
		Text string
	}
	_, err = orm.Open(b, orm.Entities(&Note{}))
	fmt.Println(err)
	// Output:
	// sqlite true
	// <nil>
}

// Raw SQL runs in the Session: inside Transaction, in its transaction, so
// it sees what the Session flushed and rolls back with it.
func ExampleSelect() {
	ctx := context.Background()
	b, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		panic(err)
	}
	type Car struct {
		ID      int64
		Brand   string
		ForSale bool
	}
	db, err := orm.Open(b, orm.Entities(&Car{}))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if err := db.CreateSchema(ctx); err != nil {
		panic(err)
	}
	type total struct {
		Brand string
		Cars  int
	}
	s := db.Session()
	err = s.Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
		s.Persist(&Car{Brand: "VW"}, &Car{Brand: "VW"}, &Car{Brand: "Fiat"})
		if err := s.Flush(ctx); err != nil {
			return err
		}
		n, err := sql.Exec(ctx, s, `UPDATE car SET for_sale = ? WHERE brand = ?`, true, "VW")
		if err != nil {
			return err
		}
		fmt.Println("for sale:", n)
		rows, err := sql.Select[total](ctx, s, `SELECT brand, COUNT(*) AS cars FROM car GROUP BY brand ORDER BY brand`)
		if err != nil {
			return err
		}
		fmt.Println(rows)
		return nil
	})
	if err != nil {
		panic(err)
	}
	count, err := sql.Select[int64](ctx, s, `SELECT COUNT(*) FROM car WHERE for_sale = ?`, true)
	fmt.Println(count, err)
	// Output:
	// for sale: 2
	// [{Fiat 1} {VW 2}]
	// [2] <nil>
}
