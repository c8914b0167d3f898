package migrate_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/migrate"
)

// Each kind of change is a pair of versions of one table, "thing".
type (
	sizedV1 struct {
		ID   int64
		Code string `orm:"size:20"`
	}
	sizedV2 struct {
		ID   int64
		Code string `orm:"size:80"`
	}
	nullV1 struct {
		ID   int64
		Note string
	}
	nullV2 struct {
		ID   int64
		Note *string
	}
	defaultV2 struct {
		ID   int64
		Note string `orm:"default:'new'"`
	}
	indexV1 struct {
		ID  int64
		Tag string `orm:"size:40"`
	}
	indexV2 struct {
		ID  int64
		Tag string `orm:"size:40,index"`
	}
	uniqueV2 struct {
		ID  int64
		Tag string `orm:"size:40,unique"`
	}
	keeper struct {
		ID   int64
		Name string
	}
	fkV1 struct {
		ID      int64
		OwnerID *int64 `orm:"column:owner_id"`
	}
	fkV2 struct {
		ID    int64
		Owner orm.Ref[keeper] `orm:"column:owner_id"`
	}
	mood   string
	enumV2 struct {
		ID   int64
		Note mood `orm:"size:10"`
	}
	sizedNoteV1 struct {
		ID   int64
		Note string `orm:"size:10"`
	}
	label struct {
		ID   int64
		Name string `orm:"size:40,unique"`
	}
	m2mV2 struct {
		ID     int64
		Note   string
		Labels orm.Collection[label] `orm:"m2m"`
	}
)

func (sizedV1) TableName() string     { return "thing" }
func (sizedV2) TableName() string     { return "thing" }
func (nullV1) TableName() string      { return "thing" }
func (nullV2) TableName() string      { return "thing" }
func (defaultV2) TableName() string   { return "thing" }
func (indexV1) TableName() string     { return "thing" }
func (indexV2) TableName() string     { return "thing" }
func (uniqueV2) TableName() string    { return "thing" }
func (fkV1) TableName() string        { return "thing" }
func (fkV2) TableName() string        { return "thing" }
func (m2mV2) TableName() string       { return "thing" }
func (enumV2) TableName() string      { return "thing" }
func (sizedNoteV1) TableName() string { return "thing" }

// Values makes mood an enum: a CHECK constraint.
func (mood) Values() []mood { return []mood{"a", "b", "c"} }

// kind is one kind of change: the entities before and after, two rows
// written before, and how many rows of thing each version reads.
type kind struct {
	name        string
	old, new    []any
	seed        func(s *orm.Session)
	countOld    func(ctx context.Context, db *orm.DB) (int64, error)
	countNew    func(ctx context.Context, db *orm.DB) (int64, error)
	same        string // a backend on which the two versions are one schema
	destructive bool   // the plan drops data: Write needs AllowDestructive
}

func counter[T any]() func(ctx context.Context, db *orm.DB) (int64, error) {
	return func(ctx context.Context, db *orm.DB) (int64, error) { return orm.Repo[T](db.Session()).Count(ctx, nil) }
}

