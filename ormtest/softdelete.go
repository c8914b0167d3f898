package ormtest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/unitofwork/orm"
)

// Soft delete (orm:"softDelete") and named filters (orm.WithFilter).

// sdAuthor is soft-deletable and versioned; removing her cascades to her
// books, which are soft-deletable too.
type sdAuthor struct {
	ID      int64
	Name    string
	Email   string                 `orm:"unique"`
	Version int64                  `orm:"version"`
	Deleted *time.Time             `orm:"softDelete"`
	Books   orm.Collection[sdBook] `orm:"mappedBy:Author,cascade:remove"`
}

type sdBook struct {
	ID      int64
	Title   string
	Author  orm.Ref[sdAuthor]
	Deleted *time.Time            `orm:"softDelete"`
	Tags    orm.Collection[sdTag] `orm:"m2m"`
}

// sdTag is soft-deletable, linked to books through a pivot.
type sdTag struct {
	ID      int64
	Name    string
	Deleted *time.Time `orm:"softDelete"`
}

var softEntities = []any{&sdAuthor{}, &sdBook{}, &sdTag{}}

// sdNames returns the names of the authors, sorted.
func sdNames(as []*sdAuthor) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Name
	}
	slices.Sort(out)
	return out
}

// sdTitles returns the titles of the books, sorted.
func sdTitles(bs []*sdBook) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.Title
	}
	slices.Sort(out)
	return out
}

// softSeed stores ann, bob (with books b2 and b3) and cat; then ann is
// soft-deleted, in one UPDATE, and gets book b1 afterwards, by her key.
func softSeed(e *env, clk *clock) (ann, bob, cat *sdAuthor, b1 *sdBook) {
	t := e.t
	s := e.db.Session()
	ann, bob, cat = &sdAuthor{Name: "Ann", Email: "a@x"}, &sdAuthor{Name: "Bob", Email: "b@x"}, &sdAuthor{Name: "Cat", Email: "c@x"}
	s.Persist(ann, bob, cat, &sdBook{Title: "b2", Author: orm.RefTo(bob)}, &sdBook{Title: "b3", Author: orm.RefTo(bob)})
	e.flush(s)

	s = e.db.Session()
	a, err := orm.Repo[sdAuthor](s).Get(e.ctx, ann.ID, orm.Populate("Books"))
	if err != nil {
		t.Fatalf("Get(Ann): %v", err)
	}
	e.rec.Reset()
	at := clk.now()
	if err := s.Remove(a); err != nil {
		t.Fatalf("Remove(Ann): %v", err)
	}
	e.flush(s)
	if got := e.verbs(); !slices.Equal(got, []string{"UPDATE sd_author"}) {
		t.Errorf("the soft delete sent %q; want one UPDATE sd_author", got)
	}
	if a.Deleted == nil {
		t.Fatalf("after the soft delete Ann.Deleted is nil; want the flush's time")
	}
	e.checkStamp("Ann.Deleted", *a.Deleted, at)
	if a.Version != 2 {
		t.Errorf("after the soft delete Ann.Version = %d; want 2", a.Version)
	}
	if _, err := orm.Repo[sdAuthor](s).Get(e.ctx, ann.ID); !errors.Is(err, orm.ErrNotFound) {
		t.Errorf("Get(Ann) in the Session that soft-deleted her = %v; want ErrNotFound", err)
	}
	e.rec.Reset()
	e.flush(s)
	if got := e.verbs(); len(got) != 0 {
		t.Errorf("a clean flush after the soft delete sent %q; want nothing", got)
	}
	b1 = &sdBook{Title: "b1", Author: orm.Repo[sdAuthor](s).Ref(ann.ID)}
	s.Persist(b1)
	e.flush(s)
	return a, bob, cat, b1
}

func testSoftDelete(t *testing.T, open suite) {
	clk := newClock()
	e := setup(t, open, softEntities, orm.WithClock(clk.now))
	ann, bob, cat, b1 := softSeed(e, clk)
	softReads(e, ann, b1)
	softCollections(e, bob)
	softCascade(e, bob)
	softHardDelete(e, ann, b1)
	softFailedFlush(e, cat)
}

