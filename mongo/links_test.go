package mongo_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/unitofwork/orm"
)

// Article owns a many-to-many collection of Labels.
type Article struct {
	ID     int64
	Labels orm.Collection[Label] `orm:"m2m"`
}

// Label is a target of Article.Labels.
type Label struct {
	ID   int64
	Name string
}

// TestLinksFollowFlushes: the target keys kept from reading an owner follow
// the links a flush writes, and stay as they were when a flush fails, so
// loading the collection afterwards reads no owner and finds what the
// database holds.
func TestLinksFollowFlushes(t *testing.T) {
	ctx := context.Background()
	var stmts []string
	panicking := false // the hook panics on writing a link
	db, err := orm.Open(open(t), orm.Entities(&Article{}, &Label{}),
		orm.WithQueryHook(func(_ context.Context, e orm.QueryEvent) {
			stmts = append(stmts, e.Statement)
			if panicking && strings.Contains(e.Statement, "$addToSet") {
				panic("hook")
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	a, b, c, d := &Label{Name: "a"}, &Label{Name: "b"}, &Label{Name: "c"}, &Label{Name: "d"}
	art := &Article{}
	art.Labels.Add(a, b)
	s := db.Session()
	s.Persist(art, c, d)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	// names loads the labels of art, checking that no
	// article is read for it.
	names := func(art *Article) []string {
		t.Helper()
		stmts = nil
		if err := art.Labels.Load(ctx); err != nil {
			t.Fatal(err)
		}
		for _, st := range stmts {
			if strings.Contains(st, `"article"`) {
				t.Errorf("loading the labels sent %s; want no read of the articles", st)
			}
		}
		var out []string
		for _, l := range art.Labels.Items() {
			out = append(out, l.Name)
		}
		slices.Sort(out)
		return out
	}

	s = db.Session()
	got, err := orm.Repo[Article](s).Get(ctx, art.ID)
	if err != nil {
		t.Fatal(err)
	}
	la, err := orm.Repo[Label](s).FindOne(ctx, orm.Eq("Name", "a"))
	if err != nil {
		t.Fatal(err)
	}
	lc, err := orm.Repo[Label](s).FindOne(ctx, orm.Eq("Name", "c"))
	if err != nil {
		t.Fatal(err)
	}
	got.Labels.Remove(la)
	got.Labels.Add(lc)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := names(got); !slices.Equal(n, []string{"b", "c"}) {
		t.Errorf("labels after the flush = %v; want [b c]", n)
	}

	// A flush that fails on writing a link is undone, and leaves the kept
	// keys as they were: the retry writes the link again.
	s = db.Session()
	got, err = orm.Repo[Article](s).Get(ctx, art.ID)
	if err != nil {
		t.Fatal(err)
	}
	ld, err := orm.Repo[Label](s).FindOne(ctx, orm.Eq("Name", "d"))
	if err != nil {
		t.Fatal(err)
	}
	got.Labels.Add(ld)
	panicking = true
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Flush did not panic with the hook")
			}
		}()
		s.Flush(ctx)
	}()
	panicking = false
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := names(got); !slices.Equal(n, []string{"b", "c", "d"}) {
		t.Errorf("labels after the retried flush = %v; want [b c d]", n)
	}
}
