package mongo_test

import (
	"context"
	"strings"
	"testing"

	"github.com/unitofwork/orm"
)

// Person has a text field and a JSON field.
type Person struct {
	ID   int64
	Name string
	Meta map[string]any `orm:"json"`
}

// Odd has a column name that cannot be a document key.
type Odd struct {
	ID    int64
	Price int `orm:"column:$price"`
}

// TestOperatorInjection: values never become operators.
func TestOperatorInjection(t *testing.T) {
	ctx := context.Background()
	db, err := orm.Open(open(t), orm.Entities(&Person{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	s := db.Session()
	s.Persist(&Person{Name: "ann", Meta: map[string]any{"k": 1.0}},
		&Person{Name: "$where", Meta: map[string]any{"$ne": nil}},
		&Person{Name: "bob"})
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	r := orm.Repo[Person](db.Session())
	// An operator document in place of a string is refused, not run.
	if got, err := r.Find(ctx, orm.Eq("Name", map[string]any{"$ne": nil})); err == nil {
		t.Errorf("Eq(Name, {$ne: nil}) matched %d people; want an error", len(got))
	}
	// In a JSON field it is a value: it matches only the equal document.
	got, err := r.Find(ctx, orm.Eq("Meta", map[string]any{"$ne": nil}))
	if err != nil || len(got) != 1 || got[0].Name != "$where" {
		t.Errorf("Eq(Meta, {$ne: nil}) = %d people, %v; want only the one holding that map", len(got), err)
	}
	for _, v := range []string{"$where", "this.name != ''", `{"$gt": ""}`} {
		got, err := r.Find(ctx, orm.Eq("Name", v))
		want := 0
		if v == "$where" {
			want = 1
		}
		if err != nil || len(got) != want {
			t.Errorf("Eq(Name, %q) = %d people, %v; want %d", v, len(got), err, want)
		}
	}
	n, err := r.Count(ctx, orm.Like("Name", "$%"))
	if err != nil || n != 1 {
		t.Errorf("Like(Name, $%%) = %d, %v; want 1", n, err)
	}
	// A column that would be an operator is refused before anything is sent.
	odb, err := orm.Open(open(t), orm.Entities(&Odd{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := odb.CreateSchema(ctx); err == nil || !strings.Contains(err.Error(), "$price") {
		t.Errorf("CreateSchema with column $price = %v; want an error naming it", err)
	}
}
