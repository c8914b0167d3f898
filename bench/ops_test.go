package bench

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/unitofwork/orm"
)

var ctx = context.Background()

// op is one operation with its implementations.
type op struct {
	name  string
	impls []impl
}

// ops are the operations, in the order they run.
var ops = []op{
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
			q := e.q(`SELECT "id", ` + columns + ` FROM "models" WHERE "id" = ` + e.ph(1))
			return func() error {
				var m Model
				return e.sqlDB.QueryRowContext(ctx, q, ids[0]).
					Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter)
			}
		}},
		{"sqlx", func(b *testing.B, e *env) func() error {
			ids := e.reset(b, 1)
			q := e.q(`SELECT "id", ` + columns + ` FROM "models" WHERE "id" = ` + e.ph(1))
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
			return readModels(100, func() (rows, func(), error) {
				r, err := e.pool.Query(ctx, `SELECT "id", `+columns+` FROM "models" WHERE "id" > $1 LIMIT 100`, 0)
				return r, func() { r.Close() }, err
			})
		}},
		{"database-sql", func(b *testing.B, e *env) func() error {
			e.reset(b, 100)
			q := e.q(`SELECT "id", ` + columns + ` FROM "models" WHERE "id" > ` + e.ph(1) + ` LIMIT 100`)
			return readModels(100, func() (rows, func(), error) {
				r, err := e.sqlDB.QueryContext(ctx, q, 0)
				return r, func() { r.Close() }, err
			})
		}},
		{"sqlx", func(b *testing.B, e *env) func() error {
			e.reset(b, 100)
			q := e.q(`SELECT "id", ` + columns + ` FROM "models" WHERE "id" > ` + e.ph(1) + ` LIMIT 100`)
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
}

func init() {
	ops = append(ops, insertMany(100), insertMany(1000), updateOne, updateMany(100), updateMany(1000), deleteMany(100), populate, getManaged, cleanFlush(10000))
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
	return e.q(sb.String())
}

// rows is what pgx and database/sql results have in common.
type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// readModels reads the n models query returns, each into a new Model.
func readModels(n int, query func() (rows, func(), error)) func() error {
	return func() error {
		rs, closeRows, err := query()
		if err != nil {
			return err
		}
		defer closeRows()
		var ms []*Model
		for rs.Next() {
			m := new(Model)
			if err := rs.Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter); err != nil {
				return err
			}
			ms = append(ms, m)
		}
		return check(len(ms), n, rs.Err())
	}
}

// insertReturning inserts n new models with one multi-row INSERT …
// RETURNING sent through query, and reads their keys back.
func insertReturning(n int, query func(args []any) (rows, func(), error)) func() error {
	return func() error {
		args := make([]any, 0, 7*n)
		ms := make([]*Model, n)
		for i := range ms {
			m := newModel()
			ms[i] = m
			args = append(args, m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter)
		}
		rs, closeRows, err := query(args)
		if err != nil {
			return err
		}
		defer closeRows()
		i := 0
		for rs.Next() {
			if err := rs.Scan(&ms[i].ID); err != nil {
				return err
			}
			i++
		}
		return check(i, n, rs.Err())
	}
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

// insertMany inserts n new rows and reads their keys back: the ORM flushes
// n Persists, the raw drivers send one multi-row INSERT … RETURNING (pgx
// also unnest arrays, and COPY, which returns no keys), Bun and GORM their
// batch inserts.
func insertMany(n int) op {
	return op{fmt.Sprintf("insert%d", n), []impl{
		{"orm", func(b *testing.B, e *env) func() error {
			e.reset(b, 0)
			return func() error {
				s := e.orm.Session()
				for range n {
					s.Persist(newModel())
				}
				return s.Flush(ctx)
			}
		}},
		{"pgx", func(b *testing.B, e *env) func() error {
			if e.pool == nil {
				return nil
			}
			e.reset(b, 0)
			q := insertSQL(e, n)
			return insertReturning(n, func(args []any) (rows, func(), error) {
				r, err := e.pool.Query(ctx, q, args...)
				return r, func() { r.Close() }, err
			})
		}},
		{"pgx-unnest", func(b *testing.B, e *env) func() error {
			if e.pool == nil {
				return nil
			}
			e.reset(b, 0)
			q := `INSERT INTO "models" (` + columns + `) SELECT "name", "title", "fax", "web", "age", "right", "counter"
				FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::boolean[], $7::bigint[])
				WITH ORDINALITY AS v("name", "title", "fax", "web", "age", "right", "counter", "n") ORDER BY "n" RETURNING "id"`
			return func() error {
				ms := make([]*Model, n)
				var names, titles, faxes, webs []string
				var ages, counters []int64
				var rights []bool
				for i := range ms {
					m := newModel()
					ms[i] = m
					names, titles, faxes, webs = append(names, m.Name), append(titles, m.Title), append(faxes, m.Fax), append(webs, m.Web)
					ages, rights, counters = append(ages, int64(m.Age)), append(rights, m.Right), append(counters, m.Counter)
				}
				r, err := e.pool.Query(ctx, q, names, titles, faxes, webs, ages, rights, counters)
				if err != nil {
					return err
				}
				defer r.Close()
				i := 0
				for r.Next() {
					if err := r.Scan(&ms[i].ID); err != nil {
						return err
					}
					i++
				}
				return check(i, n, r.Err())
			}
		}},
		{"pgx-copy", func(b *testing.B, e *env) func() error {
			if e.pool == nil {
				return nil
			}
			e.reset(b, 0)
			cols := []string{"name", "title", "fax", "web", "age", "right", "counter"}
			return func() error {
				rows := make([][]any, n)
				for i := range rows {
					m := newModel()
					rows[i] = []any{m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter}
				}
				copied, err := e.pool.CopyFrom(ctx, pgx.Identifier{"models"}, cols, pgx.CopyFromRows(rows))
				return check(int(copied), n, err)
			}
		}},
		{"database-sql", func(b *testing.B, e *env) func() error {
			e.reset(b, 0)
			q := insertSQL(e, n)
			return insertReturning(n, func(args []any) (rows, func(), error) {
				r, err := e.sqlDB.QueryContext(ctx, q, args...)
				return r, func() { r.Close() }, err
			})
		}},
		{"bun", func(b *testing.B, e *env) func() error {
			e.reset(b, 0)
			return func() error {
				ms := make([]*Model, n)
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
				ms := make([]*Model, n)
				for i := range ms {
					ms[i] = newModel()
				}
				return e.gorm.Create(&ms).Error
			}
		}},
	}}
}
