package ormtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/unitofwork/orm"
)

// verbs returns the first word and table of each recorded statement, such
// as "UPDATE car" or "BEGIN", then resets the recorder. Key reservations
// (NEXTVAL, on backends that reserve generated keys) and reads of server
// variables (SELECT @@auto_increment_increment before a multi-row INSERT
// on MySQL) are left out.
func (e *env) verbs() []string {
	var out []string
	for _, st := range e.rec.Statements() {
		w := strings.Fields(st)
		v := w[0]
		if v == "NEXTVAL" || strings.HasPrefix(st, "SELECT @@") {
			continue
		}
		switch v {
		case "INSERT", "DELETE":
			v += " " + strings.Trim(w[2], "\"`")
		case "UPDATE":
			v += " " + strings.Trim(w[1], "\"`")
		case "SELECT":
			for i, x := range w {
				if x == "FROM" {
					v += " " + strings.Trim(w[i+1], "\"`")
					break
				}
			}
		}
		out = append(out, v)
	}
	e.rec.Reset()
	return out
}

func testSeedScenario(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	d := &driver{Name: "Ann"}
	d.Address.Set(&address{Street: "1 Main St", City: "Springfield"})
	d.Cars.Add(&car{Brand: "Fiat"}, &car{Brand: "Audi"}, &car{Brand: "Tesla"})
	s.Persist(d) // cascades to the address and the cars
	e.flush(s)
	if diff := cmp.Diff(e.wantVerbs("BEGIN", "INSERT address", "INSERT driver", "INSERT car", "COMMIT"), e.verbs()); diff != "" {
		t.Errorf("first flush (-want +got):\n%s", diff)
	}
	for _, c := range d.Cars.Items() {
		if c.ID == 0 || c.Driver.Get() != d {
			t.Errorf("car %s: ID %d, driver %p; want an ID and %p", c.Brand, c.ID, c.Driver.Get(), d)
		}
	}

	s = e.db.Session()
	user, err := orm.Repo[driver](s).Get(e.ctx, d.ID, orm.Populate("Cars", "Address"))
	if err != nil {
		t.Fatal(err)
	}
	if n := e.rec.Count("SELECT"); n > 3 {
		t.Errorf("Get with Populate(Cars, Address) sent %d SELECTs; want at most 3", n)
	}
	e.rec.Reset()
	user.Title = "Mr."
	user.Address.Get().Street = "10 Downing Street"
	for _, theCar := range user.Cars.Items() {
		theCar.ForSale = true
	}
	user.Cars.Add(&car{Brand: "VW"})
	e.flush(s)
	stmts := e.rec.Statements()
	if diff := cmp.Diff(e.wantVerbs("BEGIN", "INSERT car", "UPDATE driver", "UPDATE address", "UPDATE car", "COMMIT"), e.verbs()); diff != "" {
		t.Errorf("seed flush (-want +got):\n%s", diff)
	}
	for _, st := range stmts {
		switch {
		case strings.HasPrefix(st, "UPDATE \"driver\"") || strings.HasPrefix(st, "UPDATE `driver`"):
			if !strings.Contains(st, "title") || strings.Contains(st, "name") {
				t.Errorf("driver UPDATE writes more than the title: %s", st)
			}
		case strings.Contains(st, "UPDATE") && strings.Contains(st, "address"):
			if !strings.Contains(st, "street") || strings.Contains(st, "city") {
				t.Errorf("address UPDATE writes more than the street: %s", st)
			}
		case strings.Contains(st, "UPDATE") && strings.Contains(st, "car"):
			if (e.has(SQL) && !strings.Contains(st, "CASE")) || strings.Contains(st, "brand") {
				t.Errorf("car UPDATE is not one CASE on for_sale: %s", st)
			}
		}
	}
	e.flush(s)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("second flush sent %q; want nothing", st)
	}
	check, err := orm.Repo[car](e.db.Session()).Find(e.ctx, orm.Eq("Driver.Title", "Mr."), orm.OrderBy("Brand"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range check {
		got = append(got, fmt.Sprint(c.Brand, " ", c.ForSale))
	}
	if diff := cmp.Diff([]string{"Audi true", "Fiat true", "Tesla true", "VW false"}, got); diff != "" {
		t.Errorf("cars in the database (-want +got):\n%s", diff)
	}
}

// seedLibrary stores 100 writers with 10 books each, each book with 3 of 30
// tags.
func seedLibrary(t *testing.T, e *env) []*writer {
	s := e.db.Session()
	var writers []*writer
	tags := make([]*tag, 30)
	for i := range tags {
		tags[i] = &tag{Code: fmt.Sprintf("t%02d", i), Label: fmt.Sprintf("tag %d", i)}
	}
	for w := range 100 {
		wr := &writer{Name: fmt.Sprintf("writer %03d", w)}
		for b := range 10 {
			bk := &book{Title: fmt.Sprintf("book %03d-%d", w, b)}
			bk.Tags.Add(tags[(w+b)%30], tags[(w+b+1)%30], tags[(w+b+2)%30])
			wr.Books.Add(bk)
		}
		s.Persist(wr)
		writers = append(writers, wr)
	}
	e.flush(s)
	e.rec.Reset()
	return writers
}

func testPopulateNoNPlusOne(t *testing.T, open suite) {
	e := setup(t, open, all)
	seedLibrary(t, e)
	s := e.db.Session()
	writers, err := orm.Repo[writer](s).Find(e.ctx, nil, orm.OrderBy("Name"), orm.Populate("Books.Tags"))
	if err != nil {
		t.Fatal(err)
	}
	if got := e.verbs(); !slices.Equal(got, []string{"SELECT writer", "SELECT book", "SELECT tag"}) {
		t.Errorf("Populate(Books.Tags) sent %q; want 3 SELECTs", got)
	}
	if len(writers) != 100 {
		t.Fatalf("%d writers; want 100", len(writers))
	}
	for w, wr := range writers {
		if wr.Books.Len() != 10 {
			t.Fatalf("%s has %d books; want 10", wr.Name, wr.Books.Len())
		}
		for b, bk := range wr.Books.Items() {
			var codes []string
			for _, tg := range bk.Tags.Items() {
				codes = append(codes, tg.Code)
			}
			slices.Sort(codes)
			want := []string{fmt.Sprintf("t%02d", (w+b)%30), fmt.Sprintf("t%02d", (w+b+1)%30), fmt.Sprintf("t%02d", (w+b+2)%30)}
			slices.Sort(want)
			if !slices.Equal(codes, want) {
				t.Fatalf("%s tags %v; want %v", bk.Title, codes, want)
			}
			if bk.Writer.Get() != wr {
				t.Fatalf("%s: Writer.Get() is not the populated writer", bk.Title)
			}
		}
	}
	// Shared tags are one instance each.
	a := writers[0].Books.Items()[0].Tags.Items()
	b := writers[1].Books.Items()[0].Tags.Items()
	if !slices.ContainsFunc(a, func(x *tag) bool { return slices.Contains(b, x) }) {
		t.Errorf("books sharing a tag hold different instances")
	}
	// Populating again sends nothing: everything is loaded.
	if _, err := orm.Repo[writer](s).Find(e.ctx, nil, orm.Populate("Books.Tags")); err != nil {
		t.Fatal(err)
	}
	if got := e.verbs(); !slices.Equal(got, []string{"SELECT writer"}) {
		t.Errorf("second Populate sent %q; want only the writers' SELECT", got)
	}
	// The inverse side of a many-to-many relation reads the same pivot.
	theTag, err := orm.Repo[tag](s).Get(e.ctx, "t00", orm.Populate("Books"))
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for w := range 100 {
		for b := range 10 {
			if r := (w + b) % 30; r == 0 || r == 28 || r == 29 {
				want++
			}
		}
	}
	if theTag.Books.Len() != want {
		t.Errorf("tag t00 is on %d books; want %d", theTag.Books.Len(), want)
	}
	if _, err := orm.Repo[writer](s).Find(e.ctx, nil, orm.Populate("Books.Nope")); err == nil {
		t.Errorf("Populate of an unknown path succeeded")
	}
}

// testMembersInKeyOrder: a loaded collection holds its members in key
// order, whatever order the database returns the rows in and whatever its
// collation: integer keys by value, string keys by their bytes ("C"
// before "a"), through Populate and through a lazy Load alike, and the
// populate sends no ORDER BY for it.
func testMembersInKeyOrder(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	w := &writer{Name: "w"}
	s.Persist(w)
	var books []*book
	for _, id := range []int64{30, 20, 10, 60, 50, 40} { // inserted out of key order
		b := &book{ID: id, Title: fmt.Sprint("b", id), Writer: orm.RefTo(w)}
		s.Persist(b)
		books = append(books, b)
	}
	for _, code := range []string{"b", "a", "C", "a1", "B0"} { // added out of key order
		books[0].Tags.Add(&tag{Code: code, Label: code})
	}
	e.flush(s)
	wantBooks := []int64{10, 20, 30, 40, 50, 60}
	wantTags := []string{"B0", "C", "a", "a1", "b"}
	check := func(how string, got *writer) {
		t.Helper()
		var ids []int64
		for _, b := range got.Books.Items() {
			ids = append(ids, b.ID)
		}
		if !slices.Equal(ids, wantBooks) {
			t.Errorf("%s: books %v; want key order %v", how, ids, wantBooks)
		}
		tagged := got.Books.Items()[2] // book 30
		if err := tagged.Tags.Load(e.ctx); err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, tg := range tagged.Tags.Items() {
			codes = append(codes, tg.Code)
		}
		if !slices.Equal(codes, wantTags) {
			t.Errorf("%s: tags %q; want byte order %q", how, codes, wantTags)
		}
	}
	e.rec.Reset()
	got, err := orm.Repo[writer](e.db.Session()).Get(e.ctx, w.ID, orm.Populate("Books.Tags"))
	if err != nil {
		t.Fatal(err)
	}
	check("Populate", got)
	for _, st := range e.rec.Statements() {
		if strings.Contains(st, "ORDER BY") {
			t.Errorf("Populate sent %s; want no ORDER BY", st)
		}
	}
	got, err = orm.Repo[writer](e.db.Session()).Get(e.ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := got.Books.Load(e.ctx); err != nil {
		t.Fatal(err)
	}
	check("Load", got)
}

func testTreeInsert(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	root := &category{Name: "L0"}
	parent := root
	for level := 1; level < 5; level++ {
		for i := range 2 {
			c := &category{Name: fmt.Sprintf("L%d-%d", level, i)}
			parent.Children.Add(c)
			if i == 1 {
				parent = c
			}
		}
	}
	s.Persist(root)
	e.flush(s)
	if n := e.rec.Count("INSERT"); n != 5 {
		t.Errorf("a 5-level tree took %d INSERTs; want one per level", n)
	}
	if n := e.rec.Count("UPDATE"); n != 0 {
		t.Errorf("a tree insert sent %d UPDATEs; want none", n)
	}
	all, err := orm.Repo[category](e.db.Session()).Find(e.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]*category{}
	for _, c := range all {
		byID[c.ID] = c
	}
	if len(all) != 9 {
		t.Fatalf("%d categories; want 9", len(all))
	}
	for _, c := range all {
		level := int(c.Name[1] - '0')
		pid, _ := c.Parent.ID().(int64)
		if level == 0 {
			if !c.Parent.IsNil() {
				t.Errorf("root has parent %v", c.Parent.ID())
			}
			continue
		}
		p := byID[pid]
		if p == nil || int(p.Name[1]-'0') != level-1 {
			t.Errorf("%s has parent %v; want one on level %d", c.Name, c.Parent.ID(), level-1)
		}
	}
	// A self-reference of a new entity is written NULL, then fixed up.
	self := &category{Name: "self"}
	self.Parent.Set(self)
	s.Persist(self)
	e.rec.Reset()
	e.flush(s)
	got, err := orm.Repo[category](e.db.Session()).Get(e.ctx, self.ID)
	if err != nil || got.Parent.ID() != self.ID {
		t.Errorf("self-referencing category: %v, parent %v; want itself", err, got.Parent.ID())
	}
}

func testCycle(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	theTeam := &team{Name: "Reds"}
	cap := &player{Name: "Cap"}
	cap.Team.Set(theTeam)
	theTeam.Captain.Set(cap)
	s.Persist(theTeam)
	e.flush(s)
	if diff := cmp.Diff(e.wantVerbs("BEGIN", "INSERT team", "INSERT player", "UPDATE team", "COMMIT"), e.verbs()); diff != "" {
		t.Errorf("cycle flush (-want +got):\n%s", diff)
	}
	got, err := orm.Repo[team](e.db.Session()).Get(e.ctx, theTeam.ID, orm.Populate("Captain"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Captain.Get() == nil || got.Captain.Get().Name != "Cap" || got.Captain.Get().Team.ID() != theTeam.ID {
		t.Errorf("captain not stored: %+v", got.Captain.Get())
	}
	e.rec.Reset()
	e.flush(s)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("flush after the cycle sent %q; want nothing", st)
	}
	// A Ref and the collection mapped by it are one relation, not a cycle.
	a, b := &book{Title: "a"}, &writer{Name: "w"}
	a.Writer.Set(b)
	b.Books.Add(a)
	s2 := e.db.Session()
	s2.Persist(b)
	e.flush(s2)
}

// reqA and reqB require each other: new ones cannot be ordered.
type reqA struct {
	ID int64
	B  orm.Ref[reqB] `orm:"required"`
}

// reqB requires a reqA.
type reqB struct {
	ID int64
	A  orm.Ref[reqA] `orm:"required"`
}

func testRequiredCycle(t *testing.T, open suite) {
	e := setup(t, open, []any{&reqA{}, &reqB{}})
	s := e.db.Session()
	a, b := &reqA{}, &reqB{}
	a.B.Set(b)
	b.A.Set(a)
	s.Persist(a)
	err := s.Flush(e.ctx)
	if err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("flushing a cycle of required Refs = %v; want an error naming the cycle", err)
	}
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("a refused flush sent %q", st)
	}
	if a.ID != 0 || b.ID != 0 {
		t.Errorf("keys after the refused flush: %d, %d; want 0, 0", a.ID, b.ID)
	}
}

func testCascadeRemove(t *testing.T, open suite) {
	e := setup(t, open, all)
	seedLibrary(t, e)
	s := e.db.Session()
	w, err := orm.Repo[writer](s).FindOne(e.ctx, orm.Eq("Name", "writer 007"))
	if err != nil {
		t.Fatal(err)
	}
	s.Remove(w) // books not loaded: the flush loads them
	e.rec.Reset()
	e.flush(s)
	got := e.verbs()
	want := e.wantVerbs("SELECT book", "BEGIN", "DELETE book_tags", "DELETE book", "DELETE writer", "COMMIT")
	if !e.has(SQL) { // the links live in the books' documents
		want = slices.DeleteFunc(want, func(v string) bool { return v == "DELETE book_tags" })
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cascade remove (-want +got):\n%s", diff)
	}
	if n, _ := orm.Repo[book](s).Count(e.ctx, orm.Eq("Writer.Name", "writer 007")); n != 0 {
		t.Errorf("%d books of the removed writer left", n)
	}
	if n, _ := orm.Repo[book](s).Count(e.ctx, nil); n != 990 {
		t.Errorf("%d books left; want 990", n)
	}
	// Removing a tree root removes the tree, children first.
	root := &category{Name: "root"}
	mid := &category{Name: "mid"}
	leaf := &category{Name: "leaf"}
	root.Children.Add(mid)
	mid.Children.Add(leaf)
	s.Persist(root)
	e.flush(s)
	s = e.db.Session()
	r, err := orm.Repo[category](s).Get(e.ctx, root.ID)
	if err != nil {
		t.Fatal(err)
	}
	s.Remove(r)
	e.flush(s)
	if n, _ := orm.Repo[category](s).Count(e.ctx, nil); n != 0 {
		t.Errorf("%d categories left after removing the root; want 0", n)
	}
}

func testOrphanRemoval(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	root := &category{Name: "root"}
	a, b, c := &category{Name: "a"}, &category{Name: "b"}, &category{Name: "c"}
	root.Children.Add(a, b, c)
	s.Persist(root)
	e.flush(s)
	root.Children.Remove(a) // an orphan: deleted
	root.Children.Remove(b)
	c.Children.Add(b) // moved: kept
	if !a.Parent.IsNil() || b.Parent.Get() != c {
		t.Errorf("Remove/Add did not update the children's parents")
	}
	e.flush(s)
	names := func() []string {
		cs, err := orm.Repo[category](e.db.Session()).Find(e.ctx, nil, orm.OrderBy("Name"))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range cs {
			p := "-"
			if id, ok := c.Parent.ID().(int64); ok {
				p = fmt.Sprint(id)
			}
			out = append(out, c.Name+"@"+p)
		}
		return out
	}
	want := []string{fmt.Sprintf("b@%d", c.ID), fmt.Sprintf("c@%d", root.ID), "root@-"}
	if diff := cmp.Diff(want, names()); diff != "" {
		t.Errorf("after orphan removal (-want +got):\n%s", diff)
	}
}

func testManyToMany(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	w := &writer{Name: "w"}
	bk := &book{Title: "b"}
	w.Books.Add(bk)
	old := make([]*tag, 20)
	for i := range old {
		old[i] = &tag{Code: fmt.Sprint("old", i)}
		bk.Tags.Add(old[i])
	}
	s.Persist(w)
	e.flush(s)
	s = e.db.Session()
	theBook, err := orm.Repo[book](s).Get(e.ctx, bk.ID, orm.Populate("Tags"))
	if err != nil {
		t.Fatal(err)
	}
	if theBook.Tags.Len() != 20 {
		t.Fatalf("book has %d tags; want 20", theBook.Tags.Len())
	}
	e.rec.Reset()
	for _, tg := range slices.Clone(theBook.Tags.Items()) {
		theBook.Tags.Remove(tg)
	}
	for i := range 50 {
		theBook.Tags.Add(&tag{Code: fmt.Sprint("new", i)})
	}
	e.flush(s)
	if diff := cmp.Diff(e.wantVerbs("BEGIN", "INSERT tag", "DELETE book_tags", "INSERT book_tags", "COMMIT"), e.verbs()); diff != "" {
		t.Errorf("50 adds and 20 removes (-want +got):\n%s", diff)
	}
	fresh := e.db.Session()
	again, err := orm.Repo[book](fresh).Get(e.ctx, bk.ID, orm.Populate("Tags"))
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, tg := range again.Tags.Items() {
		codes = append(codes, tg.Code)
	}
	if len(codes) != 50 || slices.ContainsFunc(codes, func(c string) bool { return strings.HasPrefix(c, "old") }) {
		t.Errorf("tags after the flush: %v; want the 50 new ones", codes)
	}
	// Filters through a many-to-many path.
	found, err := orm.Repo[book](fresh).Find(e.ctx, orm.Eq("Tags.Code", "new7"))
	if err != nil || len(found) != 1 {
		t.Errorf("Find by Tags.Code = %d books, %v; want 1", len(found), err)
	}
	// Adding to an unloaded collection needs no load.
	s3 := e.db.Session()
	b3, _ := orm.Repo[book](s3).Get(e.ctx, bk.ID)
	tg, err := orm.Repo[tag](s3).Get(e.ctx, "old0")
	if err != nil {
		t.Fatal(err)
	}
	b3.Tags.Add(tg)
	e.rec.Reset()
	e.flush(s3)
	if diff := cmp.Diff([]string{"INSERT book_tags"}, e.verbs()); diff != "" {
		t.Errorf("add to an unloaded collection (-want +got):\n%s", diff)
	}
}

func testRefLoad(t *testing.T, open suite) {
	e := setup(t, open, all)
	seedLibrary(t, e)
	s := e.db.Session()
	bk, err := orm.Repo[book](s).FindOne(e.ctx, orm.Eq("Title", "book 003-4"))
	if err != nil {
		t.Fatal(err)
	}
	if bk.Writer.Get() != nil || bk.Writer.IsNil() {
		t.Fatalf("an unloaded Ref: Get %p, IsNil %v; want nil and false", bk.Writer.Get(), bk.Writer.IsNil())
	}
	e.rec.Reset()
	w, err := bk.Writer.Load(e.ctx)
	if err != nil || w == nil || w.Name != "writer 003" {
		t.Fatalf("Load = %+v, %v", w, err)
	}
	if n := e.rec.Count("SELECT"); n != 1 {
		t.Errorf("Load sent %d SELECTs; want 1", n)
	}
	other, err := orm.Repo[book](s).FindOne(e.ctx, orm.Eq("Title", "book 003-5"))
	if err != nil {
		t.Fatal(err)
	}
	e.rec.Reset()
	if w2, err := other.Writer.Load(e.ctx); err != nil || w2 != w {
		t.Errorf("Load of a managed writer = %p, %v; want %p", w2, err, w)
	}
	if n := e.rec.Count("SELECT"); n != 0 {
		t.Errorf("Load of a managed target sent %d SELECTs; want 0", n)
	}
	if other.Writer.ID() != w.ID {
		t.Errorf("Ref.ID() = %v; want %d", other.Writer.ID(), w.ID)
	}
	// A reference by key, without loading: sets the foreign key.
	ref := orm.Repo[writer](s).Ref(w.ID)
	nb := &book{Title: "by ref", Writer: ref}
	s.Persist(nb)
	e.flush(s)
	got, _ := orm.Repo[book](e.db.Session()).Get(e.ctx, nb.ID)
	if got.Writer.ID() != w.ID {
		t.Errorf("book persisted with a Ref by key has writer %v; want %d", got.Writer.ID(), w.ID)
	}
	// Reading an unloaded collection is an error, not an empty list.
	func() {
		defer func() {
			r := recover()
			err, _ := r.(error)
			if !errors.Is(err, orm.ErrNotLoaded) {
				t.Errorf("Items of an unloaded collection: recovered %v; want ErrNotLoaded", r)
			}
		}()
		_ = w.Books.Items()
	}()
	if err := w.Books.Load(e.ctx); err != nil || w.Books.Len() != 11 {
		t.Errorf("Load: %v, %d books; want 11", err, w.Books.Len())
	}
}

func testRelationFilters(t *testing.T, open suite) {
	e := setup(t, open, all)
	first := seedLibrary(t, e)[0]
	r := orm.Repo[book](e.db.Session())
	books, err := r.Find(e.ctx, orm.In("Writer.Name", "writer 001", "writer 002"), orm.OrderBy("-Writer.Name", "Title"), orm.Limit(3))
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, b := range books {
		titles = append(titles, b.Title)
	}
	if diff := cmp.Diff([]string{"book 002-0", "book 002-1", "book 002-2"}, titles); diff != "" {
		t.Errorf("books by writer name (-want +got):\n%s", diff)
	}
	ws, err := orm.Repo[writer](e.db.Session()).Find(e.ctx, orm.Eq("Books.Title", "book 042-3"))
	if err != nil || len(ws) != 1 || ws[0].Name != "writer 042" {
		t.Errorf("writers by book title = %v, %v", ws, err)
	}
	n, err := orm.Repo[writer](e.db.Session()).Count(e.ctx, orm.Eq("Books.Tags.Code", "t05"))
	if err != nil || n == 0 {
		t.Errorf("writers with a book tagged t05 = %d, %v", n, err)
	}
	if _, err := r.Find(e.ctx, orm.Eq("Writer.Nope", 1)); err == nil || !strings.Contains(err.Error(), "Nope") {
		t.Errorf("unknown path: %v", err)
	}
	if _, err := r.Find(e.ctx, nil, orm.OrderBy("Tags.Code")); err == nil {
		t.Errorf("ordering through a collection succeeded; want an error")
	}
	// The first writer's key, not 1: a Galera node's auto_increment_offset
	// follows the cluster's membership.
	byID, err := r.Count(e.ctx, orm.Eq("Writer.ID", first.ID))
	if err != nil || byID != 10 {
		t.Errorf("Count(Writer.ID = %v) = %d, %v; want 10", first.ID, byID, err)
	}
}

func testDeleteEarlyUnique(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	old := &author{Name: "old", Email: "same@x.org"}
	s.Persist(old)
	e.flush(s)
	s.Remove(old)
	s.Persist(&author{Name: "new", Email: "same@x.org"})
	e.flush(s)
	got, err := orm.Repo[author](e.db.Session()).FindOne(e.ctx, orm.Eq("Email", "same@x.org"))
	if err != nil || got.Name != "new" {
		t.Errorf("after replacing a unique row: %+v, %v", got, err)
	}
}

func testRelationsTransactionRollback(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	bk := &book{Title: "b"}
	bk.Writer.Set(&writer{Name: "w"})
	s.Persist(bk)
	e.flush(s)
	theTag := &tag{Code: "x"}
	boom := errors.New("boom")
	err := s.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
		bk.Tags.Add(theTag)
		if err := s.Flush(ctx); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Transaction = %v; want boom", err)
	}
	// The rollback put the pending add back: the next flush writes it.
	e.rec.Reset()
	e.flush(s)
	if diff := cmp.Diff(e.wantVerbs("BEGIN", "INSERT tag", "INSERT book_tags", "COMMIT"), e.verbs()); diff != "" {
		t.Errorf("flush after the rollback (-want +got):\n%s", diff)
	}
	got, err := orm.Repo[book](e.db.Session()).Get(e.ctx, bk.ID, orm.Populate("Tags"))
	if err != nil || got.Tags.Len() != 1 {
		t.Errorf("book after the retried flush: %v, %d tags; want 1", err, got.Tags.Len())
	}
}
