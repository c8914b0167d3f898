package orm_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkRaw does what BenchmarkFlush and BenchmarkGet do with hand-written
// statements on the same *sql.DB, for the ratio ours / raw.
func BenchmarkRaw(b *testing.B) {
	ctx := context.Background()
	const cols = `"name", "title", "fax", "web", "age", "right", "counter"`
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("op=insert/rows=%d", n), func(b *testing.B) {
			sqldb := rawDB(b)
			q := `INSERT INTO "bench_model" (` + cols + `) VALUES ` +
				strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?), ", n), ", ") + ` RETURNING "id"`
			b.ReportAllocs()
			for b.Loop() {
				args := make([]any, 0, 7*n)
				for range n {
					args = append(args, "Orm Benchmark", "Just a Benchmark for fun", "99909990", "http://example.com", 100, true, 1000)
				}
				rows, err := sqldb.QueryContext(ctx, q, args...)
				if err != nil {
					b.Fatal(err)
				}
				var id int64
				for rows.Next() {
					rows.Scan(&id)
				}
				rows.Close()
			}
		})
	}
	b.Run("op=get", func(b *testing.B) {
		sqldb := rawDB(b)
		sqldb.ExecContext(ctx, `INSERT INTO "bench_model" (`+cols+`) VALUES ('a','b','c','d',1,1,1)`)
		var m BenchModel
		b.ReportAllocs()
		for b.Loop() {
			err := sqldb.QueryRowContext(ctx, `SELECT "id", `+cols+` FROM "bench_model" WHERE "id" = ?`, 1).
				Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter)
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
