package ormtest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/unitofwork/orm"
)

// The Unit of Work's promises at its edges: a failed flush undoes all it
// decided, links to unmanaged entities are written, both sides of a
// relation agree, removing an entity removes its pivot rows, and every
// entry point keeps the Session consistent.

// person has posts: the inverse side of Post.Person.
type person struct {
	ID    int64
	Name  string
	Posts orm.Collection[post] `orm:"mappedBy:Person"`
}

// post belongs to a Person and has labels, through a pivot.
type post struct {
	ID     int64
	Title  string
	Person orm.Ref[person]
	Labels orm.Collection[label] `orm:"m2m"`
}

// label has a generated key and reads the inverse side of Post.Labels.
type label struct {
	ID    int64
	Name  string
	Posts orm.Collection[post] `orm:"m2m,mappedBy:Labels"`
}

// stamp has a BeforeUpdate hook that puts Note back to "fixed" whatever it was
// changed to.
type stamp struct {
	ID   int64
	Note string
}

// BeforeUpdate reverts every change of Note.
func (s *stamp) BeforeUpdate(context.Context) error {
	s.Note = "fixed"
	return nil
}

var uowEntities = []any{&author{}, &writer{}, &book{}, &tag{}, &category{}, &driver{}, &address{}, &car{},
	&person{}, &post{}, &label{}, &stamp{}}

// failOnEmail makes the next flush of s fail on a unique violation: a new
// author takes the email of one already stored.
func failOnEmail(t *testing.T, e *env, s *orm.Session) *author {
	t.Helper()
	first := &author{Name: "first", Email: "taken@x.org"}
	other := e.db.Session()
	other.Persist(first)
	e.flush(other)
	dup := &author{Name: "dup", Email: "taken@x.org"}
	s.Persist(dup)
	return dup
}

