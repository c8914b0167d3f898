package orm_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/unitofwork/orm"
)

type Poet struct {
	ID    int64                `json:"id"`
	Name  string               `json:"name"`
	Poems orm.Collection[Poem] `orm:"mappedBy:Poet" json:"poems,omitzero"`
}

type Poem struct {
	ID     int64                 `json:"id"`
	Title  string                `json:"title"`
	Poet   orm.Ref[Poet]         `json:"poet"`
	Themes orm.Collection[Theme] `orm:"m2m" json:"themes,omitzero"`
}

type Theme struct {
	Code  string `orm:"pk" json:"code"`
	Label string `json:"label"`
}

// openPoets opens a DB of poets, poems and themes holding poet 1, Ann,
// with poems 1, "A" (themes love and sea), and 2, "B", and poet 2, Bo,
// with none.
func openPoets(t *testing.T) *orm.DB {
	t.Helper()
	db := openDB(t, memory(t), orm.Entities(&Poet{}, &Poem{}, &Theme{}))
	s := db.Session()
	ann := &Poet{Name: "Ann"}
	a := &Poem{Title: "A"}
	a.Themes.Add(&Theme{Code: "love", Label: "Love"}, &Theme{Code: "sea", Label: "Sea"})
	ann.Poems.Add(a, &Poem{Title: "B"})
	s.Persist(ann, &Poet{Name: "Bo"})
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// marshal encodes v, failing the test on an error.
func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal(%T): %v", v, err)
	}
	return string(b)
}

