package orm_test

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/sqlite"
	"github.com/unitofwork/orm/sql"
)

// Product's price is a decimal: a Scanner and Valuer tagged with a numeric
// type, stored as NUMERIC and compared as a number.
type Product struct {
	ID    int64
	Name  string
	Price decimal.Decimal `orm:"type:numeric(12,2)"`
}

// A decimal column: persisted, filtered by value and summed in raw SQL.
func Example_decimal() {
	ctx := context.Background()
	b, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		panic(err)
	}
	db, err := orm.Open(b, orm.Entities(&Product{}))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	if err := db.CreateSchema(ctx); err != nil {
		panic(err)
	}
	s := db.Session()
	s.Persist(&Product{Name: "pen", Price: decimal.RequireFromString("2.25")},
		&Product{Name: "book", Price: decimal.RequireFromString("10.50")})
	if err := s.Flush(ctx); err != nil {
		panic(err)
	}
	dear, err := orm.Repo[Product](s).Find(ctx, orm.Gt("Price", decimal.NewFromInt(5)))
	if err != nil {
		panic(err)
	}
	type total struct{ Sum decimal.Decimal }
	sum, err := sql.Select[total](ctx, s, "SELECT SUM(price) AS sum FROM product")
	if err != nil {
		panic(err)
	}
	fmt.Println(len(dear), dear[0].Name, dear[0].Price, sum[0].Sum)
	// Output: 1 book 10.5 12.75
}
