package migrate_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/migrate"
)

// The author table as three versions of the program see it.
type (
	authorV1 struct {
		ID   int64
		Name string
	}
	authorV2 struct {
		ID    int64
		Name  string
		Email string `orm:"size:80,default:'none',index"`
		Age   *int64
	}
	bookV2 struct {
		ID     int64
		Title  string
		Author orm.Ref[authorV2]
	}
	authorV3 struct {
		ID       int64
		FullName string `orm:"renamedFrom:name"`
		Email    string `orm:"size:80,default:'none',index"`
	}
	bookV3 struct {
		ID     int64
		Title  string
		Author orm.Ref[authorV3]
	}
)

func (authorV1) TableName() string { return "author" }
func (authorV2) TableName() string { return "author" }
func (bookV2) TableName() string   { return "book" }
func (authorV3) TableName() string { return "author" }
func (bookV3) TableName() string   { return "book" }

// TestEvolve walks a schema through three versions on every backend, with
// rows in it: each plan is written, applied, checked, read through and
// undone.
func TestEvolve(t *testing.T) {
	forEach(t, func(t *testing.T, s server) {
		ctx := context.Background()
		dsn := s.dsn(t)
		dir := t.TempDir()
		files := os.DirFS(dir)
		db1 := openWith(t, s, dsn, &authorV1{})
		if err := db1.CreateSchema(ctx); err != nil {
			t.Fatal(err)
		}
		if err := migrate.Check(ctx, db1); err != nil {
			t.Fatalf("Check of a schema CreateSchema made: %v", err)
		}
		s1 := db1.Session()
		s1.Persist(&authorV1{Name: "Ann"}, &authorV1{Name: "Bo"})
		if err := s1.Flush(ctx); err != nil {
			t.Fatal(err)
		}

		db2 := openWith(t, s, dsn, &authorV2{}, &bookV2{})
		if err := migrate.Check(ctx, db2); err == nil || !strings.Contains(err.Error(), `add table "book"`) {
			t.Errorf("Check before the migration = %v; want the drift, book among it", err)
		}
		write(t, db2, dir, "v2", false)
		if got, err := migrate.Up(ctx, db2, files); err != nil || len(got) != 1 {
			t.Fatalf("Up = %v, %v; want one migration applied", got, err)
		}
		if err := migrate.Check(ctx, db2); err != nil {
			t.Fatalf("Check after Up: %v", err)
		}
		a, err := orm.Repo[authorV2](db2.Session()).Find(ctx, nil, orm.OrderBy("Name"))
		if err != nil || len(a) != 2 || a[0].Name != "Ann" || a[0].Email != "none" || a[0].Age != nil {
			t.Fatalf("the old rows through the new entities = %+v, %v", a, err)
		}
		s2 := db2.Session()
		b := &bookV2{Title: "Tides"}
		b.Author.Set(a[0])
		s2.Persist(b)
		if err := s2.Flush(ctx); err != nil {
			t.Fatalf("writing a book after the migration: %v", err)
		}
		if got, err := migrate.Up(ctx, db2, files); err != nil || len(got) != 0 {
			t.Errorf("a second Up = %v, %v; want nothing to do", got, err)
		}
		st, err := migrate.Status(ctx, db2, files)
		if err != nil || len(st) != 1 || !st[0].Applied || st[0].Name != "v2" || st[0].Modified {
			t.Errorf("Status = %+v, %v; want v2 applied", st, err)
		}
		if err := migrate.Down(ctx, db2, files, 1); err != nil {
			t.Fatalf("Down: %v", err)
		}
		if err := migrate.Check(ctx, db1); err != nil {
			t.Errorf("Check of the old entities after Down: %v", err)
		}
		if old, err := orm.Repo[authorV1](db1.Session()).Find(ctx, nil); err != nil || len(old) != 2 {
			t.Errorf("the old entities after Down read %v, %v; want the 2 authors", old, err)
		}
		if got, err := migrate.Up(ctx, db2, files); err != nil || len(got) != 1 {
			t.Fatalf("Up again = %v, %v", got, err)
		}

		toV3(t, s, dsn, dir, db2, a[0])
	})
}

// toV3 takes the v2 schema to v3, which renames a column and drops one,
// and back.
func toV3(t *testing.T, s server, dsn, dir string, db2 *orm.DB, ann *authorV2) {
	ctx := context.Background()
	files := os.DirFS(dir)
	s2 := db2.Session()
	b := &bookV2{Title: "Dunes"}
	b.Author.Set(ann)
	s2.Persist(b)
	if err := s2.Flush(ctx); err != nil {
		t.Fatalf("writing a book: %v", err)
	}

	db3 := openWith(t, s, dsn, &authorV3{}, &bookV3{})
	p, err := migrate.Diff(ctx, db3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Write(dir, "v3"); err == nil || !strings.Contains(err.Error(), "AllowDestructive") {
		t.Errorf("Write of a plan dropping Age = %v; want a refusal naming AllowDestructive", err)
	}
	write(t, db3, dir, "v3", true)
	if got, err := migrate.Up(ctx, db3, files); err != nil || len(got) != 1 {
		t.Fatalf("Up v3 = %v, %v", got, err)
	}
	if err := migrate.Check(ctx, db3); err != nil {
		t.Fatalf("Check after v3: %v", err)
	}
	if a, err := orm.Repo[authorV3](db3.Session()).Find(ctx, nil, orm.OrderBy("FullName")); err != nil || len(a) != 2 || a[0].FullName != "Ann" {
		t.Errorf("the renamed column reads %+v, %v; want Ann kept", a, err)
	}
	if bs, err := orm.Repo[bookV3](db3.Session()).Find(ctx, orm.Eq("Author.FullName", "Ann")); err != nil || len(bs) != 1 {
		t.Errorf("Ann's books after v3 = %v, %v; want Dunes", bs, err)
	}
	if err := migrate.Down(ctx, db3, files, 1); err != nil {
		t.Fatalf("Down v3: %v", err)
	}
	if err := migrate.Check(ctx, db2); err != nil {
		t.Errorf("Check of v2 after undoing v3: %v", err)
	}
	if a, err := orm.Repo[authorV2](db2.Session()).Find(ctx, nil, orm.OrderBy("Name")); err != nil || len(a) != 2 || a[1].Name != "Bo" {
		t.Errorf("v2 after undoing v3 reads %+v, %v", a, err)
	}
}

// write diffs db and writes the plan as dir/<version>_name, making sure the
// version is new.
func write(t *testing.T, db *orm.DB, dir, name string, destructive bool) {
	t.Helper()
	p, err := migrate.Diff(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if p.Empty() {
		t.Fatal("Diff found nothing to change")
	}
	var opts []migrate.WriteOption
	if destructive {
		opts = append(opts, migrate.AllowDestructive())
	}
	if _, err := p.Write(dir, name, opts...); err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Changes {
		t.Logf("%s\n%s-- down\n%s", c.Comment, c.Up, c.Down)
	}
}
