package orm_test

import (
	"context"
	"fmt"
	"time"

	"github.com/unitofwork/orm"
)

// Customer is soft-deletable: removing one sets Deleted, and reads leave
// out the customers whose Deleted is set.
type Customer struct {
	ID      int64
	Name    string
	Deleted *time.Time `orm:"softDelete"`
}

func Example_softDelete() {
	ctx := context.Background()
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	printing := false
	db := openExample(orm.Entities(&Customer{}), orm.WithClock(func() time.Time { return now }),
		orm.WithQueryHook(func(ctx context.Context, e orm.QueryEvent) {
			if printing {
				printStatements(ctx, e)
			}
		}))
	defer db.Close()
	s := db.Session()
	ann, bob := &Customer{Name: "Ann"}, &Customer{Name: "Bob"}
	s.Persist(ann, bob)
	if err := s.Flush(ctx); err != nil {
		panic(err)
	}

	printing = true
	s.Remove(ann)
	if err := s.Flush(ctx); err != nil { // an UPDATE, not a DELETE
		panic(err)
	}
	printing = false
	fmt.Println("deleted at", ann.Deleted.Format(time.DateTime))

	repo := orm.Repo[Customer](db.Session())
	live, _ := repo.Count(ctx, nil)
	all, _ := repo.Count(ctx, nil, orm.WithDeleted())
	_, err := repo.Get(ctx, ann.ID)
	fmt.Println(live, all, err)

	s = db.Session()
	a, _ := orm.Repo[Customer](s).Get(ctx, ann.ID, orm.WithDeleted())
	printing = true
	s.Remove(a, orm.HardDelete()) // for real
	if err := s.Flush(ctx); err != nil {
		panic(err)
	}
	printing = false
	all, _ = repo.Count(ctx, nil, orm.WithDeleted())
	fmt.Println(all)
	// Output:
	// > UPDATE "customer" SET "deleted" = ? WHERE "id" = ?
	// deleted at 2024-05-06 07:08:09
	// 1 2 orm: Customer 1 not found
	// > DELETE FROM "customer" WHERE "id" = ?
	// 1
}