// softReads checks that every read leaves soft-deleted Ann out, and that
// WithDeleted brings her back.
func softReads(e *env, ann *sdAuthor, b1 *sdBook) {
	t := e.t
	s := e.db.Session()
	authors := orm.Repo[sdAuthor](s)
	all, err := authors.Find(e.ctx, nil)
	if err != nil || !slices.Equal(sdNames(all), []string{"Bob", "Cat"}) {
		t.Errorf("Find = %v, %v; want Bob and Cat", sdNames(all), err)
	}
	if n, err := authors.Count(e.ctx, nil); err != nil || n != 2 {
		t.Errorf("Count = %d, %v; want 2", n, err)
	}
	if _, n, err := authors.FindAndCount(e.ctx, nil, orm.Limit(1)); err != nil || n != 2 {
		t.Errorf("FindAndCount = %d, %v; want 2", n, err)
	}
	var streamed []*sdAuthor
	for a, err := range authors.Stream(e.ctx, nil) {
		if err != nil {
			t.Fatalf("Stream: %v", err)
		}
		streamed = append(streamed, a)
	}
	if !slices.Equal(sdNames(streamed), []string{"Bob", "Cat"}) {
		t.Errorf("Stream = %v; want Bob and Cat", sdNames(streamed))
	}
	if _, err := authors.Get(e.ctx, ann.ID); !errors.Is(err, orm.ErrNotFound) {
		t.Errorf("Get(soft-deleted Ann) = %v; want ErrNotFound", err)
	}
	if _, err := authors.FindOne(e.ctx, orm.Eq("Name", "Ann")); !errors.Is(err, orm.ErrNotFound) {
		t.Errorf("FindOne(Ann) = %v; want ErrNotFound", err)
	}
	books := orm.Repo[sdBook](s)
	if got, err := books.Find(e.ctx, orm.Eq("Author.Name", "Ann")); err != nil || len(got) != 0 {
		t.Errorf(`Find(Eq("Author.Name", "Ann")) = %v, %v; want none`, sdTitles(got), err)
	}
	b, err := books.Get(e.ctx, b1.ID, orm.Populate("Author"))
	if err != nil {
		t.Fatalf("Get(b1, Populate(Author)): %v", err)
	}
	if b.Author.Get() != nil || b.Author.ID() != ann.ID {
		t.Errorf("b1.Author after Populate = %v, key %v; want unloaded, key %d", b.Author.Get(), b.Author.ID(), ann.ID)
	}
	if a, err := b.Author.Load(e.ctx); a != nil || err != nil {
		t.Errorf("b1.Author.Load = %v, %v; want nil, no error", a, err)
	}

	// WithDeleted takes her in, everywhere.
	s = e.db.Session()
	authors, books = orm.Repo[sdAuthor](s), orm.Repo[sdBook](s)
	if got, err := authors.Find(e.ctx, nil, orm.WithDeleted()); err != nil || len(got) != 3 {
		t.Errorf("Find(WithDeleted) = %v, %v; want 3 authors", sdNames(got), err)
	}
	if n, err := authors.Count(e.ctx, nil, orm.WithDeleted()); err != nil || n != 3 {
		t.Errorf("Count(WithDeleted) = %d, %v; want 3", n, err)
	}
	a, err := authors.Get(e.ctx, ann.ID, orm.WithDeleted())
	if err != nil || a.Deleted == nil || !a.Deleted.Equal(*ann.Deleted) {
		t.Errorf("Get(Ann, WithDeleted) = %+v, %v; want her, deleted at %v", a, err, ann.Deleted)
	}
	got, err := books.Find(e.ctx, orm.Eq("Author.Name", "Ann"), orm.WithDeleted(), orm.Populate("Author"))
	if err != nil || len(got) != 1 || got[0].Author.Get() != a {
		t.Errorf(`Find(Eq("Author.Name", "Ann"), WithDeleted, Populate(Author)) = %v, %v; want b1, by Ann`, sdTitles(got), err)
	}
	e.rec.Reset()
	if _, err := authors.Find(e.ctx, nil, orm.WithoutFilters("nope")); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf(`Find(WithoutFilters("nope")) = %v; want an error naming "nope"`, err)
	}
	if _, err := authors.Find(e.ctx, nil, orm.HardDelete()); err == nil {
		t.Errorf("Find(HardDelete) = nil error; want one: HardDelete is no read option")
	}
	if got := e.verbs(); len(got) != 0 {
		t.Errorf("refused reads sent %q; want nothing", got)
	}
}

