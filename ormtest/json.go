package ormtest

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/unitofwork/orm"
)

// testJSON: entities loaded with Populate encode one level deep below each
// Ref and Collection (a book's writer in full, the writer's books as keys;
// a writer's books in full, their writer as a key), and decode back, a key
// into a Ref by key of the key field's type.
func testJSON(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	w := &writer{Name: "Ann"}
	goBook := &book{Title: "Go"}
	goBook.Tags.Add(&tag{Code: "go", Label: "Golang"})
	dbBook := &book{Title: "DB"}
	w.Books.Add(goBook, dbBook)
	s.Persist(w)
	e.flush(s)

	s = e.db.Session()
	bk, err := orm.Repo[book](s).Get(e.ctx, goBook.ID, orm.Populate("Writer", "Tags"))
	if err != nil {
		t.Fatal(err)
	}
	wantBook := fmt.Sprintf(`{"ID":%d,"Title":"Go","Writer":{"ID":%d,"Name":"Ann","Books":null},"Tags":[{"Code":"go","Label":"Golang","Books":null}]}`, goBook.ID, w.ID)
	e.checkJSON("book, writer's books unloaded", bk, wantBook)

	wr, err := orm.Repo[writer](s).Get(e.ctx, w.ID, orm.Populate("Books"))
	if err != nil {
		t.Fatal(err)
	}
	if wr != bk.Writer.Get() {
		t.Fatalf("the populated writer is %p; want the book's %p", wr, bk.Writer.Get())
	}
	wantBook = fmt.Sprintf(`{"ID":%d,"Title":"Go","Writer":{"ID":%d,"Name":"Ann","Books":[%d,%d]},"Tags":[{"Code":"go","Label":"Golang","Books":null}]}`,
		goBook.ID, w.ID, goBook.ID, dbBook.ID)
	e.checkJSON("book, writer's books loaded", bk, wantBook)
	e.checkJSON("book by value", *bk, wantBook)
	wantWriter := fmt.Sprintf(`{"ID":%d,"Name":"Ann","Books":[{"ID":%d,"Title":"Go","Writer":%d,"Tags":["go"]},{"ID":%d,"Title":"DB","Writer":%d,"Tags":null}]}`,
		w.ID, goBook.ID, w.ID, dbBook.ID, w.ID)
	e.checkJSON("writer", wr, wantWriter)

	var back writer
	if err := json.Unmarshal([]byte(wantWriter), &back); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if back.ID != w.ID || back.Books.Len() != 2 {
		t.Fatalf("decoded writer %d with %d books; want %d with 2", back.ID, back.Books.Len(), w.ID)
	}
	first := back.Books.Items()[0]
	if first.Writer.Get() != nil || first.Writer.ID() != w.ID {
		t.Errorf("decoded book's writer: Get() %p, ID() %v (%T); want a Ref by key %d (int64)", first.Writer.Get(), first.Writer.ID(), first.Writer.ID(), w.ID)
	}
	if first.Tags.Len() != 1 || first.Tags.Items()[0].Code != "go" {
		t.Errorf("decoded book's tags: %d; want one, by its key go", first.Tags.Len())
	}
	// The decoded book merges: its Ref by key is the foreign key.
	first.Title = "Go 2"
	s = e.db.Session()
	if _, err := orm.Repo[book](s).Merge(e.ctx, first); err != nil {
		t.Fatal(err)
	}
	e.flush(s)
	got, err := orm.Repo[book](e.db.Session()).Get(e.ctx, goBook.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Go 2" || got.Writer.ID() != w.ID {
		t.Errorf("merged book: %q by %v; want \"Go 2\" by %d", got.Title, got.Writer.ID(), w.ID)
	}
}

// checkJSON checks that v encodes as want.
func (e *env) checkJSON(name string, v any, want string) {
	e.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		e.t.Fatalf("%s: json.Marshal: %v", name, err)
	}
	if string(b) != want {
		e.t.Errorf("%s: got %s; want %s", name, b, want)
	}
}
