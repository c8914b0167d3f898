package bench

import (
	stdsql "database/sql"
	"fmt"
	"testing"

	"gorm.io/gorm"

	"github.com/unitofwork/orm"
)

func init() {
	ops = append(ops, updateWhere(1000), updateWhereManaged(1000))
}

// whereStmt is the UPDATE every implementation sends, counter + 1 and a
// new age on the rows from a key on, in e's spelling, RETURNING every
// column if asked.
func whereStmt(e *env, returning bool) string {
	q := `UPDATE "models" SET "counter" = "counter" + ` + e.ph(1) + `, "age" = ` + e.ph(2) + ` WHERE "id" >= ` + e.ph(3)
	if returning {
		q += ` RETURNING "id", ` + columns
	}
	return e.q(q)
}

// affected checks that a write changed want rows.
func affected(n int64, err error, want int) error {
	return check(int(n), want, err)
}

// resultRows checks that the write with result res changed want rows.
func resultRows(res stdsql.Result, err error, want int) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	return affected(n, err, want)
}

// updateWhere changes n rows by a filter in one statement, adding 1 to
// counter and setting age to a new value each time: the ORM's UpdateWhere
// in a fresh Session (nothing managed, so nothing read back), the same
// UPDATE by the raw drivers, Bun's NewUpdate().Where and GORM's
// Model().Where().Updates.
func updateWhere(n int) op {
	return op{fmt.Sprintf("updatewhere%d", n), []impl{
		{"orm", func(b *testing.B, e *env) func() error {
			first, k := e.reset(b, n)[0], 0
			return func() error {
				k++
				got, err := orm.Repo[Model](e.orm.Session()).UpdateWhere(ctx, orm.Gte("ID", first), orm.Add("Counter", 1), orm.Set("Age", k))
				return affected(got, err, n)
			}
		}},
		{"pgx", func(b *testing.B, e *env) func() error {
			if e.pool == nil {
				return nil
			}
			first, k, q := e.reset(b, n)[0], 0, whereStmt(e, false)
			return func() error {
				k++
				tag, err := e.pool.Exec(ctx, q, 1, k, first)
				return affected(tag.RowsAffected(), err, n)
			}
		}},
		{"database-sql", func(b *testing.B, e *env) func() error {
			first, k, q := e.reset(b, n)[0], 0, whereStmt(e, false)
			return func() error {
				k++
				res, err := e.sqlDB.ExecContext(ctx, q, 1, k, first)
				return resultRows(res, err, n)
			}
		}},
		{"bun", func(b *testing.B, e *env) func() error {
			first, k := e.reset(b, n)[0], 0
			return func() error {
				k++
				res, err := e.bun.NewUpdate().Model((*Model)(nil)).Set("counter = counter + ?", 1).Set("age = ?", k).
					Where("id >= ?", first).Exec(ctx)
				return resultRows(res, err, n)
			}
		}},
		{"gorm", func(b *testing.B, e *env) func() error {
			first, k := e.reset(b, n)[0], 0
			return func() error {
				k++
				res := e.gorm.Model(&Model{}).Where("id >= ?", first).
					Updates(map[string]any{"counter": gorm.Expr("counter + ?", 1), "age": k})
				return affected(res.RowsAffected, res.Error, n)
			}
		}},
	}}
}

// updateWhereManaged is updateWhere in a Session that holds the n rows,
// loaded untimed: the ORM then reads the rows back to bring them up to
// date. The raw comparison reads them back as well, as a program keeping
// them would: UPDATE … RETURNING where the database has it; on MariaDB
// the UPDATE then a SELECT of the same rows, in a transaction.
func updateWhereManaged(n int) op {
	return op{fmt.Sprintf("updatewhere%dmanaged", n), []impl{
		{"orm", func(b *testing.B, e *env) func() error {
			first, k := e.reset(b, n)[0], 0
			s := e.orm.Session()
			if _, err := orm.Repo[Model](s).Find(ctx, nil); err != nil {
				b.Fatal(err)
			}
			return func() error {
				k++
				got, err := orm.Repo[Model](s).UpdateWhere(ctx, orm.Gte("ID", first), orm.Add("Counter", 1), orm.Set("Age", k))
				return affected(got, err, n)
			}
		}},
		{"pgx", func(b *testing.B, e *env) func() error {
			if e.pool == nil {
				return nil
			}
			first, k, q := e.reset(b, n)[0], 0, whereStmt(e, true)
			return readModels(n, func() (rows, func(), error) {
				k++
				r, err := e.pool.Query(ctx, q, 1, k, first)
				return r, func() { r.Close() }, err
			})
		}},
		{"database-sql", func(b *testing.B, e *env) func() error {
			first, k := e.reset(b, n)[0], 0
			if e.mysql {
				return updateThenSelect(e, n, first)
			}
			q := whereStmt(e, true)
			return readModels(n, func() (rows, func(), error) {
				k++
				r, err := e.sqlDB.QueryContext(ctx, q, 1, k, first)
				return r, func() { r.Close() }, err
			})
		}},
	}}
}

// updateThenSelect is the managed UpdateWhere of n rows without UPDATE …
// RETURNING: the UPDATE, then a SELECT of the rows it changed, in one
// transaction.
func updateThenSelect(e *env, n int, first int64) func() error {
	q, sel := whereStmt(e, false), e.q(`SELECT "id", `+columns+` FROM "models" WHERE "id" >= `+e.ph(1))
	k := 0
	return func() error {
		k++
		tx, err := e.sqlDB.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		res, err := tx.ExecContext(ctx, q, 1, k, first)
		if err := resultRows(res, err, n); err != nil {
			return err
		}
		err = readModels(n, func() (rows, func(), error) {
			r, err := tx.QueryContext(ctx, sel, first)
			return r, func() { r.Close() }, err
		})()
		if err != nil {
			return err
		}
		return tx.Commit()
	}
}
