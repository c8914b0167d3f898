package sql

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/jmoiron/sqlx/reflectx"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
	"github.com/unitofwork/orm/internal/sqlconn"
)

// Exec runs a raw statement in the Session s and returns the number of rows
// it affected. Inside [orm.Session.Transaction] it runs in the Session's
// transaction, so it commits or rolls back with it; elsewhere it runs on
// its own, on the pool. Write placeholders as ?, one per argument; they
// become the dialect's own ($1 on PostgreSQL). Every ? is a placeholder,
// even inside a string literal: pass such text as an argument.
//
// The query hook and logger see the statement as they see the ORM's, and
// its errors are classified as theirs are: a constraint violation is an
// [*orm.ConstraintError], a deadlock or serialization failure matches
// [orm.ErrRetryable], a write inside a [orm.ReadOnly] transaction matches
// [orm.ErrReadOnly], and a connection lost while a statement outside a
// transaction was in flight is an [*orm.CommitUnknownError]; driver errors
// are wrapped.
//
// Exec bypasses the Unit of Work: it does not flush the Session first (the
// statement does not see changes not yet flushed; call Flush before it when
// it should), and entities the Session manages are not brought up to date
// with what it changed. On PostgreSQL a failed statement inside a
// transaction aborts the transaction, as any failed statement there does:
// return its error from the transaction's function. A Session whose DB is
// not on a SQL backend (MongoDB) gets an error, and so does a call made
// while another call on the Session runs ([orm.ErrConcurrentUse]).
func Exec(ctx context.Context, s *orm.Session, query string, args ...any) (int64, error) {
	var n int64
	err := inSession(s, "Exec", query, args, func(b *engine, sc backend.Scope, st stmt) error {
		if sc.Tx == nil {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var err error
		n, err = b.exec(ctx, sc, b.conn(sc), st.text, st.args)
		if sc.Tx != nil {
			return b.inTx(err)
		}
		return b.autocommitted(ctx, err)
	})
	return n, err
}

// Select runs a raw query in the Session s, as [Exec] runs a statement (in
// its transaction inside Transaction, seen by the query hook, errors
// classified, ? placeholders), and scans every row into a T. It is meant
// for reports and aggregates that are not entities: the rows it returns
// are not tracked by the Session, and it does not flush it first.
//
// A struct T is scanned by column name, as sqlx does: a field's column is
// its `db` tag, else the snake_case of its name, as for entities; the
// fields of embedded structs count as T's own. Every column the query
// returns must have a field (an error names the column and T otherwise);
// fields without a column keep their zero value. Any other T — a number, a
// string, []byte, time.Time, or a type with a Scan method, struct or not —
// is scanned from the query's one column:
//
//	n, err := sql.Select[int64](ctx, s, `SELECT COUNT(*) FROM car WHERE for_sale = ?`, true)
//
// A query that returns no rows returns a nil slice and no error, as
// [orm.Repository.Find] does.
//
//	type total struct {
//		Owner string
//		Cars  int
//	}
//	rows, err := sql.Select[total](ctx, s, `SELECT u.name AS owner, COUNT(*) AS cars
//		FROM car c JOIN "user" u ON u.id = c.owner_id GROUP BY u.name HAVING COUNT(*) > ?`, 1)
func Select[T any](ctx context.Context, s *orm.Session, query string, args ...any) ([]T, error) {
	var out []T
	err := inSession(s, "Select", query, args, func(b *engine, sc backend.Scope, st stmt) error {
		err := b.queryColumns(ctx, sc, st, func(rows sqlconn.ColumnRows) error {
			sp, err := scanPlanOf(reflect.TypeFor[T](), rows.Columns())
			if err != nil {
				return err
			}
			var zero T
			for rows.Next() {
				out = append(out, zero)
				if err := sp.scan(rows, reflect.ValueOf(&out[len(out)-1]).Elem()); err != nil {
					return err
				}
			}
			return rows.Err()
		})
		if sc.Tx != nil {
			return b.inTx(err)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// inSession compiles a raw statement and runs fn with it on the engine and
// scope of the Session s, which is marked busy meanwhile. A query hook's
// panic goes on once the Session is free again.
func inSession(s *orm.Session, op, query string, args []any, fn func(b *engine, sc backend.Scope, st stmt) error) error {
	if n := strings.Count(query, "?"); n != len(args) {
		return fmt.Errorf("orm: sql.%s(%q): %d placeholders for %d arguments", op, query, n, len(args))
	}
	impl, sc, done, err := backend.SessionScope(s)
	if err != nil {
		return err
	}
	defer done()
	b, ok := impl.(*engine)
	if !ok {
		return fmt.Errorf("orm: sql.%s: the Session's DB is not on a SQL backend (its backend is a %T)", op, impl)
	}
	err = fn(b, sc, (&builder{d: b.d}).raw(query, args).stmt())
	var hp *backend.HookPanic
	if errors.As(err, &hp) {
		panic(hp.Value)
	}
	return err
}

// queryColumns runs a raw query and calls fn with its rows, as query runs
// the ORM's.
func (b *engine) queryColumns(ctx context.Context, s backend.Scope, st stmt, fn func(sqlconn.ColumnRows) error) error {
	c := b.conn(s)
	if err := refused(c); err != nil {
		return err
	}
	start := backend.Now(s.Env)
	rows := &countedRows{}
	err := c.QueryColumns(ctx, st.text, st.args, func(r sqlconn.ColumnRows) error {
		rows.ColumnRows = r
		return fn(rows)
	})
	err = b.observed(ctx, s.Env, st.text, st.args, rows.n, start, err)
	b.ended(c, err)
	return err
}

// countedRows counts the rows read, for the query hook.
type countedRows struct {
	sqlconn.ColumnRows
	n int64
}

func (r *countedRows) Next() bool {
	if r.ColumnRows.Next() {
		r.n++
		return true
	}
	return false
}

// mapper finds the field of a column in the T of Select: the `db` tag, else
// the snake_case of the name. It caches what it learns of each type, for
// every call.
var mapper = reflectx.NewMapperFunc("db", meta.SnakeCase)

var (
	scannerType = reflect.TypeFor[stdsql.Scanner]()
	timeType    = reflect.TypeFor[time.Time]()
)

// scanPlan is how Select scans the rows of one query into a T: the index
// path of each column's field, or nil paths when T takes the one column
// itself.
type scanPlan struct {
	paths [][]int
	dest  []any
}

// scanPlanOf maps the columns of a query to the fields of t.
func scanPlanOf(t reflect.Type, cols []string) (*scanPlan, error) {
	whole := t.Kind() != reflect.Struct || t == timeType || reflect.PointerTo(t).Implements(scannerType)
	if whole {
		if len(cols) != 1 {
			return nil, fmt.Errorf("orm: sql.Select[%s]: the query returns %d columns (%s); a %s takes one, or use a struct with a field for each", t, len(cols), strings.Join(cols, ", "), t)
		}
		return &scanPlan{dest: make([]any, 1)}, nil
	}
	paths := mapper.TraversalsByName(t, cols)
	for i, p := range paths {
		if len(p) == 0 {
			return nil, fmt.Errorf("orm: sql.Select[%s]: column %q has no field in %s (tag one db:%q, or rename the column with AS)", t, cols[i], t, cols[i])
		}
		if f, ok := unsettable(t, p); ok {
			return nil, fmt.Errorf("orm: sql.Select[%s]: column %q is in a struct embedded by the unexported pointer %s, which cannot be allocated (export it, or embed the struct by value)", t, cols[i], f)
		}
	}
	return &scanPlan{paths: paths, dest: make([]any, len(cols))}, nil
}

// unsettable returns the name of the unexported embedded pointer the
// index path p of t goes through, if any: reflection cannot allocate it.
func unsettable(t reflect.Type, p []int) (string, bool) {
	for _, i := range p[:len(p)-1] {
		f := t.Field(i)
		if f.Type.Kind() == reflect.Pointer && !f.IsExported() {
			return f.Name, true
		}
		t = f.Type
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
	}
	return "", false
}

// scan scans the current row into v, a T.
func (sp *scanPlan) scan(rows sqlconn.Rows, v reflect.Value) error {
	if sp.paths == nil {
		sp.dest[0] = v.Addr().Interface()
	} else {
		for i, p := range sp.paths {
			sp.dest[i] = reflectx.FieldByIndexes(v, p).Addr().Interface()
		}
	}
	if err := rows.Scan(sp.dest...); err != nil {
		return fmt.Errorf("orm: sql.Select[%s]: %w", v.Type(), err)
	}
	return nil
}
