package ormtest_test

import (
	"context"
	"fmt"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/sqlite"
	"github.com/unitofwork/orm/ormtest"
)

// A Recorder shows what a flush sent.
func ExampleRecorder() {
	type Point struct {
		ID   int64
		X, Y int
	}
	var rec ormtest.Recorder
	b, _ := sqlite.Open(context.Background(), ":memory:")
	db, _ := orm.Open(b, orm.Entities(&Point{}), rec.Hook())
	ctx := context.Background()
	_ = db.CreateSchema(ctx)
	rec.Reset()
	s := db.Session()
	for i := range 50 {
		s.Persist(&Point{X: i, Y: -i})
	}
	_ = s.Flush(ctx)
	fmt.Println(rec.Count("INSERT"), "INSERT,", rec.Count("BEGIN"), "BEGIN")
	// Output: 1 INSERT, 0 BEGIN
}
