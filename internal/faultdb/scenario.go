package faultdb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/unitofwork/orm"
)

// Author is one of the loop's entities (with Tag and Book): a Ref, a
// many-to-many pivot, a version column and time stamps between them.
type Author struct {
	ID      int64
	Name    string `orm:"unique"`
	Age     int
	Version int64     `orm:"version"`
	Updated time.Time `orm:"updatedAt"`
}

// TableName names the authors' table.
func (Author) TableName() string { return "f_author" }

// Tag is a book's tag.
type Tag struct {
	ID   int64
	Name string
}

// TableName names the tags' table.
func (Tag) TableName() string { return "f_tag" }

// Book has an author and tags.
type Book struct {
	ID      int64
	Title   string
	Author  orm.Ref[Author]
	Tags    orm.Collection[Tag] `orm:"m2m"`
	Created *time.Time          `orm:"createdAt"`
}

// TableName names the books' table.
func (Book) TableName() string { return "f_book" }

// Box and Item are the loop's cascades: removing a box removes its items,
// an item taken out of its box and put in no other is removed, and new
// items and boxes reachable from managed ones are inserted.
type Box struct {
	ID    int64
	Name  string               `orm:"unique"`
	Items orm.Collection[Item] `orm:"mappedBy:Box,cascade:remove,orphanRemoval"`
}

// TableName names the boxes' table.
func (Box) TableName() string { return "f_box" }

// Item is in a box.
type Item struct {
	ID   int64
	Name string `orm:"unique"`
	Box  orm.Ref[Box]
}

// TableName names the items' table.
func (Item) TableName() string { return "f_item" }

// Target is one new, empty database the loop flushes to, reached through
// the injector.
type Target struct {
	// Backend is the backend under test, its connections wrapped by the
	// injector.
	Backend orm.Backend
	// Raw reads the database back for the before- and after-images. It may
	// go through the injector (which is disarmed while it reads) or not.
	Raw *sql.DB
	// InUse returns how many connections the backend holds; nil reads
	// Raw.Stats().InUse.
	InUse func() int
	// Close, if set, runs after the orm.DB on Backend is closed.
	Close func()
}

// Opener returns a new, empty database reached through the injector and the
// backend on it.
type Opener func(t *testing.T) Target

// scenario is one database holding the before-image and a Session holding
// the changes of the flush under test.
type scenario struct {
	target   Target
	db       *orm.DB
	s        *orm.Session
	entities []any
	hookAt   int // panic in the query hook at this statement (0: never)
	seen     int
	closed   bool

	// changeGraph changes the graph between a failed flush and its retry:
	// it cancels the cascaded removal and the orphan removal and takes the
	// cascade-persisted item and box back out of the graph, so that the
	// retry must write none of the cascade's changes.
	changeGraph func()
}

func setup(t *testing.T, open Opener) *scenario {
	ctx := context.Background()
	target := open(t)
	sc := &scenario{target: target}
	hook := func(context.Context, orm.QueryEvent) {
		sc.seen++
		if sc.seen == sc.hookAt {
			panic(fmt.Sprintf("hook panics at statement %d", sc.seen))
		}
	}
	db, err := orm.Open(target.Backend, orm.Entities(&Author{}, &Tag{}, &Book{}, &Box{}, &Item{}), orm.WithQueryHook(hook))
	if err != nil {
		t.Fatal(err)
	}
	sc.db = db
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	s := db.Session()
	a1, a2 := &Author{Name: "a1"}, &Author{Name: "a2"}
	t1, t2 := &Tag{Name: "t1"}, &Tag{Name: "t2"}
	b1 := &Book{Title: "b1", Author: orm.RefTo(a1)}
	b1.Tags.Add(t1)
	b2 := &Book{Title: "b2", Author: orm.RefTo(a2)}
	bx1, bx2 := &Box{Name: "bx1"}, &Box{Name: "bx2"}
	bx1.Items.Add(&Item{Name: "i1"}, &Item{Name: "i2"})
	bx2.Items.Add(&Item{Name: "i3"}, &Item{Name: "i4"})
	s.Persist(b1, b2, t2, bx1, bx2)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	sc.change(t)
	return sc
}

