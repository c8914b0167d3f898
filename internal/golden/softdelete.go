package golden

import (
	"context"
	"time"

	"github.com/unitofwork/orm"
)

// Doc is soft-deletable and versioned: a removal is an UPDATE of Deleted,
// and reads leave out the rows where it is set.
type Doc struct {
	ID      int64
	Title   string
	Version int64      `orm:"version"`
	Deleted *time.Time `orm:"softDelete"`
}

// Page belongs to a Doc and has a named filter, "numbered".
type Page struct {
	ID  int64
	Num int64
	Doc orm.Ref[Doc]
}

// softOpts register Doc and Page, with Page's filter, on the stamps'
// clock.
var softOpts = []orm.Option{orm.Entities(&Doc{}, &Page{}), orm.WithClock(func() time.Time { return stampAt }),
	orm.WithFilter[Page]("numbered", orm.Gt("Num", 0))}

func docRow(id int64, title string) []any { return []any{id, title, int64(1), nil} }

func pageRow(id, num, doc int64) []any { return []any{id, num, doc} }

// softCases are the statements of soft delete and named filters: the
// batched UPDATE of a soft delete, a hard delete, filtered selects (a
// relation path and a Populate included) and DeleteWhere, soft and hard.
func softCases() []test {
	return []test{
		{name: "soft_delete", opts: softOpts, run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			s, ds, err := loaded[Doc](ctx, db, f, docRow(1, "a"), docRow(2, "b"))
			if err != nil {
				return err
			}
			s.Remove(ds[0], ds[1])
			f.Affected = 2
			return s.Flush(ctx)
		}},
		{name: "soft_delete_hard", opts: softOpts, run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			s, ds, err := loaded[Doc](ctx, db, f, docRow(1, "a"))
			if err != nil {
				return err
			}
			s.Remove(ds[0], orm.HardDelete())
			return s.Flush(ctx)
		}},
		{name: "select_filtered", opts: softOpts, run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			s := db.Session()
			if _, err := orm.Repo[Doc](s).Find(ctx, orm.Eq("Title", "a")); err != nil {
				return err
			}
			if _, err := orm.Repo[Doc](s).Count(ctx, nil, orm.WithDeleted()); err != nil {
				return err
			}
			_, err := orm.Repo[Page](s).Find(ctx, orm.Eq("Doc.Title", "a"))
			return err
		}},
		{name: "populate_filtered", opts: softOpts, run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			f.Results = append(f.Results, [][]any{pageRow(1, 1, 7)}, [][]any{})
			_, err := orm.Repo[Page](db.Session()).Find(ctx, nil, orm.Populate("Doc"))
			return err
		}},
		{name: "delete_where_soft", opts: softOpts, run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			s := db.Session()
			if _, err := orm.Repo[Doc](s).DeleteWhere(ctx, orm.Eq("Title", "a")); err != nil {
				return err
			}
			_, err := orm.Repo[Doc](s).DeleteWhere(ctx, orm.Lt("Deleted", stampAt), orm.HardDelete())
			return err
		}},
	}
}
