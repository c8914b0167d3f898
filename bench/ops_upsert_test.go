package bench

import (
	"fmt"
	"strings"
	"testing"

	"gorm.io/gorm/clause"

	"github.com/unitofwork/orm"
)

func init() {
	ops = append(ops, upsertMany(100))
}

// upsertBatches stores n/2 models and returns the batches an upsert of n
// rows writes, one a call: the first half carry the keys of the stored
// rows, the second half keys never used before, so every batch updates n/2
// rows and inserts n/2; every value the rows take differs from the last
// batch's.
func upsertBatches(b *testing.B, e *env, n int) func() []*Model {
	ids := e.reset(b, n/2)
	next := ids[len(ids)-1] + 1
	k := 0
	return func() []*Model {
		k++
		ms := make([]*Model, n)
		for i := range ms {
			m := newModel()
			if i < len(ids) {
				m.ID = ids[i]
			} else {
				m.ID = next
				next++
			}
			m.Age, m.Counter, m.Right = k, int64(k), k%2 == 0
			ms[i] = m
		}
		return ms
	}
}

// upsertMany upserts n rows by key, half of them stored, half new: the ORM
// with UpsertMany in a fresh Session, as a request would; the raw drivers
// with one hand-written INSERT … ON CONFLICT (MariaDB: ON DUPLICATE KEY
// UPDATE) returning every column, which is what the ORM reads back; Bun
// and GORM with their upserts, returning what they return (the key).
//
// On PostgreSQL the ORM also moves the key's sequence past the explicit
// keys, so that a later Persist does not draw a key already taken: one
// more column of RETURNING (setvalColumn); pgx-setval sends that
// statement by hand.
func upsertMany(n int) op {
	return op{fmt.Sprintf("upsert%d", n), []impl{
		{"orm", func(b *testing.B, e *env) func() error {
			batch := upsertBatches(b, e, n)
			return func() error {
				ms, err := orm.Repo[Model](e.orm.Session()).UpsertMany(ctx, batch())
				return check(len(ms), n, err)
			}
		}},
		{"pgx", func(b *testing.B, e *env) func() error {
			if e.pool == nil {
				return nil
			}
			batch, q := upsertBatches(b, e, n), upsertSQL(e, n)
			return readModels(n, func() (rows, func(), error) {
				r, err := e.pool.Query(ctx, q, upsertArgs(batch())...)
				return r, func() { r.Close() }, err
			})
		}},
		{"pgx-setval", func(b *testing.B, e *env) func() error {
			if e.pool == nil {
				return nil
			}
			batch, q := upsertBatches(b, e, n), upsertSQL(e, n)+fmt.Sprintf(setvalColumn, 8*n+1, 8*n+2, 8*n+3)
			return func() error {
				ms := batch()
				args := append(upsertArgs(ms), `"models"`, "id", ms[n-1].ID)
				return readModels(n, func() (rows, func(), error) {
					r, err := e.pool.Query(ctx, q, args...)
					return extraColumn{r}, func() { r.Close() }, err
				})()
			}
		}},
		{"database-sql", func(b *testing.B, e *env) func() error {
			batch, q := upsertBatches(b, e, n), upsertSQL(e, n)
			return readModels(n, func() (rows, func(), error) {
				r, err := e.sqlDB.QueryContext(ctx, q, upsertArgs(batch())...)
				return r, func() { r.Close() }, err
			})
		}},
		{"bun", func(b *testing.B, e *env) func() error {
			batch := upsertBatches(b, e, n)
			on := "CONFLICT (id) DO UPDATE"
			if e.mysql {
				on = "DUPLICATE KEY UPDATE"
			}
			return func() error {
				ms := batch()
				_, err := e.bun.NewInsert().Model(&ms).On(on).Exec(ctx)
				return err
			}
		}},
		{"gorm", func(b *testing.B, e *env) func() error {
			batch := upsertBatches(b, e, n)
			return func() error {
				ms := batch()
				return e.gorm.Clauses(clause.OnConflict{UpdateAll: true}).Create(&ms).Error
			}
		}},
	}}
}

// setvalColumn is the last column an upsert of explicit keys returns on
// PostgreSQL, as the ORM writes it: the move of the key's serial sequence
// past the largest key ($3), a scalar subquery evaluated once.
const setvalColumn = `, (SELECT setval(pg_get_serial_sequence($%[1]d, $%[2]d), $%[3]d) WHERE $%[3]d >= nextval(pg_get_serial_sequence($%[1]d, $%[2]d)))`

// extraColumn reads rows with one more column than the caller scans, and
// ignores it.
type extraColumn struct{ rows }

func (r extraColumn) Scan(dest ...any) error { return r.rows.Scan(append(dest, new(any))...) }

// upsertArgs are the bind parameters of upsertSQL for ms.
func upsertArgs(ms []*Model) []any {
	args := make([]any, 0, 8*len(ms))
	for _, m := range ms {
		args = append(args, m.ID, m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter)
	}
	return args
}

// upsertSQL is the insert-or-update by key of rows models, every column
// given, updated and returned.
func upsertSQL(e *env, rows int) string {
	var sb strings.Builder
	sb.WriteString(`INSERT INTO "models" ("id", ` + columns + `) VALUES `)
	for i := range rows {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(" + placeholders(e, 8*i+1, 8) + ")")
	}
	if e.mysql {
		sb.WriteString(" ON DUPLICATE KEY UPDATE ")
	} else {
		sb.WriteString(` ON CONFLICT ("id") DO UPDATE SET `)
	}
	for i, c := range strings.Split(columns, ", ") {
		if i > 0 {
			sb.WriteString(", ")
		}
		if e.mysql {
			sb.WriteString(c + " = VALUES(" + c + ")")
		} else {
			sb.WriteString(c + " = excluded." + c)
		}
	}
	sb.WriteString(` RETURNING "id", ` + columns)
	return e.q(sb.String())
}