// softCollections soft-deletes b3: Bob's collection leaves it out, when
// populated and when loaded, unless WithDeleted; and a soft-deleted tag
// leaves the many-to-many collection of b2, its pivot row kept.
func softCollections(e *env, bob *sdAuthor) {
	t := e.t
	s := e.db.Session()
	b2, err := orm.Repo[sdBook](s).FindOne(e.ctx, orm.Eq("Title", "b2"), orm.Populate("Tags"))
	if err != nil {
		t.Fatalf("FindOne(b2): %v", err)
	}
	t1, t2 := &sdTag{Name: "t1"}, &sdTag{Name: "t2"}
	b2.Tags.Add(t1, t2)
	e.flush(s)
	s.Remove(t2)
	e.flush(s)
	if b2.Tags.Contains(t2) {
		t.Errorf("b2.Tags holds soft-deleted t2 after the flush; want it gone")
	}
	for _, tc := range []struct {
		opts []orm.QueryOption
		want []string
	}{
		{[]orm.QueryOption{orm.Populate("Tags")}, []string{"t1"}},
		{[]orm.QueryOption{orm.Populate("Tags"), orm.WithDeleted()}, []string{"t1", "t2"}},
	} {
		b, err := orm.Repo[sdBook](e.db.Session()).Get(e.ctx, b2.ID, tc.opts...)
		var got []string
		if err == nil {
			for _, tg := range b.Tags.Items() {
				got = append(got, tg.Name)
			}
			slices.Sort(got)
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("b2.Tags read with %d options = %v, %v; want %v", len(tc.opts), got, err, tc.want)
		}
	}
	s = e.db.Session()
	b3, err := orm.Repo[sdBook](s).FindOne(e.ctx, orm.Eq("Title", "b3"))
	if err != nil {
		t.Fatalf("FindOne(b3): %v", err)
	}
	s.Remove(b3)
	e.flush(s)
	s = e.db.Session()
	b, err := orm.Repo[sdAuthor](s).Get(e.ctx, bob.ID, orm.Populate("Books"))
	if err != nil || !slices.Equal(sdTitles(b.Books.Items()), []string{"b2"}) {
		t.Errorf("Bob's Books after Populate = %v, %v; want b2", sdTitles(b.Books.Items()), err)
	}
	s = e.db.Session()
	b, err = orm.Repo[sdAuthor](s).Get(e.ctx, bob.ID)
	if err != nil {
		t.Fatalf("Get(Bob): %v", err)
	}
	if err := b.Books.Load(e.ctx); err != nil || !slices.Equal(sdTitles(b.Books.Items()), []string{"b2"}) {
		t.Errorf("Bob's Books after Load = %v, %v; want b2", sdTitles(b.Books.Items()), err)
	}
	s = e.db.Session()
	b, err = orm.Repo[sdAuthor](s).Get(e.ctx, bob.ID, orm.Populate("Books"), orm.WithDeleted())
	if err != nil || !slices.Equal(sdTitles(b.Books.Items()), []string{"b2", "b3"}) {
		t.Errorf("Bob's Books after Populate with WithDeleted = %v, %v; want b2 and b3", sdTitles(b.Books.Items()), err)
	}
}

// softCascade checks that a soft delete checks the version, and that the
// removal of Bob cascades to his live book as a soft delete, leaving the
// one deleted before as it was.
func softCascade(e *env, bob *sdAuthor) {
	t := e.t
	stale := e.db.Session()
	old, err := orm.Repo[sdAuthor](stale).Get(e.ctx, bob.ID)
	if err != nil {
		t.Fatalf("Get(Bob): %v", err)
	}
	s := e.db.Session()
	b, err := orm.Repo[sdAuthor](s).Get(e.ctx, bob.ID)
	if err != nil {
		t.Fatalf("Get(Bob): %v", err)
	}
	b.Name = "Robert"
	e.flush(s)
	stale.Remove(old)
	var ole *orm.OptimisticLockError
	if err := stale.Flush(e.ctx); !errors.As(err, &ole) {
		t.Errorf("the soft delete of a stale Bob = %v; want an *OptimisticLockError", err)
	}
	if old.Deleted != nil {
		t.Errorf("after the failed soft delete Bob.Deleted = %v; want nil", old.Deleted)
	}

	w := e.db.Session()
	b3, err := orm.Repo[sdBook](w).FindOne(e.ctx, orm.Eq("Title", "b3"), orm.WithDeleted())
	if err != nil {
		t.Fatalf("FindOne(b3, WithDeleted): %v", err)
	}
	e.rec.Reset()
	s.Remove(b)
	e.flush(s)
	for _, v := range e.verbs() {
		if strings.HasPrefix(v, "DELETE") {
			t.Errorf("the soft delete of Bob sent %s; want UPDATEs only", v)
		}
	}
	r := e.db.Session()
	if got, err := orm.Repo[sdBook](r).Find(e.ctx, nil); err != nil || !slices.Equal(sdTitles(got), []string{"b1"}) {
		t.Errorf("books after Bob's removal = %v, %v; want b1 alone", sdTitles(got), err)
	}
	got, err := orm.Repo[sdBook](r).FindOne(e.ctx, orm.Eq("Title", "b3"), orm.WithDeleted())
	if err != nil || got.Deleted == nil || !got.Deleted.Equal(*b3.Deleted) {
		t.Errorf("b3 after the cascade = %+v, %v; want it deleted at %v, as before", got, err, b3.Deleted)
	}
	got, err = orm.Repo[sdBook](r).FindOne(e.ctx, orm.Eq("Title", "b2"), orm.WithDeleted())
	if err != nil || got.Deleted == nil {
		t.Errorf("b2 after the cascade = %+v, %v; want it soft-deleted", got, err)
	}
}

