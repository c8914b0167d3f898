package orm_test

import (
	"context"
	"fmt"
	"time"

	"github.com/unitofwork/orm"
)

// Article is stamped by the flush: Created at its insert, Updated at its
// insert and at every update that changes a column.
type Article struct {
	ID      int64
	Body    string
	Created time.Time `orm:"createdAt"`
	Updated time.Time `orm:"updatedAt"`
}

func ExampleWithClock() {
	ctx := context.Background()
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	db := openExample(orm.Entities(&Article{}), orm.WithClock(func() time.Time { return now }),
		orm.WithQueryHook(printStatements))
	defer db.Close()
	s := db.Session()
	a := &Article{Body: "hello"}
	s.Persist(a)
	if err := s.Flush(ctx); err != nil {
		panic(err)
	}
	fmt.Println(a.Created.Format(time.DateTime), a.Updated.Format(time.DateTime))
	now = now.Add(time.Hour)
	if err := s.Flush(ctx); err != nil { // nothing changed: nothing sent, nothing stamped
		panic(err)
	}
	a.Body = "hello, world"
	if err := s.Flush(ctx); err != nil {
		panic(err)
	}
	fmt.Println(a.Created.Format(time.DateTime), a.Updated.Format(time.DateTime))
	// Output:
	// > INSERT INTO "article" ("body", "created", "updated") VALUES (?, ?, ?) RETURNING "id"
	// 2024-05-06 07:08:09 2024-05-06 07:08:09
	// > UPDATE "article" SET "body" = ?, "updated" = ? WHERE "id" = ?
	// 2024-05-06 07:08:09 2024-05-06 08:08:09
}
