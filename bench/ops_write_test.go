package bench

import (
	"fmt"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/unitofwork/orm"
)

// updateOne changes two columns of one row, to new values every iteration
// (a tracker rightly sends nothing for unchanged values).
var updateOne = op{"update1", []impl{
	{"orm", func(b *testing.B, e *env) func() error {
		ids := e.reset(b, 1)
		s := e.orm.Session()
		m, err := orm.Repo[Model](s).Get(ctx, ids[0])
		if err != nil {
			b.Fatal(err)
		}
		return bump(m, func(*Model) error { return s.Flush(ctx) })
	}},
	{"pgx", func(b *testing.B, e *env) func() error {
		if e.pool == nil {
			return nil
		}
		return bump(e.one(b), func(m *Model) error {
			_, err := e.pool.Exec(ctx, `UPDATE "models" SET "age" = $1, "counter" = $2 WHERE "id" = $3`, m.Age, m.Counter, m.ID)
			return err
		})
	}},
	{"database-sql", func(b *testing.B, e *env) func() error {
		q := e.q(`UPDATE "models" SET "age" = ` + e.ph(1) + `, "counter" = ` + e.ph(2) + ` WHERE "id" = ` + e.ph(3))
		return bump(e.one(b), func(m *Model) error {
			_, err := e.sqlDB.ExecContext(ctx, q, m.Age, m.Counter, m.ID)
			return err
		})
	}},
	{"bun", func(b *testing.B, e *env) func() error {
		return bump(e.one(b), func(m *Model) error {
			_, err := e.bun.NewUpdate().Model(m).Column("age", "counter").WherePK().Exec(ctx)
			return err
		})
	}},
	{"gorm", func(b *testing.B, e *env) func() error {
		return bump(e.one(b), func(m *Model) error {
			return e.gorm.Model(m).Updates(map[string]any{"age": m.Age, "counter": m.Counter}).Error
		})
	}},
}}

// one resets the table to one row and returns a model with its key.
func (e *env) one(b *testing.B) *Model {
	m := newModel()
	m.ID = e.reset(b, 1)[0]
	return m
}

// bump changes m's age and counter, then writes them with write, each time.
func bump(m *Model, write func(m *Model) error) func() error {
	return func() error {
		m.Age++
		m.Counter++
		return write(m)
	}
}

