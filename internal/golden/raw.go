package golden

import (
	"context"
	"fmt"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/sql"
)

// rawCases are raw SQL in a Session (sql.Exec, sql.Select: ? become the
// dialect's placeholders, inside the Session's transaction) and read-only
// transactions.
func rawCases() []test {
	return []test{
		{name: "raw_exec", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			_, err := sql.Exec(ctx, db.Session(), `UPDATE owner SET age = age + ? WHERE name = ?`, 1, "Ann")
			return err
		}},
		{name: "raw_in_tx", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			return db.Session().Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
				if _, err := sql.Exec(ctx, s, `DELETE FROM car WHERE price < ?`, 100.0); err != nil {
					return err
				}
				f.Columns = []string{"name", "cars"}
				f.Results = append(f.Results, [][]any{{"Ann", int64(2)}})
				type total struct {
					Name string
					Cars int64
				}
				rows, err := sql.Select[total](ctx, s, `SELECT o.name, COUNT(*) AS cars FROM owner o JOIN car c ON c.owner_id = o.id GROUP BY o.name HAVING COUNT(*) > ?`, 1)
				if err == nil && (len(rows) != 1 || rows[0] != total{"Ann", 2}) {
					err = fmt.Errorf("rows %v; want [{Ann 2}]", rows)
				}
				return err
			})
		}},
		{name: "tx_read_only", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			return db.Session().Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
				f.Results = append(f.Results, owners(1))
				_, err := orm.Repo[Owner](s).Get(ctx, 1)
				return err
			}, orm.ReadOnly())
		}},
		{name: "tx_read_only_refused", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			// A flush with something to write is refused: nothing but
			// BEGIN and ROLLBACK is sent.
			return db.Session().Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
				return s.Persist(&Owner{Name: "Ann"})
			}, orm.ReadOnly())
		}},
	}
}
