package golden

import (
	"context"

	"github.com/unitofwork/orm"
)

// locked runs fn in a transaction of a new Session, with rows set up in
// the fake for its queries, one set each.
func locked(fn func(ctx context.Context, s *orm.Session) error, rows ...[][]any) func(ctx context.Context, db *orm.DB, f *Fake) error {
	return func(ctx context.Context, db *orm.DB, f *Fake) error {
		f.Results = append(f.Results, rows...)
		return db.Session().Transaction(ctx, fn)
	}
}

// lockedFind is a Find of T with f and opts in a transaction.
func lockedFind[T any](filter orm.Filter, opts ...orm.QueryOption) func(ctx context.Context, db *orm.DB, f *Fake) error {
	return locked(func(ctx context.Context, s *orm.Session) error {
		_, err := orm.Repo[T](s).Find(ctx, filter, opts...)
		return err
	})
}

// lockCases are the locking reads: each clause, with paging, with joins
// for ordering through a Ref and subqueries for a relation filter, by key,
// with Populate (whose queries lock nothing), and two in one transaction.
func lockCases() []test {
	return []test{
		{name: "lock_for_update", run: lockedFind[Owner](orm.Eq("Age", 30), orm.ForUpdate())},
		{name: "lock_for_share", run: lockedFind[Owner](nil, orm.ForShare())},
		{name: "lock_skip_locked", run: locked(func(ctx context.Context, s *orm.Session) error {
			_, err := orm.Repo[Owner](s).FindOne(ctx, orm.Eq("Name", "Ann"), orm.ForUpdate(), orm.SkipLocked(), orm.OrderBy("ID"))
			return err
		}, owners(1))},
		{name: "lock_share_nowait", run: lockedFind[Owner](orm.In("Age", 1, 2), orm.ForShare(), orm.NoWait())},
		{name: "lock_paging", run: lockedFind[Owner](nil, orm.OrderBy("-Age"), orm.Limit(10), orm.Offset(20), orm.ForUpdate(), orm.SkipLocked())},
		{name: "lock_order_path", run: lockedFind[Car](orm.Eq("Sold", false), orm.OrderBy("Owner.Name"), orm.Limit(3), orm.ForUpdate(), orm.SkipLocked())},
		{name: "lock_share_order_path", run: lockedFind[Car](nil, orm.OrderBy("Owner.Name"), orm.ForShare())},
		{name: "lock_path_filter", run: lockedFind[Car](orm.Eq("Owner.Name", "Ann"), orm.ForUpdate(), orm.NoWait())},
		{name: "lock_get", run: locked(func(ctx context.Context, s *orm.Session) error {
			_, err := orm.Repo[Owner](s).Get(ctx, 1, orm.ForUpdate())
			return err
		}, owners(1))},
		{name: "lock_populate", run: locked(func(ctx context.Context, s *orm.Session) error {
			_, err := orm.Repo[Owner](s).Find(ctx, nil, orm.ForUpdate(), orm.Populate("Cars"))
			return err
		}, owners(2), [][]any{carRow(1, "T", 1)})},
		{name: "lock_twice", run: locked(func(ctx context.Context, s *orm.Session) error {
			if _, err := orm.Repo[Owner](s).Find(ctx, orm.Eq("Age", 1), orm.ForUpdate()); err != nil {
				return err
			}
			_, _, err := orm.Repo[Account](s).FindAndCount(ctx, nil, orm.ForShare(), orm.Limit(5))
			return err
		})},
	}
}
