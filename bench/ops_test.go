package bench

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/unitofwork/orm"
)

var ctx = context.Background()

// ops are the operations, each with its implementations.
var ops = []struct {
	name  string
	impls []impl
}{
	{"read", []impl{
		{"orm", func(b *testing.B, e *env) func() error {
			ids := e.reset(b, 1)
			return func() error {
				_, err := orm.Repo[Model](e.orm.Session()).Get(ctx, ids[0])
				return err
			}
		}},
		{"pgx", func(b *testing.B, e *env) func() error {
			if e.pool == nil {
				return nil
			}
			ids := e.reset(b, 1)
			return func() error {
				var m Model
				return e.pool.QueryRow(ctx, `SELECT "id", `+columns+` FROM "models" WHERE "id" = $1`, ids[0]).
					Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter)
			}
		}},
		{"database-sql", func(b *testing.B, e *env) func() error {
			ids := e.reset(b, 1)
			q := `SELECT "id", ` + columns + ` FROM "models" WHERE "id" = ` + e.ph(1)
			return func() error {
				var m Model
				return e.sqlDB.QueryRowContext(ctx, q, ids[0]).
					Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter)
			}
		}},
		{"sqlx", func(b *testing.B, e *env) func() error {
			ids := e.reset(b, 1)
			q := `SELECT "id", ` + columns + ` FROM "models" WHERE "id" = ` + e.ph(1)
			return func() error {
				var m Model
				return e.sqlx.GetContext(ctx, &m, q, ids[0])
			}
		}},
		{"bun", func(b *testing.B, e *env) func() error {
			ids := e.reset(b, 1)
			return func() error {
				var m Model
				return e.bun.NewSelect().Model(&m).Where("id = ?", ids[0]).Scan(ctx)
			}
		}},
		{"gorm", func(b *testing.B, e *env) func() error {
			ids := e.reset(b, 1)
			return func() error {
				var m Model
				return e.gorm.First(&m, ids[0]).Error
			}
		}},
	}},
	{"readslice100", []impl{
		{"orm", func(b *testing.B, e *env) func() error {
			e.reset(b, 100)
			return func() error {
				ms, err := orm.Repo[Model](e.orm.Session()).Find(ctx, orm.Gt("ID", 0), orm.Limit(100))
				return check(len(ms), 100, err)
			}
		}},
		{"pgx", func(b *testing.B, e *env) func() error {
			if e.pool == nil {
				return nil
			}
			e.reset(b, 100)
			return func() error {
				rows, err := e.pool.Query(ctx, `SELECT "id", `+columns+` FROM "models" WHERE "id" > $1 LIMIT 100`, 0)
				if err != nil {
					return err
				}
				defer rows.Close()
				var ms []*Model
				for rows.Next() {
					m := new(Model)
					if err := rows.Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter); err != nil {
						return err
					}
					ms = append(ms, m)
				}
				return check(len(ms), 100, rows.Err())
			}
		}},
		{"database-sql", func(b *testing.B, e *env) func() error {
			e.reset(b, 100)
			q := `SELECT "id", ` + columns + ` FROM "models" WHERE "id" > ` + e.ph(1) + ` LIMIT 100`
			return func() error {
				rows, err := e.sqlDB.QueryContext(ctx, q, 0)
				if err != nil {
					return err
				}
				defer rows.Close()
				var ms []*Model
				for rows.Next() {
					m := new(Model)
					if err := rows.Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter); err != nil {
						return err
					}
					ms = append(ms, m)
				}
				return check(len(ms), 100, rows.Err())
			}
		}},
		{"sqlx", func(b *testing.B, e *env) func() error {
			e.reset(b, 100)
			q := `SELECT "id", ` + columns + ` FROM "models" WHERE "id" > ` + e.ph(1) + ` LIMIT 100`
			return func() error {
				var ms []*Model
				err := e.sqlx.SelectContext(ctx, &ms, q, 0)
				return check(len(ms), 100, err)
			}
		}},
		{"bun", func(b *testing.B, e *env) func() error {
			e.reset(b, 100)
			return func() error {
				var ms []*Model
				err := e.bun.NewSelect().Model(&ms).Where("id > ?", 0).Limit(100).Scan(ctx)
				return check(len(ms), 100, err)
			}
		}},
		{"gorm", func(b *testing.B, e *env) func() error {
			e.reset(b, 100)
			return func() error {
				var ms []*Model
				err := e.gorm.Where("id > ?", 0).Limit(100).Find(&ms).Error
				return check(len(ms), 100, err)
			}
		}},
	}},
	{"insert1", []impl{
		{"orm", func(b *testing.B, e *env) func() error {
			e.reset(b, 0)
			return func() error {
				s := e.orm.Session()
				s.Persist(newModel())
				return s.Flush(ctx)
			}
		}},
		{"pgx", func(b *testing.B, e *env) func() error {
			if e.pool == nil {
				return nil
			}
			e.reset(b, 0)
			return func() error {
				m := newModel()
				return e.pool.QueryRow(ctx, `INSERT INTO "models" (`+columns+`) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING "id"`,
					m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter).Scan(&m.ID)
			}
		}},
		{"database-sql", func(b *testing.B, e *env) func() error {
			e.reset(b, 0)
			q := insertSQL(e, 1)
			return func() error {
				m := newModel()
				return e.sqlDB.QueryRowContext(ctx, q, m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter).Scan(&m.ID)
			}
		}},
		{"bun", func(b *testing.B, e *env) func() error {
			e.reset(b, 0)
			return func() error {
				_, err := e.bun.NewInsert().Model(newModel()).Exec(ctx)
				return err
			}
		}},
		{"gorm", func(b *testing.B, e *env) func() error {
			e.reset(b, 0)
			return func() error { return e.gorm.Create(newModel()).Error }
		}},
	}},
	{"insert100", []impl{
		{"orm", func(b *testing.B, e *env) func() error {
			e.reset(b, 0)
			return func() error {
				s := e.orm.Session()
				for range 100 {
					s.Persist(newModel())
				}
				return s.Flush(ctx)
			}
		}},
		{"database-sql", func(b *testing.B, e *env) func() error {
			e.reset(b, 0)
			q := insertSQL(e, 100)
			return func() error {
				args := make([]any, 0, 700)
				ms := make([]*Model, 100)
				for i := range ms {
					m := newModel()
					ms[i] = m
					args = append(args, m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter)
				}
				rows, err := e.sqlDB.QueryContext(ctx, q, args...)
				if err != nil {
					return err
				}
				defer rows.Close()
				i := 0
				for rows.Next() {
					if err := rows.Scan(&ms[i].ID); err != nil {
						return err
					}
					i++
				}
				return check(i, 100, rows.Err())
			}
		}},
		{"bun", func(b *testing.B, e *env) func() error {
			e.reset(b, 0)
			return func() error {
				ms := make([]*Model, 100)
				for i := range ms {
					ms[i] = newModel()
				}
				_, err := e.bun.NewInsert().Model(&ms).Exec(ctx)
				return err
			}
		}},
		{"gorm", func(b *testing.B, e *env) func() error {
			e.reset(b, 0)
			return func() error {
				ms := make([]*Model, 100)
				for i := range ms {
					ms[i] = newModel()
				}
				return e.gorm.Create(&ms).Error
			}
		}},
	}},
	{"update100", []impl{
		{"orm", func(b *testing.B, e *env) func() error {
			e.reset(b, 100)
			s := e.orm.Session()
			ms, err := orm.Repo[Model](s).Find(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			return func() error {
				for _, m := range ms {
					m.Age++
					m.Counter++
				}
				return s.Flush(ctx)
			}
		}},
		{"pgx-unnest", func(b *testing.B, e *env) func() error {
			if e.pool == nil {
				return nil
			}
			ids := e.reset(b, 100)
			ages, counters := make([]int64, 100), make([]int64, 100)
			return func() error {
				for i := range ids {
					ages[i]++
					counters[i]++
				}
				_, err := e.pool.Exec(ctx, `UPDATE "models" AS t SET "age" = v.age, "counter" = v.counter
					FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS v(id, age, counter) WHERE t."id" = v.id`, ids, ages, counters)
				return err
			}
		}},
		{"database-sql-case", func(b *testing.B, e *env) func() error {
			ids := e.reset(b, 100)
			var sb strings.Builder
			n := 0
			ph := func() string { n++; return e.ph(n) }
			sb.WriteString(`UPDATE "models" SET "age" = CASE`)
			for range ids {
				sb.WriteString(" WHEN \"id\" = " + ph() + " THEN " + ph())
			}
			sb.WriteString(` ELSE "age" END, "counter" = CASE`)
			for range ids {
				sb.WriteString(" WHEN \"id\" = " + ph() + " THEN " + ph())
			}
			sb.WriteString(` ELSE "counter" END WHERE "id" IN (`)
			for i := range ids {
				if i > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString(ph())
			}
			sb.WriteString(")")
			q := sb.String()
			k := int64(0)
			return func() error {
				k++
				args := make([]any, 0, 500)
				for _, id := range ids {
					args = append(args, id, k)
				}
				for _, id := range ids {
					args = append(args, id, k)
				}
				for _, id := range ids {
					args = append(args, id)
				}
				_, err := e.sqlDB.ExecContext(ctx, q, args...)
				return err
			}
		}},
		{"bun-bulk", func(b *testing.B, e *env) func() error {
			e.reset(b, 100)
			var ms []*Model
			if err := e.bun.NewSelect().Model(&ms).Scan(ctx); err != nil {
				b.Fatal(err)
			}
			return func() error {
				for _, m := range ms {
					m.Age++
					m.Counter++
				}
				_, err := e.bun.NewUpdate().Model(&ms).Column("age", "counter").Bulk().Exec(ctx)
				return err
			}
		}},
		{"gorm-tx-loop", func(b *testing.B, e *env) func() error {
			e.reset(b, 100)
			var ms []*Model
			if err := e.gorm.Find(&ms).Error; err != nil {
				b.Fatal(err)
			}
			return func() error {
				return e.gorm.Transaction(func(tx *gorm.DB) error {
					for _, m := range ms {
						m.Age++
						m.Counter++
						if err := tx.Model(m).Updates(map[string]any{"age": m.Age, "counter": m.Counter}).Error; err != nil {
							return err
						}
					}
					return nil
				})
			}
		}},
	}},
}

func insertSQL(e *env, rows int) string {
	var sb strings.Builder
	sb.WriteString(`INSERT INTO "models" (` + columns + `) VALUES `)
	n := 0
	for i := range rows {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(")
		for j := range 7 {
			if j > 0 {
				sb.WriteString(", ")
			}
			n++
			sb.WriteString(e.ph(n))
		}
		sb.WriteString(")")
	}
	sb.WriteString(` RETURNING "id"`)
	return sb.String()
}

func check(got, want int, err error) error {
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("got %d rows; want %d", got, want)
	}
	return nil
}
