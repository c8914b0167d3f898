package bench

import (
	"fmt"
	"strings"
	"testing"

	"github.com/unitofwork/orm"
)

func init() {
	ops = append(ops, findIn(100), findIn(100_000))
}

// inKeys stores 1,000 models and returns n keys: 100 of them stored, the
// others missing.
func inKeys(b *testing.B, e *env, n int) []int64 {
	ids := e.reset(b, 1000)
	keys := make([]int64, 0, n)
	for i := range 100 {
		keys = append(keys, ids[i*10])
	}
	for i := len(keys); i < n; i++ {
		keys = append(keys, int64(10_000_000+i))
	}
	return keys
}

// findIn reads the 100 models whose keys are among n values: a short list
// binds one parameter a value; a long one is more than SQLite (32,766),
// PostgreSQL and MySQL (65,535) take, so the raw drivers send it as one
// array (pgx) or JSON argument, as the ORM does.
func findIn(n int) op {
	return op{fmt.Sprintf("findIn%d", n), []impl{
		{"orm", func(b *testing.B, e *env) func() error {
			keys := inKeys(b, e, n)
			return func() error {
				ms, err := orm.Repo[Model](e.orm.Session()).Find(ctx, orm.In("ID", keys))
				return check(len(ms), 100, err)
			}
		}},
		{"pgx", func(b *testing.B, e *env) func() error {
			if e.pool == nil {
				return nil
			}
			keys := inKeys(b, e, n)
			return readModels(100, func() (rows, func(), error) {
				r, err := e.pool.Query(ctx, `SELECT "id", `+columns+` FROM "models" WHERE "id" = ANY($1)`, keys)
				return r, func() { r.Close() }, err
			})
		}},
		{"database-sql", func(b *testing.B, e *env) func() error {
			keys := inKeys(b, e, n)
			q, args := rawIn(e, keys)
			return readModels(100, func() (rows, func(), error) {
				r, err := e.sqlDB.QueryContext(ctx, q, args...)
				return r, func() { r.Close() }, err
			})
		}},
	}}
}

// rawIn is the SELECT of the models with keys, as a hand-written program
// would send it: IN (…) for a short list, one list argument for a long one.
func rawIn(e *env, keys []int64) (string, []any) {
	sel := `SELECT "id", ` + columns + ` FROM "models" WHERE "id" `
	if len(keys) <= 100 {
		args := make([]any, len(keys))
		for i, k := range keys {
			args[i] = k
		}
		return e.q(sel + "IN (" + placeholders(e, 1, len(keys)) + ")"), args
	}
	var sb strings.Builder
	sb.WriteByte('[')
	for i, k := range keys {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprint(&sb, k)
	}
	sb.WriteByte(']')
	switch e.name {
	case "postgres":
		return sel + "= ANY($1)", []any{keys}
	case "mariadb":
		return e.q(sel + `IN (SELECT v FROM JSON_TABLE(?, '$[*]' COLUMNS (v BIGINT PATH '$')) AS j)`), []any{sb.String()}
	}
	return sel + "IN (SELECT value FROM json_each(?))", []any{sb.String()}
}