// updateMany changes two columns of n rows and writes them: the ORM flushes,
// the raw drivers send one hand-written statement (CASE WHEN, a VALUES join,
// pgx's unnest), Bun its Bulk() update, GORM one UPDATE per row in a
// transaction.
func updateMany(n int) op {
	return op{fmt.Sprintf("update%d", n), []impl{
		{"orm", func(b *testing.B, e *env) func() error {
			e.reset(b, n)
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
			ids := e.reset(b, n)
			ages, counters := make([]int64, n), make([]int64, n)
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
			ids := e.reset(b, n)
			q := caseUpdateSQL(e, len(ids))
			k := int64(0)
			return func() error {
				k++
				args := make([]any, 0, 5*len(ids))
				for range 2 {
					for _, id := range ids {
						args = append(args, id, k)
					}
				}
				for _, id := range ids {
					args = append(args, id)
				}
				_, err := e.sqlDB.ExecContext(ctx, q, args...)
				return err
			}
		}},
		{"database-sql-values", func(b *testing.B, e *env) func() error {
			ids := e.reset(b, n)
			q := valuesUpdateSQL(e, len(ids))
			k := int64(0)
			return func() error {
				k++
				args := make([]any, 0, 3*len(ids))
				for _, id := range ids {
					args = append(args, id, k, k)
				}
				_, err := e.sqlDB.ExecContext(ctx, q, args...)
				return err
			}
		}},
		{"bun-bulk", func(b *testing.B, e *env) func() error {
			if e.mysql {
				return nil // Bun's Bulk() sends WITH … UPDATE, a syntax error (1064) on MariaDB
			}
			e.reset(b, n)
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
			e.reset(b, n)
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
	}}
}

// caseUpdateSQL is one UPDATE of rows rows' age and counter with CASE WHEN.
func caseUpdateSQL(e *env, rows int) string {
	var sb strings.Builder
	n := 0
	ph := func() string { n++; return e.ph(n) }
	sb.WriteString(`UPDATE "models" SET "age" = CASE`)
	for range rows {
		sb.WriteString(` WHEN "id" = ` + ph() + " THEN " + ph())
	}
	sb.WriteString(` ELSE "age" END, "counter" = CASE`)
	for range rows {
		sb.WriteString(` WHEN "id" = ` + ph() + " THEN " + ph())
	}
	sb.WriteString(` ELSE "counter" END WHERE "id" IN (`)
	for i := range rows {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(ph())
	}
	sb.WriteString(")")
	return e.q(sb.String())
}

// valuesUpdateSQL is one UPDATE of rows rows joined to a list of (id, age,
// counter) values, in each database's spelling.
func valuesUpdateSQL(e *env, rows int) string {
	var sb strings.Builder
	n := 0
	ph := func(cast string) string { n++; return e.ph(n) + cast }
	switch {
	case e.mysql:
		sb.WriteString(`UPDATE "models" AS t JOIN (`)
		for i := range rows {
			if i > 0 {
				sb.WriteString(" UNION ALL ")
			}
			sb.WriteString("SELECT " + ph("") + ` AS "id", ` + ph("") + ` AS "age", ` + ph("") + ` AS "counter"`)
		}
		sb.WriteString(`) AS v ON t."id" = v."id" SET t."age" = v."age", t."counter" = v."counter"`)
	default:
		cast := ""
		if e.pool != nil {
			cast = "::bigint"
		}
		sb.WriteString(`WITH v("id", "age", "counter") AS (VALUES `)
		for i := range rows {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(" + ph(cast) + ", " + ph(cast) + ", " + ph(cast) + ")")
		}
		sb.WriteString(`) UPDATE "models" AS t SET "age" = v."age", "counter" = v."counter" FROM v WHERE t."id" = v."id"`)
	}
	return e.q(sb.String())
}

// deleteMany deletes n rows by key; each iteration first inserts them with
// the timer stopped.
func deleteMany(n int) op {
	prep := func(b *testing.B, e *env) (s *orm.Session, ms []*Model, ids []int64) {
		e.pause(b, func() { s, ms, ids = e.seed(b, n) })
		return s, ms, ids
	}
	return op{fmt.Sprintf("delete%d", n), []impl{
		{"orm", func(b *testing.B, e *env) func() error {
			e.reset(b, 0)
			return func() error {
				s, ms, _ := prep(b, e)
				for _, m := range ms {
					if err := s.Remove(m); err != nil {
						return err
					}
				}
				return s.Flush(ctx)
			}
		}},
		{"pgx", func(b *testing.B, e *env) func() error {
			if e.pool == nil {
				return nil
			}
			e.reset(b, 0)
			return func() error {
				_, _, ids := prep(b, e)
				_, err := e.pool.Exec(ctx, `DELETE FROM "models" WHERE "id" = ANY($1)`, ids)
				return err
			}
		}},
		{"database-sql", func(b *testing.B, e *env) func() error {
			e.reset(b, 0)
			q := e.q(`DELETE FROM "models" WHERE "id" IN (` + placeholders(e, 1, n) + ")")
			return func() error {
				_, _, ids := prep(b, e)
				args := make([]any, len(ids))
				for i, id := range ids {
					args[i] = id
				}
				_, err := e.sqlDB.ExecContext(ctx, q, args...)
				return err
			}
		}},
		{"bun", func(b *testing.B, e *env) func() error {
			e.reset(b, 0)
			return func() error {
				_, ms, _ := prep(b, e)
				_, err := e.bun.NewDelete().Model(&ms).WherePK().Exec(ctx)
				return err
			}
		}},
		{"gorm", func(b *testing.B, e *env) func() error {
			e.reset(b, 0)
			return func() error {
				_, _, ids := prep(b, e)
				return e.gorm.Delete(&Model{}, ids).Error
			}
		}},
	}}
}

// placeholders lists n placeholders numbered from first.
func placeholders(e *env, first, n int) string {
	var sb strings.Builder
	for i := range n {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(e.ph(first + i))
	}
	return sb.String()
}