// change loads the seeded graph into a new Session and changes it: what
// the flush under test writes.
func (sc *scenario) change(t *testing.T) {
	ctx := context.Background()
	s := sc.db.Session()
	books, err := orm.Repo[Book](s).Find(ctx, nil, orm.OrderBy("ID"), orm.Populate("Author", "Tags"))
	if err != nil {
		t.Fatal(err)
	}
	tags, err := orm.Repo[Tag](s).Find(ctx, nil, orm.OrderBy("ID"))
	if err != nil {
		t.Fatal(err)
	}
	boxes, err := orm.Repo[Box](s).Find(ctx, nil, orm.OrderBy("ID"), orm.Populate("Items"))
	if err != nil {
		t.Fatal(err)
	}
	items := map[string]*Item{}
	for _, bx := range boxes {
		for _, it := range bx.Items.Items() {
			items[it.Name] = it
		}
	}
	// The changes: inserts, updates and deletes of each type, pivot rows
	// added and removed.
	books[0].Author.Get().Age = 40
	books[1].Author.Get().Age = 41
	books[0].Title = "b1 (2nd ed.)"
	books[0].Tags.Remove(tags[0])
	t3 := &Tag{Name: "t3"}
	books[0].Tags.Add(tags[1], t3)
	s.Remove(books[1])
	b3, a3 := &Book{Title: "b3", Author: books[0].Author}, &Author{Name: "a3"}
	s.Persist(b3, a3)
	// The cascades: bx1's removal removes i1 and i2; i3, taken out of bx2,
	// is an orphan; i5, new, is reachable only through bx2's collection;
	// bx3, new, only through the Ref of i4, moved into it.
	bx1, bx2 := boxes[0], boxes[1]
	i1, i2, i3, i4 := items["i1"], items["i2"], items["i3"], items["i4"]
	s.Remove(bx1)
	bx2.Items.Remove(i3)
	i5 := &Item{Name: "i5"}
	bx2.Items.Add(i5)
	bx3 := &Box{Name: "bx3"}
	bx2.Items.Remove(i4)
	i4.Box.Set(bx3)
	sc.changeGraph = func() {
		s.Persist(bx1)       // bx1 stays, and so do its items
		bx2.Items.Add(i3)    // i3 is no orphan any more
		bx2.Items.Remove(i5) // i5 was never written: it is not to be
		bx2.Items.Add(i4)    // i4 back in bx2: nothing reaches bx3
	}
	sc.s = s
	sc.entities = []any{books[0], books[1], books[0].Author.Get(), books[1].Author.Get(), tags[0], tags[1], t3, b3, a3,
		bx1, bx2, bx3, i1, i2, i3, i4, i5}
	sc.seen = 0
}

// close closes the scenario's DB and whatever its Target opened.
func (sc *scenario) close() {
	if sc.closed {
		return
	}
	sc.closed = true
	sc.db.Close()
	if sc.target.Close != nil {
		sc.target.Close()
	}
}

// inUse returns how many connections the backend holds.
func (sc *scenario) inUse() int {
	if sc.target.InUse != nil {
		return sc.target.InUse()
	}
	return sc.target.Raw.Stats().InUse
}

