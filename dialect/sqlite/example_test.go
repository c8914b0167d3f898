package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/sqlite"
)

func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	b, err := sqlite.Open(context.Background(), filepath.Join(dir, "app.db"))
	if err != nil {
		panic(err)
	}
	type Note struct {
		ID   int64
		Text string
	}
	db, err := orm.Open(b, orm.Entities(&Note{}))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.CreateSchema(ctx); err != nil {
		panic(err)
	}
	s := db.Session()
	n := &Note{Text: "hello"}
	s.Persist(n)
	if err := s.Flush(ctx); err != nil {
		panic(err)
	}
	fmt.Println(n.ID)
	// Output: 1
}
