package sql_test

import (
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
