package golden

import (
	"context"

	"github.com/unitofwork/orm"
)

// writeCases are the writes without loading: UpdateWhere and DeleteWhere
// in a Session that manages no entity of the type (the statement alone)
// and in one that does (RETURNING, or the keys read and locked first),
// and Upsert by key and by a unique field.
func writeCases() []test {
	managedCar := func(ctx context.Context, db *orm.DB, f *Fake) (*orm.Session, error) {
		s, _, err := loaded[Car](ctx, db, f, carRow(1, "T", 1))
		// The rows the write returns or reads: once for a dialect with
		// RETURNING, twice (locked, then re-read) for one without.
		f.Results = append(f.Results, [][]any{{int64(1), "X", 11.0, true, int64(1)}}, [][]any{{int64(1), "X", 11.0, true, int64(1)}})
		return s, err
	}
	return []test{
		{name: "update_where", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			_, err := orm.Repo[Car](db.Session()).UpdateWhere(ctx, orm.Eq("Sold", false), orm.Set("Model", "X"), orm.Add("Price", 1.5))
			return err
		}},
		{name: "update_where_path", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			_, err := orm.Repo[Car](db.Session()).UpdateWhere(ctx, orm.Eq("Owner.Name", "Ann"), orm.Set("Sold", true), orm.Set("Owner", nil))
			return err
		}},
		{name: "update_where_versioned", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			_, err := orm.Repo[Account](db.Session()).UpdateWhere(ctx, orm.Gt("Balance", 0), orm.Add("Balance", -5))
			return err
		}},
		{name: "update_where_managed", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			s, err := managedCar(ctx, db, f)
			if err != nil {
				return err
			}
			_, err = orm.Repo[Car](s).UpdateWhere(ctx, orm.Eq("Sold", false), orm.Set("Sold", true))
			return err
		}},
		{name: "delete_where", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			_, err := orm.Repo[Owner](db.Session()).DeleteWhere(ctx, orm.Or(orm.Lt("Age", 18), orm.IsNull("Email")))
			return err
		}},
		{name: "delete_where_managed", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			s, err := managedCar(ctx, db, f)
			if err != nil {
				return err
			}
			_, err = orm.Repo[Car](s).DeleteWhere(ctx, orm.Eq("Model", "T"))
			return err
		}},
		{name: "upsert_key", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			f.Results = append(f.Results, [][]any{{int64(5), "red"}, {int64(6), "blue"}}, [][]any{{int64(5), "red"}, {int64(6), "blue"}})
			_, err := orm.Repo[Tag](db.Session()).UpsertMany(ctx, []*Tag{{ID: 5, Name: "red"}, {ID: 6, Name: "blue"}})
			return err
		}},
		{name: "upsert_unique", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			f.Results = append(f.Results, [][]any{{int64(7), "red"}}, [][]any{{int64(7), "red"}})
			_, err := orm.Repo[Tag](db.Session()).Upsert(ctx, &Tag{Name: "red"}, orm.OnConflict("Name"))
			return err
		}},
		{name: "upsert_versioned_update_only", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			f.Results = append(f.Results, [][]any{accountRow(3, 10, 2)}, [][]any{accountRow(3, 10, 2)})
			_, err := orm.Repo[Account](db.Session()).Upsert(ctx, &Account{ID: 3, Balance: 10}, orm.UpdateOnly())
			return err
		}},
	}
}
