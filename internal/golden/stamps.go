package golden

import (
	"context"
	"time"

	"github.com/unitofwork/orm"
)

// Memo is stamped: the flush sets Created at the insert and Updated at
// the insert and every update that changes a column.
type Memo struct {
	ID      int64
	Text    string
	Created time.Time  `orm:"createdAt"`
	Updated *time.Time `orm:"updatedAt"`
}

// stampAt is the stamped cases' clock, with nanoseconds: a dialect's
// precision shows in the times it is sent.
var stampAt = time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)

// stampOpts register Memo, on a clock that stands still at stampAt.
var stampOpts = []orm.Option{orm.Entities(&Memo{}), orm.WithClock(func() time.Time { return stampAt })}

func memoRow(id int64, text string) []any {
	at := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	return []any{id, text, at, at}
}

// stampCases are the statements of a stamped entity: an insert with both
// stamps (one createdAt given, and kept), updates that add updatedAt to
// the columns they change, UpdateWhere's extra assignment and an upsert
// that leaves createdAt out of its update.
func stampCases() []test {
	return []test{
		{name: "insert_stamped", opts: stampOpts, run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			return flush(ctx, db, &Memo{Text: "a"}, &Memo{Text: "b", Created: time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)})
		}},
		{name: "update_stamped", opts: stampOpts, run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			s, ms, err := loaded[Memo](ctx, db, f, memoRow(1, "a"), memoRow(2, "b"))
			if err != nil {
				return err
			}
			ms[0].Text = "a2" // ms[1] is unchanged: not stamped, not sent
			return s.Flush(ctx)
		}},
		{name: "update_stamped_case", opts: stampOpts, run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			s, ms, err := loaded[Memo](ctx, db, f, memoRow(1, "a"), memoRow(2, "b"))
			if err != nil {
				return err
			}
			ms[0].Text, ms[1].Text = "a2", "b2"
			return s.Flush(ctx)
		}},
		{name: "update_where_stamped", opts: stampOpts, run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			_, err := orm.Repo[Memo](db.Session()).UpdateWhere(ctx, orm.Eq("Text", "a"), orm.Set("Text", "b"))
			return err
		}},
		{name: "upsert_stamped", opts: stampOpts, run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			f.Results = append(f.Results, [][]any{memoRow(3, "u")}, [][]any{memoRow(3, "u")})
			_, err := orm.Repo[Memo](db.Session()).Upsert(ctx, &Memo{ID: 3, Text: "u"})
			return err
		}},
	}
}