// dump reads every table raw. Rows are named by their unique names, not
// their keys: PostgreSQL's sequences do not roll back, so a retried insert
// may get another key than the first attempt would have.
func (sc *scenario) dump(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, q := range []string{
		`SELECT 'author', name, age, version FROM f_author ORDER BY name`,
		`SELECT 'tag', name, 0, 0 FROM f_tag ORDER BY name`,
		`SELECT 'book', b.title, COALESCE(a.name, '-'), 0 FROM f_book b LEFT JOIN f_author a ON a.id = b.author_id ORDER BY b.title`,
		`SELECT 'tagged', b.title, t.name, 0 FROM f_book_tags p JOIN f_book b ON b.id = p.f_book_id JOIN f_tag t ON t.id = p.f_tag_id ORDER BY 2, 3`,
		`SELECT 'box', name, 0, 0 FROM f_box ORDER BY name`,
		`SELECT 'item', i.name, COALESCE(b.name, '-'), 0 FROM f_item i LEFT JOIN f_box b ON b.id = i.box_id ORDER BY i.name`,
	} {
		rows, err := sc.target.Raw.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a, b, c, d string
			if err := rows.Scan(&a, &b, &c, &d); err != nil {
				t.Fatal(err)
			}
			out = append(out, strings.Join([]string{a, b, c, d}, " "))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// cascaded returns the box and item rows of a dump, the part the graph
// change decides.
func cascaded(dump []string) []string {
	return slices.DeleteFunc(slices.Clone(dump), func(row string) bool {
		return !strings.HasPrefix(row, "box ") && !strings.HasPrefix(row, "item ")
	})
}

// The box and item rows after the flush, as the graph says without and with
// the change: bx1 and its items removed, the orphan i3 removed, i5 and bx3
// inserted; or, changed, all as before.
var (
	wantCascaded = []string{"box bx2 0 0", "box bx3 0 0", "item i4 bx3 0", "item i5 bx2 0"}
	wantChanged  = []string{"box bx1 0 0", "box bx2 0 0", "item i1 bx1 0", "item i2 bx1 0", "item i3 bx2 0", "item i4 bx2 0"}
)

// state is what the Session's entities hold: keys, versions, fields, Refs
// and the collections' items, and for each entity with a key whether the
// Session's identity map holds it (a Ref built from its key points at it)
// or not (removed, or no longer tracked).
func (sc *scenario) state() string {
	var b strings.Builder
	managed := func(id int64, p any, get func() any) {
		switch {
		case id == 0:
			b.WriteString(" new")
		case get() == p:
			b.WriteString(" managed")
		default:
			b.WriteString(" unmapped")
		}
	}
	for _, e := range sc.entities {
		switch e := e.(type) {
		case *Author:
			fmt.Fprintf(&b, "author %d %s %d v%d updated %s", e.ID, e.Name, e.Age, e.Version, e.Updated.Format(time.RFC3339Nano))
			managed(e.ID, e, func() any { return orm.Repo[Author](sc.s).Ref(e.ID).Get() })
		case *Tag:
			fmt.Fprintf(&b, "tag %d %s", e.ID, e.Name)
			managed(e.ID, e, func() any { return orm.Repo[Tag](sc.s).Ref(e.ID).Get() })
		case *Book:
			fmt.Fprintf(&b, "book %d %s author %s created %v", e.ID, e.Title, refString(e.Author, func(a *Author) string { return a.Name }), e.Created)
			managed(e.ID, e, func() any { return orm.Repo[Book](sc.s).Ref(e.ID).Get() })
			b.WriteString(" tags")
			for _, tg := range e.Tags.Items() {
				fmt.Fprintf(&b, " %d:%s", tg.ID, tg.Name)
			}
		case *Box:
			fmt.Fprintf(&b, "box %d %s", e.ID, e.Name)
			managed(e.ID, e, func() any { return orm.Repo[Box](sc.s).Ref(e.ID).Get() })
			b.WriteString(" items")
			for _, it := range e.Items.Items() {
				fmt.Fprintf(&b, " %d:%s", it.ID, it.Name)
			}
		case *Item:
			fmt.Fprintf(&b, "item %d %s box %s", e.ID, e.Name, refString(e.Box, func(bx *Box) string { return bx.Name }))
			managed(e.ID, e, func() any { return orm.Repo[Item](sc.s).Ref(e.ID).Get() })
		}
		b.WriteString("; ")
	}
	return b.String()
}

// refString names what a Ref points at: the entity it holds, else its key,
// else "-" for NULL. (Ref.ID alone would change when a Session takes a new
// entity's Ref in, though the Ref points where it did.)
func refString[T any](r orm.Ref[T], name func(*T) string) string {
	if e := r.Get(); e != nil {
		return name(e)
	}
	if id := r.ID(); id != nil {
		return fmt.Sprintf("#%v", id)
	}
	return "-"
}
