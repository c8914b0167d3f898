package ormtest

import (
	"strings"
	"testing"

	"github.com/unitofwork/orm"
)

// testLazyLoadBatched: loading the Ref, the collection or the many-to-many
// of each entity in a loop sends one query per relation, not one per
// entity; Unbatched loads one owner's; orm.Load populates entities already
// loaded.
func testLazyLoadBatched(t *testing.T, open suite) {
	e := setup(t, open, all)
	seedLibrary(t, e)
	s := e.db.Session()
	books, err := orm.Repo[book](s).Find(e.ctx, nil, orm.OrderBy("ID"), orm.Limit(100))
	if err != nil || len(books) != 100 {
		t.Fatalf("Find = %d books, %v", len(books), err)
	}
	e.rec.Reset()
	for _, b := range books {
		w, err := b.Writer.Load(e.ctx)
		if err != nil || w == nil || b.Writer.Get() != w {
			t.Fatalf("%s: Writer.Load = %v, %v", b.Title, w, err)
		}
	}
	for _, b := range books {
		if err := b.Tags.Load(e.ctx); err != nil || b.Tags.Len() != 3 {
			t.Fatalf("%s: Tags.Load: %v, %d tags; want 3", b.Title, err, b.Tags.Len())
		}
	}
	if got := e.verbs(); len(got) != 2 {
		t.Errorf("loading 100 books' writers and tags in a loop sent %q; want 2 SELECTs", got)
	}

	s = e.db.Session()
	writers, err := orm.Repo[writer](s).Find(e.ctx, nil, orm.OrderBy("Name"))
	if err != nil || len(writers) != 100 {
		t.Fatalf("Find = %d writers, %v", len(writers), err)
	}
	e.rec.Reset()
	for _, w := range writers {
		if err := w.Books.Load(e.ctx); err != nil || w.Books.Len() != 10 {
			t.Fatalf("%s: Books.Load: %v, %d books; want 10", w.Name, err, w.Books.Len())
		}
		for _, b := range w.Books.Items() {
			if b.Writer.Get() != w {
				t.Fatalf("%s: its Writer is not %s", b.Title, w.Name)
			}
		}
	}
	if got := e.verbs(); len(got) != 1 {
		t.Errorf("loading 100 writers' books in a loop sent %q; want 1 SELECT", got)
	}

	// Unbatched: one owner's collection per Load.
	s = e.db.Session()
	writers, err = orm.Repo[writer](s).Find(e.ctx, nil, orm.OrderBy("Name"), orm.Limit(3))
	if err != nil {
		t.Fatal(err)
	}
	e.rec.Reset()
	for _, w := range writers {
		if err := w.Books.Load(e.ctx, orm.Unbatched()); err != nil || w.Books.Len() != 10 {
			t.Fatalf("%s: Books.Load(Unbatched): %v", w.Name, err)
		}
	}
	if got := e.verbs(); len(got) != 3 {
		t.Errorf("three Unbatched loads sent %q; want 3 SELECTs", got)
	}
	if err := writers[0].Books.Load(e.ctx, orm.Limit(1)); err == nil {
		t.Errorf("Load(Limit(1)) = nil; want an error naming the options Load takes")
	}

	// orm.Load populates entities the Session loaded without Populate.
	s = e.db.Session()
	books, err = orm.Repo[book](s).Find(e.ctx, nil, orm.Limit(50))
	if err != nil {
		t.Fatal(err)
	}
	e.rec.Reset()
	if err := orm.Load(e.ctx, s, books, "Writer.Books", "Tags"); err != nil {
		t.Fatal(err)
	}
	if got := e.verbs(); len(got) != 3 {
		t.Errorf("orm.Load(Writer.Books, Tags) sent %q; want 3 SELECTs", got)
	}
	for _, b := range books {
		if w := b.Writer.Get(); w == nil || !w.Books.Loaded() || !b.Tags.Loaded() {
			t.Fatalf("%s: not populated by orm.Load", b.Title)
		}
	}
	if err := orm.Load(e.ctx, s, []*book{{Title: "stranger"}}, "Tags"); err == nil || !strings.Contains(err.Error(), "not managed") {
		t.Errorf("orm.Load of an unmanaged book = %v; want an error saying so", err)
	}
}