// softHardDelete deletes Ann for real, with HardDelete, and by the cascade
// her book, soft-deleted before, which her loaded collection does not
// list.
func softHardDelete(e *env, ann *sdAuthor, b1 *sdBook) {
	t := e.t
	s := e.db.Session()
	b, err := orm.Repo[sdBook](s).Get(e.ctx, b1.ID)
	if err != nil {
		t.Fatalf("Get(b1): %v", err)
	}
	s.Remove(b)
	e.flush(s)
	a, err := orm.Repo[sdAuthor](s).Get(e.ctx, ann.ID, orm.WithDeleted())
	if err != nil {
		t.Fatalf("Get(Ann, WithDeleted): %v", err)
	}
	if err := a.Books.Load(e.ctx); err != nil || a.Books.Len() != 0 {
		t.Fatalf("Ann's Books = %d, %v; want none (b1 is soft-deleted)", a.Books.Len(), err)
	}
	e.rec.Reset()
	if err := s.Remove(a, orm.HardDelete()); err != nil {
		t.Fatalf("Remove(Ann, HardDelete): %v", err)
	}
	e.flush(s)
	verbs := e.verbs()
	if !slices.Contains(verbs, "DELETE sd_author") || !slices.Contains(verbs, "DELETE sd_book") || slices.ContainsFunc(verbs, func(v string) bool { return strings.HasPrefix(v, "UPDATE") }) {
		t.Errorf("the hard delete sent %q; want DELETE sd_book and DELETE sd_author, no UPDATE", verbs)
	}
	r := e.db.Session()
	if _, err := orm.Repo[sdAuthor](r).Get(e.ctx, ann.ID, orm.WithDeleted()); !errors.Is(err, orm.ErrNotFound) {
		t.Errorf("Get(Ann, WithDeleted) after the hard delete = %v; want ErrNotFound", err)
	}
	if _, err := orm.Repo[sdBook](r).Get(e.ctx, b1.ID, orm.WithDeleted()); !errors.Is(err, orm.ErrNotFound) {
		t.Errorf("Get(b1, WithDeleted) after the hard delete = %v; want ErrNotFound", err)
	}
	if err := r.Remove(&sdAuthor{ID: 99}, orm.Limit(1)); err == nil {
		t.Errorf("Remove(e, Limit(1)) = nil error; want one")
	}
}

// softFailedFlush fails a flush that soft-deletes Cat: she stays managed,
// removed, her field nil; the flush then goes through.
func softFailedFlush(e *env, cat *sdAuthor) {
	t := e.t
	s := e.db.Session()
	c, err := orm.Repo[sdAuthor](s).Get(e.ctx, cat.ID, orm.Populate("Books")) // the cascade reads nothing
	if err != nil {
		t.Fatalf("Get(Cat): %v", err)
	}
	dup := &sdAuthor{Name: "Dup", Email: c.Email}
	s.Persist(dup)
	s.Remove(c)
	var ce *orm.ConstraintError
	if err := s.Flush(e.ctx); !errors.As(err, &ce) {
		t.Fatalf("a flush with a duplicate email = %v; want a *ConstraintError", err)
	}
	if c.Deleted != nil || c.Version != 1 {
		t.Errorf("after the failed flush Cat.Deleted = %v, Version %d; want nil, 1", c.Deleted, c.Version)
	}
	s.Remove(dup) // new: forgotten
	e.rec.Reset()
	e.flush(s)
	if got := e.verbs(); !slices.Equal(got, []string{"UPDATE sd_author"}) {
		t.Errorf("the retried flush sent %q; want one UPDATE sd_author", got)
	}
	if c.Deleted == nil {
		t.Errorf("after the retried flush Cat.Deleted is nil; want set")
	}
}

// gadget has a named filter: inactive gadgets are hidden.
type gadget struct {
	ID     int64
	Name   string
	Active bool
}