func count[T any](t *testing.T, e *env, f orm.Filter) int64 {
	t.Helper()
	n, err := orm.Repo[T](e.db.Session()).Count(e.ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func testFailedFlushUndoesCascades(t *testing.T, open suite) {
	e := setup(t, open, uowEntities)
	seed := e.db.Session()
	w := &writer{Name: "w"}
	w.Books.Add(&book{Title: "b1"}, &book{Title: "b2"})
	root := &category{Name: "root"}
	kid := &category{Name: "kid"}
	root.Children.Add(kid)
	d := &driver{Name: "d"}
	seed.Persist(w, root, d)
	e.flush(seed)

	s := e.db.Session()
	theWriter, err := orm.Repo[writer](s).Get(e.ctx, w.ID, orm.Populate("Books"))
	if err != nil {
		t.Fatal(err)
	}
	books := slices.Clone(theWriter.Books.Items())
	parent, err := orm.Repo[category](s).Get(e.ctx, root.ID, orm.Populate("Children"))
	if err != nil {
		t.Fatal(err)
	}
	child := parent.Children.Items()[0]
	drv, err := orm.Repo[driver](s).Get(e.ctx, d.ID, orm.Populate("Cars"))
	if err != nil {
		t.Fatal(err)
	}
	s.Remove(theWriter)           // cascades to both books
	parent.Children.Remove(child) // an orphan
	theCar := &car{Brand: "new"}
	drv.Cars.Add(theCar) // cascade persist
	dup := failOnEmail(t, e, s)
	e.rec.Reset()
	err = s.Flush(e.ctx)
	var ce *orm.ConstraintError
	if !errors.As(err, &ce) || ce.Kind != orm.Unique {
		t.Fatalf("Flush = %v; want a unique *orm.ConstraintError", err)
	}
	// The Session is as before the flush: the books and the child are
	// managed, not removed; the car is not tracked.
	for _, b := range books {
		got, err := orm.Repo[book](s).Get(e.ctx, b.ID)
		if err != nil || got != b {
			t.Errorf("after the failed flush, Get(book %d) = %p, %v; want the same managed book", b.ID, got, err)
		}
	}
	if theCar.ID != 0 {
		t.Errorf("cascade-persisted car kept key %d after the failed flush", theCar.ID)
	}
	// The user changes the graph: the writer stays, the orphan goes back,
	// the car is taken out, the duplicate is fixed.
	s.Persist(theWriter)
	parent.Children.Add(child)
	drv.Cars.Remove(theCar)
	dup.Email = "dup@x.org"
	e.rec.Reset()
	e.flush(s)
	if got := e.verbs(); !slices.Equal(got, []string{"INSERT author"}) {
		t.Errorf("the retry sent %q; want only the author's INSERT", got)
	}
	if n := count[book](t, e, nil); n != 2 {
		t.Errorf("%d books after the retry; want 2 (the removal was cancelled)", n)
	}
	if n := count[writer](t, e, nil); n != 1 {
		t.Errorf("%d writers after the retry; want 1", n)
	}
	if n := count[category](t, e, orm.Eq("Parent.Name", "root")); n != 1 {
		t.Errorf("%d children of root after the retry; want 1 (the orphan was added back)", n)
	}
	if n := count[car](t, e, nil); n != 0 {
		t.Errorf("%d cars after the retry; want 0 (the car was taken out of the graph)", n)
	}
	// Removing again, this time for good, works.
	s.Remove(theWriter)
	e.flush(s)
	if n := count[book](t, e, nil); n != 0 {
		t.Errorf("%d books after removing the writer; want 0", n)
	}
}

func testLinksToUnmanaged(t *testing.T, open suite) {
	e := setup(t, open, uowEntities)
	seed := e.db.Session()
	ann := &person{Name: "ann"}
	thePost := &post{Title: "p", Person: orm.RefTo(ann)}
	lb := []*label{{Name: "l0"}, {Name: "l1"}, {Name: "l2"}}
	spare := &post{Title: "spare"}
	seed.Persist(ann, thePost, spare, lb[0], lb[1], lb[2])
	e.flush(seed)

	labelsOf := func(id int64) []string {
		t.Helper()
		p, err := orm.Repo[post](e.db.Session()).Get(e.ctx, id, orm.Populate("Labels"))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range p.Labels.Items() {
			out = append(out, l.Name)
		}
		slices.Sort(out)
		return out
	}

	s := e.db.Session()
	p, err := orm.Repo[post](s).Get(e.ctx, thePost.ID, orm.Populate("Labels"))
	if err != nil {
		t.Fatal(err)
	}
	other := e.db.Session()
	fromOther, err := orm.Repo[label](other).Get(e.ctx, lb[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	p.Labels.Add(fromOther, &label{ID: lb[1].ID}) // by key, as Ref.Set takes them
	e.rec.Reset()
	e.flush(s)
	if got := e.verbs(); !slices.Equal(got, []string{"INSERT post_labels"}) {
		t.Errorf("adding unmanaged labels sent %q; want one pivot INSERT", got)
	}
	if diff := cmp.Diff([]string{"l0", "l1"}, labelsOf(thePost.ID)); diff != "" {
		t.Errorf("labels after adding unmanaged ones (-want +got):\n%s", diff)
	}

	// One-to-many: a post another Session loaded, and one given by key,
	// get the owner's foreign key, and nothing else of them is written.
	s = e.db.Session()
	thePerson, err := orm.Repo[person](s).Get(e.ctx, ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	other = e.db.Session()
	sp, err := orm.Repo[post](other).Get(e.ctx, spare.ID)
	if err != nil {
		t.Fatal(err)
	}
	bob := &person{Name: "bob"}
	s.Persist(bob)
	bob.Posts.Add(sp)
	e.flush(s)
	if n := count[post](t, e, orm.Eq("Person.Name", "bob")); n != 1 {
		t.Errorf("%d posts of bob after adding another Session's post; want 1", n)
	}
	thePerson.Posts.Add(&post{ID: spare.ID})
	e.rec.Reset()
	e.flush(s)
	if got := e.verbs(); !slices.Equal(got, []string{"UPDATE post"}) {
		t.Errorf("adding a post by key sent %q; want one UPDATE", got)
	}
	got, err := orm.Repo[post](e.db.Session()).Get(e.ctx, spare.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "spare" || got.Person.ID() != any(ann.ID) {
		t.Errorf("post added by key = %q of %v; want \"spare\" of %d (only its foreign key written)", got.Title, got.Person.ID(), ann.ID)
	}

	// An entity new in another Session has no row to link to.
	s = e.db.Session()
	p, err = orm.Repo[post](s).Get(e.ctx, thePost.ID)
	if err != nil {
		t.Fatal(err)
	}
	other = e.db.Session()
	fresh := &label{Name: "fresh"}
	other.Persist(fresh)
	p.Labels.Add(fresh)
	e.rec.Reset()
	err = s.Flush(e.ctx)
	if err == nil || !strings.Contains(err.Error(), "Label") || !strings.Contains(err.Error(), "Labels") {
		t.Errorf("Flush with a label new in another Session = %v; want an error naming Label and Post.Labels", err)
	}
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("the refused flush sent %q", st)
	}

	// Adding a member already linked to an unloaded collection links it once.
	s = e.db.Session()
	p, err = orm.Repo[post](s).Get(e.ctx, thePost.ID)
	if err != nil {
		t.Fatal(err)
	}
	l0, err := orm.Repo[label](s).Get(e.ctx, lb[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	p.Labels.Add(l0, &label{ID: lb[2].ID})
	e.flush(s)
	if diff := cmp.Diff([]string{"l0", "l1", "l2"}, labelsOf(thePost.ID)); diff != "" {
		t.Errorf("labels after re-adding a linked one (-want +got):\n%s", diff)
	}
}

func sortedNames[T any](items []*T, name func(*T) string) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, name(it))
	}
	slices.Sort(out)
	return out
}

func postTitles(c *orm.Collection[post]) []string {
	return sortedNames(c.Items(), func(p *post) string { return p.Title })
}

func testInverseFollowsOwning(t *testing.T, open suite) {
	e := setup(t, open, uowEntities)
	s := e.db.Session()
	ann := &person{Name: "ann"}
	p1 := &post{Title: "p1", Person: orm.RefTo(ann)}
	p2 := &post{Title: "p2", Person: orm.RefTo(ann)}
	s.Persist(ann, p1, p2)
	if diff := cmp.Diff([]string{"p1", "p2"}, postTitles(&ann.Posts)); diff != "" {
		t.Errorf("ann's posts after Persist (-want +got):\n%s", diff)
	}
	e.flush(s)
	if diff := cmp.Diff([]string{"p1", "p2"}, postTitles(&ann.Posts)); diff != "" {
		t.Errorf("ann's posts after the flush (-want +got):\n%s", diff)
	}
	again, err := orm.Repo[person](s).Get(e.ctx, ann.ID, orm.Populate("Posts"))
	if err != nil || again != ann {
		t.Fatalf("Get(ann) = %p, %v; want ann", again, err)
	}
	if diff := cmp.Diff([]string{"p1", "p2"}, postTitles(&ann.Posts)); diff != "" {
		t.Errorf("ann's posts after Populate (-want +got):\n%s", diff)
	}

	// Ref.Set moves the post between loaded collections at once.
	bob := &person{Name: "bob"}
	s.Persist(bob)
	e.flush(s)
	p1.Person.Set(bob)
	if diff := cmp.Diff([]string{"p2"}, postTitles(&ann.Posts)); diff != "" {
		t.Errorf("ann's posts after p1.Person.Set(bob) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"p1"}, postTitles(&bob.Posts)); diff != "" {
		t.Errorf("bob's posts after p1.Person.Set(bob) (-want +got):\n%s", diff)
	}
	e.rec.Reset()
	e.flush(s)
	if got := e.verbs(); !slices.Equal(got, []string{"UPDATE post"}) {
		t.Errorf("moving p1 sent %q; want one UPDATE", got)
	}

	// A Ref assigned, not Set, is reconciled at the flush.
	p2.Person = orm.RefTo(bob)
	e.flush(s)
	if diff := cmp.Diff([]string{}, postTitles(&ann.Posts)); diff != "" {
		t.Errorf("ann's posts after assigning p2 to bob (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"p1", "p2"}, postTitles(&bob.Posts)); diff != "" {
		t.Errorf("bob's posts after assigning p2 to bob (-want +got):\n%s", diff)
	}

	// Adding to a collection takes the post out of its old owner's.
	ann.Posts.Add(p1)
	if diff := cmp.Diff([]string{"p2"}, postTitles(&bob.Posts)); diff != "" {
		t.Errorf("bob's posts after ann.Posts.Add(p1) (-want +got):\n%s", diff)
	}
	e.flush(s)

	// A deleted post leaves the collection it was in.
	s.Remove(p2)
	e.flush(s)
	if diff := cmp.Diff([]string{}, postTitles(&bob.Posts)); diff != "" {
		t.Errorf("bob's posts after removing p2 (-want +got):\n%s", diff)
	}

	// What the database holds agrees.
	check := e.db.Session()
	for _, who := range []*person{ann, bob} {
		got, err := orm.Repo[person](check).Get(e.ctx, who.ID, orm.Populate("Posts"))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(postTitles(&who.Posts), postTitles(&got.Posts)); diff != "" {
			t.Errorf("%s's posts: the Session (-) and the database (+) differ:\n%s", who.Name, diff)
		}
	}
}

func testRemoveDeletesPivotRows(t *testing.T, open suite) {
	e := setup(t, open, uowEntities)
	s := e.db.Session()
	l1, l2 := &label{Name: "l1"}, &label{Name: "l2"}
	p1, p2 := &post{Title: "p1"}, &post{Title: "p2"}
	p1.Labels.Add(l1, l2)
	p2.Labels.Add(l1, l2)
	s.Persist(p1, p2)
	e.flush(s)

	// Removing the owning side: its pivot rows go first, in one statement.
	s = e.db.Session()
	thePost, err := orm.Repo[post](s).Get(e.ctx, p1.ID)
	if err != nil {
		t.Fatal(err)
	}
	s.Remove(thePost)
	e.rec.Reset()
	e.flush(s)
	want := e.wantVerbs("BEGIN", "DELETE post_labels", "DELETE post", "COMMIT")
	if !e.has(SQL) {
		want = []string{"DELETE post"} // the links live in the post's document
	}
	if diff := cmp.Diff(want, e.verbs()); diff != "" {
		t.Errorf("removing a post (-want +got):\n%s", diff)
	}
	// Removing the target side, by key: the pivot rows pointing at it go.
	s = e.db.Session()
	s.Remove(&label{ID: l1.ID})
	e.rec.Reset()
	e.flush(s)
	want = e.wantVerbs("BEGIN", "DELETE post_labels", "DELETE label", "COMMIT")
	got := e.verbs()
	if !e.has(SQL) { // without a transaction, what is deleted is read first, to be put back
		got = slices.DeleteFunc(got, func(v string) bool { return strings.HasPrefix(v, "SELECT") })
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("removing a label (-want +got):\n%s", diff)
	}
	left, err := orm.Repo[post](e.db.Session()).Get(e.ctx, p2.ID, orm.Populate("Labels"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"l2"}, sortedNames(left.Labels.Items(), func(l *label) string { return l.Name })); diff != "" {
		t.Errorf("p2's labels after removing l1 (-want +got):\n%s", diff)
	}
}

func testRemoveByKeyCascades(t *testing.T, open suite) {
	e := setup(t, open, uowEntities)
	s := e.db.Session()
	w, w2 := &writer{Name: "w"}, &writer{Name: "w2"}
	b1, b2 := &book{Title: "b1"}, &book{Title: "b2"}
	b1.Tags.Add(&tag{Code: "t", Label: "t"})
	w.Books.Add(b1, b2)
	w2.Books.Add(&book{Title: "b3"})
	keep := &writer{Name: "keep"}
	keep.Books.Add(&book{Title: "kept"})
	s.Persist(w, w2, keep)
	e.flush(s)

	s = e.db.Session()
	s.Remove(&writer{ID: w.ID}, &writer{ID: w2.ID})
	e.rec.Reset()
	e.flush(s)
	// One query per level, whatever the number of writers: the writers,
	// then their books.
	want := e.wantVerbs("SELECT writer", "SELECT book", "BEGIN", "DELETE book_tags", "DELETE book", "DELETE writer", "COMMIT")
	got := e.verbs()
	if !e.has(SQL) {
		want = slices.DeleteFunc(want, func(v string) bool { return v == "DELETE book_tags" })
		got = slices.DeleteFunc(got, func(v string) bool { return strings.HasPrefix(v, "SELECT") })
		want = slices.DeleteFunc(want, func(v string) bool { return strings.HasPrefix(v, "SELECT") })
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("removing two writers by key (-want +got):\n%s", diff)
	}
	if n := count[book](t, e, nil); n != 1 {
		t.Errorf("%d books after removing their writers by key; want 1", n)
	}
	if n := count[writer](t, e, nil); n != 1 {
		t.Errorf("%d writers after removing two by key; want 1", n)
	}
	if n := count[tag](t, e, nil); n != 1 {
		t.Errorf("%d tags after removing a writer; want 1 (tags are not cascaded)", n)
	}
}

// seedPerson stores a person named ann with one post.
func seedPerson(t *testing.T, e *env) *person {
	t.Helper()
	s := e.db.Session()
	ann := &person{Name: "ann"}
	ann.Posts.Add(&post{Title: "p"})
	s.Persist(ann)
	e.flush(s)
	return ann
}

func testPersistOtherSessions(t *testing.T, open suite) {
	e := setup(t, open, uowEntities)
	ann := seedPerson(t, e)

	a := e.db.Session()
	got, err := orm.Repo[person](a).Get(e.ctx, ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	b := e.db.Session()
	if err := b.Persist(got); err == nil || !strings.Contains(err.Error(), "another Session") {
		t.Errorf("Persist of an entity another Session manages = %v; want an error saying so", err)
	}
	if got.Posts.Loaded() {
		t.Errorf("after the refused Persist, Session A's unloaded collection reports Loaded")
	}
	if err := b.Flush(e.ctx); err == nil {
		t.Errorf("Flush after the refused Persist = nil; want the Persist error again")
	}
	got.Name = "ann 2"
	e.rec.Reset()
	e.flush(a)
	if n := e.rec.Count("UPDATE"); n != 1 {
		t.Errorf("Session A's edit sent %d UPDATEs; want 1", n)
	}
}

func testLoadsSurviveRollback(t *testing.T, open suite) {
	e := setup(t, open, uowEntities)
	ann := seedPerson(t, e)

	s := e.db.Session()
	var thePerson *person
	var thePost *post
	errNo := errors.New("no")
	err := s.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
		var err error
		if thePerson, err = orm.Repo[person](s).Get(ctx, ann.ID, orm.Populate("Posts")); err != nil {
			return err
		}
		thePost = thePerson.Posts.Items()[0]
		return errNo
	})
	if !errors.Is(err, errNo) {
		t.Fatalf("Transaction = %v; want errNo", err)
	}
	thePerson.Name = "ann 2"
	thePost.Title = "p 2"
	e.rec.Reset()
	e.flush(s)
	if n := e.rec.Count("UPDATE"); n != 2 {
		t.Errorf("edits of entities loaded in a rolled-back transaction sent %d UPDATEs; want 2", n)
	}
	again, err := orm.Repo[person](s).Get(e.ctx, ann.ID)
	if err != nil || again != thePerson {
		t.Errorf("Get after the rollback = %p, %v; want the same instance %p", again, err, thePerson)
	}
}

func testConcurrentUseRefused(t *testing.T, open suite) {
	var block sync.Once
	entered, release := make(chan struct{}), make(chan struct{})
	var armed bool
	var mu sync.Mutex
	hook := orm.WithQueryHook(func(_ context.Context, ev orm.QueryEvent) {
		mu.Lock()
		on := armed
		mu.Unlock()
		if on && strings.HasPrefix(ev.Statement, "UPDATE") {
			block.Do(func() {
				close(entered)
				<-release
			})
		}
	})
	e := setup(t, open, uowEntities, hook)
	ann := seedPerson(t, e)
	s := e.db.Session()
	thePerson, err := orm.Repo[person](s).Get(e.ctx, ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	thePerson.Name = "ann 2"
	unknown := orm.Repo[person](s).Ref(ann.ID + 100)
	mu.Lock()
	armed = true
	mu.Unlock()
	done := make(chan error)
	go func() { done <- s.Flush(e.ctx) }()
	select {
	case <-entered:
	case <-time.After(30 * time.Second):
		t.Fatal("the flush did not reach its UPDATE")
	}
	calls := map[string]func() error{
		"Flush":   func() error { return s.Flush(e.ctx) },
		"Persist": func() error { return s.Persist(&person{Name: "x"}) },
		"Remove":  func() error { return s.Remove(thePerson) },
		"Clear":   func() error { return s.Clear() },
		"Get": func() error {
			_, err := orm.Repo[person](s).Get(e.ctx, ann.ID+100)
			return err
		},
		"Find": func() error {
			_, err := orm.Repo[person](s).Find(e.ctx, nil, orm.Populate("Posts"))
			return err
		},
		"Count": func() error {
			_, err := orm.Repo[person](s).Count(e.ctx, nil)
			return err
		},
		"Stream": func() error {
			for _, err := range orm.Repo[person](s).Stream(e.ctx, nil) {
				return err
			}
			return nil
		},
		"Ref.Load": func() error {
			_, err := unknown.Load(e.ctx)
			return err
		},
		"Collection.Load": func() error { return thePerson.Posts.Load(e.ctx) },
		"Transaction": func() error {
			return s.Transaction(e.ctx, func(context.Context, *orm.Session) error { return nil })
		},
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, orm.ErrConcurrentUse) {
			t.Errorf("%s during another goroutine's Flush = %v; want ErrConcurrentUse", name, err)
		}
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("the blocked Flush = %v", err)
	}
	mu.Lock()
	armed = false
	mu.Unlock()
	// Nothing the refused calls did is left: the next flush sends nothing,
	// and the Session still knows its entities.
	e.rec.Reset()
	e.flush(s)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("flush after the refused calls sent %q; want nothing", st)
	}
	if got, err := orm.Repo[person](s).Get(e.ctx, ann.ID); err != nil || got != thePerson {
		t.Errorf("Get after the refused calls = %p, %v; want %p", got, err, thePerson)
	}
	if thePerson.Posts.Loaded() {
		t.Errorf("the refused Collection.Load loaded the collection")
	}
}

func testHookRevertsChange(t *testing.T, open suite) {
	e := setup(t, open, uowEntities)
	s := e.db.Session()
	st := &stamp{Note: "fixed"}
	s.Persist(st)
	e.flush(s)
	st.Note = "changed" // BeforeUpdate puts it back
	e.rec.Reset()
	for i := range 2 {
		if err := s.Flush(e.ctx); err != nil {
			t.Fatalf("flush %d: %v", i, err)
		}
	}
	if got := e.rec.Statements(); len(got) != 0 {
		t.Errorf("flushes after a reverted change sent %q; want nothing", got)
	}
	st.Note = "again"
	other := &stamp{Note: "other"}
	s.Persist(other)
	e.flush(s)
	if st.Note != "fixed" {
		t.Errorf("Note = %q after the hook; want \"fixed\"", st.Note)
	}
}