// TestMarshalJSONCycle: a poem whose poet's poems are loaded and hold the
// poem encodes its poet in full and the poet's poems as keys, and the
// poet its poems in full and their poet as a key: one level below each
// Ref and Collection, so the encoding ends.
func TestMarshalJSONCycle(t *testing.T) {
	ctx := context.Background()
	db := openPoets(t)
	s := db.Session()
	ann, err := orm.Repo[Poet](s).Get(ctx, 1, orm.Populate("Poems"))
	if err != nil {
		t.Fatal(err)
	}
	poem := ann.Poems.Items()[0]
	if poem.Poet.Get() != ann {
		t.Fatalf("poem.Poet.Get() = %p; want the poet %p", poem.Poet.Get(), ann)
	}
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"poem", poem, `{"id":1,"title":"A","poet":{"id":1,"name":"Ann","poems":[1,2]}}`},
		{"poem by value", *poem, `{"id":1,"title":"A","poet":{"id":1,"name":"Ann","poems":[1,2]}}`},
		{"poet", ann, `{"id":1,"name":"Ann","poems":[{"id":1,"title":"A","poet":1},{"id":2,"title":"B","poet":1}]}`},
		{"poet by value", *ann, `{"id":1,"name":"Ann","poems":[{"id":1,"title":"A","poet":1},{"id":2,"title":"B","poet":1}]}`},
		{"ref", poem.Poet, `{"id":1,"name":"Ann","poems":[1,2]}`},
		{"collection", ann.Poems, `[{"id":1,"title":"A","poet":1},{"id":2,"title":"B","poet":1}]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := marshal(t, tc.v); got != tc.want {
				t.Errorf("got %s; want %s", got, tc.want)
			}
		})
	}
}

// TestMarshalJSONShapes: an unloaded Ref is its key, a NULL one null; an
// unloaded collection is null (left out by omitzero), a loaded empty one
// []; a loaded many-to-many collection holds its members in full.
func TestMarshalJSONShapes(t *testing.T) {
	ctx := context.Background()
	db := openPoets(t)
	s := db.Session()
	a, err := orm.Repo[Poem](s).Get(ctx, 1, orm.Populate("Themes"))
	if err != nil {
		t.Fatal(err)
	}
	bo, err := orm.Repo[Poet](s).Get(ctx, 2, orm.Populate("Poems"))
	if err != nil {
		t.Fatal(err)
	}
	unloaded, err := orm.Repo[Poet](s).Get(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"unloaded ref, loaded m2m", a, `{"id":1,"title":"A","poet":1,"themes":[{"code":"love","label":"Love"},{"code":"sea","label":"Sea"}]}`},
		{"NULL ref", &Poem{ID: 9, Title: "C"}, `{"id":9,"title":"C","poet":null,"themes":[]}`},
		{"loaded empty collection", bo, `{"id":2,"name":"Bo","poems":[]}`},
		{"unloaded collection", unloaded, `{"id":1,"name":"Ann"}`},
		{"unloaded collection alone", unloaded.Poems, `null`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := marshal(t, tc.v); got != tc.want {
				t.Errorf("got %s; want %s", got, tc.want)
			}
		})
	}
	if !unloaded.Poems.IsZero() || bo.Poems.IsZero() || (&Poet{}).Poems.IsZero() {
		t.Errorf("IsZero: unloaded %v, loaded empty %v, new %v; want true, false, false",
			unloaded.Poems.IsZero(), bo.Poems.IsZero(), (&Poet{}).Poems.IsZero())
	}
}

// TestMarshalJSONOutsideSession: Refs and Collections no Session attached
// encode the same way, their targets' keys read from the key field; a
// target without a key yet is null.
func TestMarshalJSONOutsideSession(t *testing.T) {
	p := &Poet{ID: 3, Name: "Cy"}
	m := &Poem{ID: 5, Title: "E", Poet: orm.RefTo(p)}
	p.Poems.Add(m, &Poem{Title: "new"})
	m.Themes.Add(&Theme{Code: "sky"})
	if got, want := marshal(t, m), `{"id":5,"title":"E","poet":{"id":3,"name":"Cy","poems":[5,null]},"themes":[{"code":"sky","label":""}]}`; got != want {
		t.Errorf("got %s; want %s", got, want)
	}
}

// TestMarshalJSONConcurrent: encodings of the same entities at once share
// no state (run with -race).
func TestMarshalJSONConcurrent(t *testing.T) {
	ctx := context.Background()
	db := openPoets(t)
	ann, err := orm.Repo[Poet](db.Session()).Get(ctx, 1, orm.Populate("Poems.Themes"))
	if err != nil {
		t.Fatal(err)
	}
	want := marshal(t, ann)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if b, err := json.Marshal(ann); err != nil || string(b) != want {
					errs <- string(b)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for got := range errs {
		t.Errorf("concurrent encoding got %s; want %s", got, want)
	}
}

// TestUnmarshalJSON: a key decodes into the key field's type, an object
// into a new entity, null into a NULL Ref; a collection's elements are
// objects or keys.
func TestUnmarshalJSON(t *testing.T) {
	var p Poem
	if err := json.Unmarshal([]byte(`{"id":7,"title":"T","poet":9007199254740993,"themes":["love",{"code":"sea","label":"Sea"}]}`), &p); err != nil {
		t.Fatal(err)
	}
	if id, ok := p.Poet.ID().(int64); !ok || id != 9007199254740993 || p.Poet.Get() != nil {
		t.Errorf("poet: ID() = %v (%T), Get() = %v; want int64 9007199254740993, not loaded", p.Poet.ID(), p.Poet.ID(), p.Poet.Get())
	}
	var themes []Theme
	for _, th := range p.Themes.Items() {
		themes = append(themes, *th)
	}
	if diff := cmp.Diff([]Theme{{Code: "love"}, {Code: "sea", Label: "Sea"}}, themes); diff != "" {
		t.Errorf("themes (-want +got):\n%s", diff)
	}

	if err := json.Unmarshal([]byte(`{"poet":{"id":2,"name":"Bo"}}`), &p); err != nil {
		t.Fatal(err)
	}
	if g := p.Poet.Get(); g == nil || g.ID != 2 || g.Name != "Bo" {
		t.Errorf("poet object: Get() = %+v; want poet 2, Bo", g)
	}
	if err := json.Unmarshal([]byte(`{"poet":null}`), &p); err != nil || !p.Poet.IsNil() {
		t.Errorf("poet null: err %v, IsNil %v; want a NULL Ref", err, p.Poet.IsNil())
	}
	if err := json.Unmarshal([]byte(`{"themes":null}`), &p); err != nil || p.Themes.Len() != 2 {
		t.Errorf("themes null: err %v; want no change", err)
	}

	var th struct{ R orm.Ref[Theme] }
	if err := json.Unmarshal([]byte(`{"R":"love"}`), &th); err != nil || th.R.ID() != "love" {
		t.Errorf("string key: err %v, ID() = %#v; want \"love\"", err, th.R.ID())
	}
}

// TestUnmarshalJSONErrors: a key that does not fit the key field, a null
// or mistyped element, and an array into an unloaded collection are
// errors naming the relation and the value.
func TestUnmarshalJSONErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"string for int key", `{"poet":"x"}`, `orm: Ref[Poet]: key "x" does not fit Poet.ID (int64)`},
		{"float for int key", `{"poet":1.5}`, `orm: Ref[Poet]: key 1.5 does not fit Poet.ID (int64)`},
		{"null element", `{"themes":["love",null]}`, `orm: Collection[Theme]: item 1: null is neither an entity nor a key`},
		{"number for string key", `{"themes":[5]}`, `orm: Collection[Theme]: item 0: key 5 does not fit Theme.Code (string)`},
		{"object for collection", `{"themes":{}}`, `orm: Collection[Theme]: got {}; want a JSON array or null`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p Poem
			err := json.Unmarshal([]byte(tc.in), &p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v; want an error containing %q", err, tc.want)
			}
		})
	}

	db := openPoets(t)
	ann, err := orm.Repo[Poet](db.Session()).Get(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(`{"poems":[1]}`), ann); !errors.Is(err, orm.ErrNotLoaded) {
		t.Errorf("array into an unloaded collection = %v; want ErrNotLoaded", err)
	}
}

// TestUnmarshalJSONMerge: a decoded entity whose Ref is a key, merged,
// writes the foreign key.
func TestUnmarshalJSONMerge(t *testing.T) {
	ctx := context.Background()
	db := openPoets(t)
	var in Poem
	if err := json.Unmarshal([]byte(`{"id":2,"title":"B2","poet":2}`), &in); err != nil {
		t.Fatal(err)
	}
	s := db.Session()
	if _, err := orm.Repo[Poem](s).Merge(ctx, &in); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := orm.Repo[Poem](db.Session()).Get(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "B2" || got.Poet.ID() != int64(2) {
		t.Errorf("poem 2: title %q, poet %v; want B2, 2", got.Title, got.Poet.ID())
	}
}

// TestUnmarshalJSONManaged: decoding a key into the Ref of a managed
// entity moves it as Ref.Set does, between the loaded collections.
func TestUnmarshalJSONManaged(t *testing.T) {
	ctx := context.Background()
	db := openPoets(t)
	s := db.Session()
	poets, err := orm.Repo[Poet](s).Find(ctx, nil, orm.OrderBy("ID"), orm.Populate("Poems"))
	if err != nil {
		t.Fatal(err)
	}
	ann, bo := poets[0], poets[1]
	a := ann.Poems.Items()[0]
	if err := json.Unmarshal([]byte(`{"poet":2}`), a); err != nil {
		t.Fatal(err)
	}
	if a.Poet.Get() != bo || ann.Poems.Contains(a) || !bo.Poems.Contains(a) {
		t.Errorf("after decoding poet 2: Get() = %p (Bo %p), in Ann's %v, in Bo's %v; want Bo, false, true",
			a.Poet.Get(), bo, ann.Poems.Contains(a), bo.Poems.Contains(a))
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := orm.Repo[Poem](db.Session()).Get(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Poet.ID() != int64(2) {
		t.Errorf("stored poet = %v; want 2", got.Poet.ID())
	}

	// Keys name the members, or the managed entities, with those keys:
	// decoding [2, 1] into Bo's poems (1, which moved, and 2, still Ann's)
	// keeps poem 1 and moves poem 2 to Bo.
	b := ann.Poems.Items()[0]
	if err := json.Unmarshal([]byte(`{"poems":[2,1]}`), bo); err != nil {
		t.Fatal(err)
	}
	if got := bo.Poems.Items(); !slices.Equal([]*Poem{a, b}, got) || b.Poet.Get() != bo || ann.Poems.Len() != 0 {
		t.Errorf("Bo's poems %p, poem 2's poet %p, Ann's poems %d; want %p, Bo %p, none", got, b.Poet.Get(), ann.Poems.Len(), []*Poem{a, b}, bo)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := orm.Repo[Poem](db.Session()).Count(ctx, orm.Eq("Poet.ID", int64(2)))
	if err != nil || n != 2 {
		t.Errorf("poems of Bo stored: %d, %v; want 2", n, err)
	}
}
