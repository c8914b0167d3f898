package sql

import (
	"context"

	"github.com/jmoiron/sqlx"
	"github.com/jmoiron/sqlx/reflectx"

	"github.com/unitofwork/orm/internal/meta"
)

// Select runs a raw query on the backend's database and scans every row into
// a T by column name, with sqlx's struct scanning: a field's column is its
// `db` tag, else the snake_case of its name, as for entities. Write
// placeholders as ?; they become the dialect's own. It is meant for reports
// and aggregates that are not entities: rows it returns are not tracked by
// any Session, and it runs outside any Session's transaction.
//
//	type total struct {
//		Owner string
//		Cars  int
//	}
//	rows, err := sql.Select[total](ctx, b, `SELECT u.name AS owner, COUNT(*) AS cars
//		FROM car c JOIN "user" u ON u.id = c.owner_id GROUP BY u.name HAVING COUNT(*) > ?`, 1)
func Select[T any](ctx context.Context, pb *Backend, query string, args ...any) ([]T, error) {
	b := pb.e
	db := sqlx.NewDb(b.db, b.d.Name())
	db.Mapper = reflectx.NewMapperFunc("db", meta.SnakeCase)
	sb := (&builder{d: b.d}).raw(query, args)
	var out []T
	if err := db.SelectContext(ctx, &out, sb.String(), sb.args...); err != nil {
		return nil, b.wrap(err)
	}
	return out, nil
}
