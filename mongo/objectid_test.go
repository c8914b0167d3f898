package mongo_test

import (
	"context"
	"errors"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/unitofwork/orm"
)

// Post has a client-generated ObjectID key and a Ref to one.
type Post struct {
	ID     bson.ObjectID `orm:"pk"`
	Title  string        `orm:"unique"`
	Parent orm.Ref[Post]
}

func TestObjectIDKeys(t *testing.T) {
	ctx := context.Background()
	db, err := orm.Open(open(t), orm.Entities(&Post{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	s := db.Session()
	parent := &Post{Title: "parent"}
	child := &Post{Title: "child"}
	child.Parent.Set(parent)
	s.Persist(child)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if parent.ID.IsZero() || child.ID.IsZero() {
		t.Fatalf("keys not generated: %v %v", parent.ID, child.ID)
	}
	fresh := db.Session()
	got, err := orm.Repo[Post](fresh).Get(ctx, child.ID, orm.Populate("Parent"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "child" || got.Parent.Get() == nil || got.Parent.Get().ID != parent.ID {
		t.Errorf("loaded %+v with parent %+v", got, got.Parent.Get())
	}
	n, err := orm.Repo[Post](fresh).Count(ctx, orm.Eq("Parent", parent.ID))
	if err != nil || n != 1 {
		t.Errorf("Count(Parent = %v) = %d, %v; want 1", parent.ID, n, err)
	}
	// A failed flush takes the generated key back.
	dup := &Post{Title: "parent"}
	s.Persist(dup)
	var ce *orm.ConstraintError
	if err := s.Flush(ctx); !errors.As(err, &ce) {
		t.Fatalf("duplicate title: %v; want a *orm.ConstraintError", err)
	}
	if !dup.ID.IsZero() {
		t.Errorf("a failed flush left the generated key %v", dup.ID)
	}
}
