package orm_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/sqlite"
)

type Shelf struct {
	ID    int64
	Name  string
	Books orm.Collection[Volume] `orm:"mappedBy:Shelf"`
}

type Volume struct {
	ID    int64
	Title string
	Shelf orm.Ref[Shelf]
}

// Populate loads a relation for every entity a query returns with one more
// query, however many entities there are.
func ExamplePopulate() {
	ctx := context.Background()
	b, _ := sqlite.Open(context.Background(), ":memory:")
	db, _ := orm.Open(b, orm.Entities(&Shelf{}, &Volume{}), orm.WithQueryHook(func(_ context.Context, e orm.QueryEvent) {
		if strings.HasPrefix(e.Statement, "SELECT") {
			fmt.Println(">", e.Statement)
		}
	}))
	_ = db.CreateSchema(ctx)
	s := db.Session()
	for i := range 3 {
		shelf := &Shelf{Name: fmt.Sprint("shelf ", i)}
		shelf.Books.Add(&Volume{Title: fmt.Sprint("volume ", i, "a")}, &Volume{Title: fmt.Sprint("volume ", i, "b")})
		s.Persist(shelf) // cascades to the volumes
	}
	_ = s.Flush(ctx)

	shelves, _ := orm.Repo[Shelf](db.Session()).Find(ctx, nil, orm.OrderBy("Name"), orm.Populate("Books"))
	for _, sh := range shelves {
		fmt.Println(sh.Name, sh.Books.Len(), sh.Books.Items()[0].Shelf.Get() == sh)
	}
	// Output:
	// > SELECT "id", "name" FROM "shelf" ORDER BY "name"
	// > SELECT "id", "title", "shelf_id" FROM "volume" WHERE "shelf_id" IN (?, ?, ?)
	// shelf 0 2 true
	// shelf 1 2 true
	// shelf 2 2 true
}
