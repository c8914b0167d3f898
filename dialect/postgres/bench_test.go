package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/postgres"
)

// BenchModel has the shape of the common ORM benchmark's row: a key and
// seven columns of mixed types.
type BenchModel struct {
	ID      int64
	Name    string
	Title   string
	Fax     string
	Web     string
	Age     int
	Right   bool
	Counter int64
}

func newModel() *BenchModel {
	return &BenchModel{Name: "Orm Benchmark", Title: "Just a Benchmark for fun", Fax: "99909990",
		Web: "http://example.com", Age: 100, Right: true, Counter: 1000}
}

// benchEnv opens our DB and a raw pgx pool on one fresh schema with n rows.
func benchEnv(b *testing.B, n int) (*orm.DB, *pgxpool.Pool, []int64) {
	ctx := context.Background()
	be, schema := openSchema(b)
	db, err := orm.Open(be, orm.Entities(&BenchModel{}))
	if err != nil {
		b.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		b.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, withSearchPath(serverDSN(b), schema))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	s := db.Session()
	ids := make([]int64, n)
	ms := make([]*BenchModel, n)
	for i := range ms {
		ms[i] = newModel()
		s.Persist(ms[i])
	}
	if err := s.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	for i, m := range ms {
		ids[i] = m.ID
	}
	return db, pool, ids
}

// benchEnvStd is benchEnv with our DB on pgx's database/sql driver.
func benchEnvStd(b *testing.B, n int) (*orm.DB, *pgxpool.Pool, []int64) {
	_, pool, ids := benchEnv(b, n)
	db, err := orm.Open(postgres.New(stdlib.OpenDBFromPool(pool)), orm.Entities(&BenchModel{}))
	if err != nil {
		b.Fatal(err)
	}
	return db, pool, ids
}

const cols = `"name", "title", "fax", "web", "age", "right", "counter"`

func BenchmarkPostgres(b *testing.B) {
	ctx := context.Background()
	serverDSN(b)
	b.Run("op=read/impl=orm", func(b *testing.B) {
		db, _, ids := benchEnv(b, 1)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := orm.Repo[BenchModel](db.Session()).Get(ctx, ids[0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=read/impl=orm-database-sql", func(b *testing.B) {
		db, _, ids := benchEnvStd(b, 1)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := orm.Repo[BenchModel](db.Session()).Get(ctx, ids[0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=read/impl=pgx", func(b *testing.B) {
		_, pool, ids := benchEnv(b, 1)
		var m BenchModel
		b.ReportAllocs()
		for b.Loop() {
			err := pool.QueryRow(ctx, `SELECT "id", `+cols+` FROM "bench_model" WHERE "id" = $1`, ids[0]).
				Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter)
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=readslice100/impl=orm", func(b *testing.B) {
		db, _, _ := benchEnv(b, 100)
		b.ReportAllocs()
		for b.Loop() {
			if ms, err := orm.Repo[BenchModel](db.Session()).Find(ctx, orm.Gt("ID", 0), orm.Limit(100)); err != nil || len(ms) != 100 {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=readslice100/impl=orm-database-sql", func(b *testing.B) {
		db, _, _ := benchEnvStd(b, 100)
		b.ReportAllocs()
		for b.Loop() {
			if ms, err := orm.Repo[BenchModel](db.Session()).Find(ctx, orm.Gt("ID", 0), orm.Limit(100)); err != nil || len(ms) != 100 {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=readslice100/impl=pgx", func(b *testing.B) {
		_, pool, _ := benchEnv(b, 100)
		b.ReportAllocs()
		for b.Loop() {
			rows, err := pool.Query(ctx, `SELECT "id", `+cols+` FROM "bench_model" WHERE "id" > $1 LIMIT 100`, 0)
			if err != nil {
				b.Fatal(err)
			}
			var ms []*BenchModel
			for rows.Next() {
				m := new(BenchModel)
				if err := rows.Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter); err != nil {
					b.Fatal(err)
				}
				ms = append(ms, m)
			}
			rows.Close()
		}
	})
	b.Run("op=insert1/impl=orm", func(b *testing.B) {
		db, _, _ := benchEnv(b, 0)
		b.ReportAllocs()
		for b.Loop() {
			s := db.Session()
			s.Persist(newModel())
			if err := s.Flush(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=insert1/impl=pgx", func(b *testing.B) {
		_, pool, _ := benchEnv(b, 0)
		b.ReportAllocs()
		for b.Loop() {
			m := newModel()
			err := pool.QueryRow(ctx, `INSERT INTO "bench_model" (`+cols+`) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING "id"`,
				m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter).Scan(&m.ID)
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=insert100/impl=orm", func(b *testing.B) {
		db, _, _ := benchEnv(b, 0)
		b.ReportAllocs()
		for b.Loop() {
			s := db.Session()
			for range 100 {
				s.Persist(newModel())
			}
			if err := s.Flush(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=insert100/impl=pgx", func(b *testing.B) {
		_, pool, _ := benchEnv(b, 0)
		q := `INSERT INTO "bench_model" (` + cols + `) VALUES `
		for i := range 100 {
			if i > 0 {
				q += ", "
			}
			q += fmt.Sprintf("($%d, $%d, $%d, $%d, $%d, $%d, $%d)", i*7+1, i*7+2, i*7+3, i*7+4, i*7+5, i*7+6, i*7+7)
		}
		q += ` RETURNING "id"`
		b.ReportAllocs()
		for b.Loop() {
			args := make([]any, 0, 700)
			ms := make([]*BenchModel, 100)
			for i := range ms {
				m := newModel()
				ms[i] = m
				args = append(args, m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter)
			}
			rows, err := pool.Query(ctx, q, args...)
			if err != nil {
				b.Fatal(err)
			}
			i := 0
			for rows.Next() {
				rows.Scan(&ms[i].ID)
				i++
			}
			rows.Close()
		}
	})
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("op=update%d/impl=orm", n), func(b *testing.B) {
			db, _, _ := benchEnv(b, n)
			s := db.Session()
			ms, err := orm.Repo[BenchModel](s).Find(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				for _, m := range ms {
					m.Counter++
					m.Age++
				}
				if err := s.Flush(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("op=update%d/impl=pgx-unnest", n), func(b *testing.B) {
			_, pool, ids := benchEnv(b, n)
			ages := make([]int64, n)
			counters := make([]int64, n)
			b.ReportAllocs()
			for b.Loop() {
				for i := range ids {
					ages[i]++
					counters[i]++
				}
				_, err := pool.Exec(ctx, `UPDATE "bench_model" AS t SET "age" = v.age, "counter" = v.counter
					FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS v(id, age, counter) WHERE t."id" = v.id`,
					ids, ages, counters)
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