func testNamedFilters(t *testing.T, open suite) {
	e := setup(t, open, []any{&gadget{}}, orm.WithFilter[gadget]("active", orm.Eq("Active", true)))
	s := e.db.Session()
	s.Persist(&gadget{Name: "on", Active: true}, &gadget{Name: "off"}, &gadget{Name: "on2", Active: true})
	e.flush(s)
	r := orm.Repo[gadget](e.db.Session())
	if got, err := r.Find(e.ctx, nil); err != nil || len(got) != 2 {
		t.Errorf("Find = %d gadgets, %v; want the 2 active ones", len(got), err)
	}
	if n, err := r.Count(e.ctx, orm.Eq("Name", "off")); err != nil || n != 0 {
		t.Errorf(`Count(Eq("Name", "off")) = %d, %v; want 0`, n, err)
	}
	for _, opt := range []orm.QueryOption{orm.WithoutFilters("active"), orm.WithoutFilters()} {
		if got, err := r.Find(e.ctx, nil, opt); err != nil || len(got) != 3 {
			t.Errorf("Find(WithoutFilters) = %d gadgets, %v; want 3", len(got), err)
		}
	}
	e.rec.Reset()
	if _, err := r.Find(e.ctx, nil, orm.WithoutFilters("actve")); err == nil || !strings.Contains(err.Error(), `"actve"`) {
		t.Errorf(`Find(WithoutFilters("actve")) = %v; want an error naming "actve"`, err)
	}
	if _, err := r.Find(e.ctx, nil, orm.WithDeleted()); err == nil {
		t.Errorf("Find(WithDeleted) without a softDelete field = nil error; want one")
	}
	if got := e.verbs(); len(got) != 0 {
		t.Errorf("refused reads sent %q; want nothing", got)
	}
	// Set-based writes honour the filters.
	if n, err := r.UpdateWhere(e.ctx, nil, orm.Set("Name", "x")); err != nil || n != 2 {
		t.Errorf("UpdateWhere(nil) = %d, %v; want the 2 active rows", n, err)
	}
	if n, err := r.DeleteWhere(e.ctx, nil); err != nil || n != 2 {
		t.Errorf("DeleteWhere(nil) = %d, %v; want the 2 active rows", n, err)
	}
	if n, err := r.DeleteWhere(e.ctx, nil, orm.WithoutFilters("active")); err != nil || n != 1 {
		t.Errorf("DeleteWhere(nil, WithoutFilters) = %d, %v; want the inactive row", n, err)
	}

	bad := []struct {
		name string
		opt  orm.Option
		want string
	}{
		{"unknown field", orm.WithFilter[gadget]("x", orm.Eq("Colour", "red")), "Colour"},
		{"same name twice", orm.WithFilter[gadget]("dup", orm.Eq("Active", true)), "dup"},
		{"reserved name", orm.WithFilter[gadget](orm.SoftDeleteFilter, orm.Eq("Active", true)), "reserved"},
		{"unregistered type", orm.WithFilter[sdBook]("x", orm.Eq("Title", "")), "sdBook"},
	}
	for _, tc := range bad {
		opts := []orm.Option{orm.Entities(&gadget{}), tc.opt}
		if tc.name == "same name twice" {
			opts = append(opts, tc.opt)
		}
		if _, err := orm.Open(open.open(t), opts...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Open = %v; want an error naming %q", tc.name, err, tc.want)
		}
	}
}

// testSoftDeleteRolledBack soft-deletes an author inside a transaction that
// rolls back: she is managed again, her field nil, her version as it was,
// and the next flush soft-deletes her.
func testSoftDeleteRolledBack(t *testing.T, open suite) {
	e := setup(t, open, softEntities)
	s := e.db.Session()
	a := &sdAuthor{Name: "Ann", Email: "a@x"}
	s.Persist(a)
	e.flush(s)
	failed := errors.New("roll back")
	err := s.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
		s.Remove(a)
		if err := s.Flush(ctx); err != nil {
			return err
		}
		if a.Deleted == nil {
			t.Errorf("in the transaction the soft delete left Deleted nil")
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("Transaction = %v; want its function's error", err)
	}
	if a.Deleted != nil || a.Version != 1 {
		t.Errorf("after the rollback Deleted = %v, Version %d; want nil, 1", a.Deleted, a.Version)
	}
	if got, err := orm.Repo[sdAuthor](s).Get(e.ctx, a.ID); err != nil || got != a {
		t.Errorf("Get after the rollback = %p, %v; want the same instance %p, managed", got, err, a)
	}
	s.Remove(a)
	e.flush(s)
	if n, err := orm.Repo[sdAuthor](e.db.Session()).Count(e.ctx, nil); err != nil || n != 0 {
		t.Errorf("Count after the soft delete = %d, %v; want 0", n, err)
	}
}
