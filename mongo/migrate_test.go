package mongo_test

import (
	"context"
	"strings"
	"testing"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/migrate"
)

type shelf struct {
	ID   int64
	Name string `orm:"unique"`
	Room string `orm:"index"`
}

// TestMigrate: on MongoDB, Check lists the collections and indexes the
// entities declare that are missing, Up creates them (idempotently: a
// second Up creates nothing), and the migration-file functions refuse.
func TestMigrate(t *testing.T) {
	ctx := context.Background()
	db, err := orm.Open(open(t), orm.Entities(&shelf{}))
	if err != nil {
		t.Fatal(err)
	}
	err = migrate.Check(ctx, db)
	if err == nil || !strings.Contains(err.Error(), `collection "shelf"`) || !strings.Contains(err.Error(), `index "idx_shelf_room"`) {
		t.Fatalf("Check of an empty database = %v; want the collection and its indexes listed", err)
	}
	got, err := migrate.Up(ctx, db, nil)
	if err != nil || len(got) != 3 {
		t.Fatalf("Up = %q, %v; want the collection and its 2 indexes", got, err)
	}
	if err := migrate.Check(ctx, db); err != nil {
		t.Errorf("Check after Up: %v", err)
	}
	if got, err := migrate.Up(ctx, db, nil); err != nil || len(got) != 0 {
		t.Errorf("a second Up = %q, %v; want nothing", got, err)
	}
	if _, err := migrate.Diff(ctx, db); err == nil || !strings.Contains(err.Error(), "MongoDB") {
		t.Errorf("Diff = %v; want a refusal pointing at Up and Check", err)
	}
	if _, err := migrate.Status(ctx, db, nil); err == nil {
		t.Error("Status on MongoDB succeeded")
	}
}