func kinds() []kind {
	return []kind{
		{name: "widen a text column", old: []any{&sizedV1{}}, new: []any{&sizedV2{}}, same: "sqlite",
			seed:     func(s *orm.Session) { s.Persist(&sizedV1{Code: "a"}, &sizedV1{Code: "b"}) },
			countOld: counter[sizedV1](), countNew: counter[sizedV2]()},
		{name: "narrow a text column", old: []any{&sizedV2{}}, new: []any{&sizedV1{}}, same: "sqlite", destructive: true,
			seed:     func(s *orm.Session) { s.Persist(&sizedV2{Code: "a"}, &sizedV2{Code: "b"}) },
			countOld: counter[sizedV2](), countNew: counter[sizedV1]()},
		{name: "make a column nullable", old: []any{&nullV1{}}, new: []any{&nullV2{}},
			seed:     func(s *orm.Session) { s.Persist(&nullV1{Note: "a"}, &nullV1{Note: "b"}) },
			countOld: counter[nullV1](), countNew: counter[nullV2]()},
		{name: "add a default", old: []any{&nullV1{}}, new: []any{&defaultV2{}},
			seed:     func(s *orm.Session) { s.Persist(&nullV1{Note: "a"}, &nullV1{Note: "b"}) },
			countOld: counter[nullV1](), countNew: counter[defaultV2]()},
		{name: "add an index", old: []any{&indexV1{}}, new: []any{&indexV2{}},
			seed:     func(s *orm.Session) { s.Persist(&indexV1{Tag: "a"}, &indexV1{Tag: "b"}) },
			countOld: counter[indexV1](), countNew: counter[indexV2]()},
		{name: "make a column unique", old: []any{&indexV1{}}, new: []any{&uniqueV2{}},
			seed:     func(s *orm.Session) { s.Persist(&indexV1{Tag: "a"}, &indexV1{Tag: "b"}) },
			countOld: counter[indexV1](), countNew: counter[uniqueV2]()},
		{name: "drop a unique constraint", old: []any{&uniqueV2{}}, new: []any{&indexV1{}},
			seed:     func(s *orm.Session) { s.Persist(&uniqueV2{Tag: "a"}, &uniqueV2{Tag: "b"}) },
			countOld: counter[uniqueV2](), countNew: counter[indexV1]()},
		{name: "drop an index", old: []any{&indexV2{}}, new: []any{&indexV1{}},
			seed:     func(s *orm.Session) { s.Persist(&indexV2{Tag: "a"}, &indexV2{Tag: "b"}) },
			countOld: counter[indexV2](), countNew: counter[indexV1]()},
		{name: "add a foreign key", old: []any{&fkV1{}, &keeper{}}, new: []any{&fkV2{}, &keeper{}},
			seed: func(s *orm.Session) {
				k := &keeper{Name: "k"}
				s.Persist(k)
				_ = s.Flush(context.Background())
				s.Persist(&fkV1{OwnerID: &k.ID}, &fkV1{})
			},
			countOld: counter[fkV1](), countNew: counter[fkV2]()},
		{name: "drop a foreign key", old: []any{&fkV2{}, &keeper{}}, new: []any{&fkV1{}, &keeper{}},
			seed:     func(s *orm.Session) { s.Persist(&fkV2{}, &fkV2{}) },
			countOld: counter[fkV2](), countNew: counter[fkV1]()},
		{name: "add an enum check", old: []any{&sizedNoteV1{}}, new: []any{&enumV2{}},
			seed:     func(s *orm.Session) { s.Persist(&sizedNoteV1{Note: "a"}, &sizedNoteV1{Note: "b"}) },
			countOld: counter[sizedNoteV1](), countNew: counter[enumV2]()},
		{name: "add a many-to-many relation", old: []any{&nullV1{}}, new: []any{&m2mV2{}, &label{}},
			seed:     func(s *orm.Session) { s.Persist(&nullV1{Note: "a"}, &nullV1{Note: "b"}) },
			countOld: counter[nullV1](), countNew: counter[m2mV2]()},
	}
}

// TestKinds: for each kind of change, from the old entities' schema with
// rows in it, Diff, Write, Up, Check, read the rows through the new
// entities, Down, Check the old ones and read the rows again.
func TestKinds(t *testing.T) {
	forEach(t, func(t *testing.T, s server) {
		for _, k := range kinds() {
			t.Run(strings.ReplaceAll(k.name, " ", "_"), func(t *testing.T) { evolveOnce(t, s, k) })
		}
	})
}

func evolveOnce(t *testing.T, s server, k kind) {
	ctx := context.Background()
	dsn := s.dsn(t)
	dir := t.TempDir()
	files := os.DirFS(dir)
	old := openWith(t, s, dsn, k.old...)
	if err := old.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	ses := old.Session()
	k.seed(ses)
	if err := ses.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	db := openWith(t, s, dsn, k.new...)
	p, err := migrate.Diff(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if p.Empty() {
		if k.same == s.name {
			return
		}
		t.Fatal("Diff found nothing to change")
	}
	destructive := false
	for _, c := range p.Changes {
		t.Logf("%s (destructive %v)\n%s-- down\n%s", c.Comment, c.Destructive, c.Up, c.Down)
		destructive = destructive || c.Destructive
	}
	if destructive != k.destructive {
		t.Errorf("the plan is destructive: %v; want %v", destructive, k.destructive)
	}
	if _, err := p.Write(dir, "change"); (err != nil) != k.destructive {
		t.Fatalf("Write without AllowDestructive: %v", err)
	}
	if k.destructive {
		if _, err := p.Write(dir, "change", migrate.AllowDestructive()); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := migrate.Up(ctx, db, files); err != nil || len(got) != 1 {
		t.Fatalf("Up = %v, %v", got, err)
	}
	if err := migrate.Check(ctx, db); err != nil {
		t.Fatalf("Check after Up: %v", err)
	}
	if n, err := k.countNew(ctx, db); err != nil || n != 2 {
		t.Errorf("the new entities read %d rows, %v; want 2", n, err)
	}
	if err := migrate.Down(ctx, db, files, 1); err != nil {
		t.Fatalf("Down: %v", err)
	}
	if err := migrate.Check(ctx, old); err != nil {
		t.Errorf("Check of the old entities after Down: %v", err)
	}
	if n, err := k.countOld(ctx, old); err != nil || n != 2 {
		t.Errorf("the old entities read %d rows after Down, %v; want 2", n, err)
	}
}
