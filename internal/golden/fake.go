package golden

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/unitofwork/orm/internal/sqlconn"
)

// Fake is a connection pool that sends nothing anywhere: it records every
// statement with its arguments, BEGIN, COMMIT and ROLLBACK included, and
// answers with what the case set up.
type Fake struct {
	log []string
	// Results are the rows of the next SELECTs, one set per query, in the
	// order of the entity's columns (and the link column of a read through
	// a pivot); a query past the last set gets no rows.
	Results [][][]any
	// Columns are the column names a raw query (QueryColumns) reports.
	Columns []string
	// Affected is the row count every UPDATE and DELETE reports; 0 means
	// one row.
	Affected int64
	nextID   int64
}

var (
	_ sqlconn.Pool   = (*Fake)(nil)
	_ sqlconn.Pinner = (*Fake)(nil)
)

// Pin hands out the fake itself: pinning a connection sends nothing.
func (f *Fake) Pin(context.Context) (sqlconn.Runner, func(), error) { return f, func() {}, nil }

// savepoint matches the generated savepoint names, which depend on the
// order the tests ran in.
var savepoint = regexp.MustCompile(`orm_sp_[0-9]+`)

func (f *Fake) record(query string, args []any) {
	var b strings.Builder
	b.WriteString(savepoint.ReplaceAllString(query, "orm_sp_N"))
	if len(args) > 0 {
		b.WriteString("\n  -- args:")
		for _, a := range args {
			b.WriteString(" ")
			b.WriteString(formatArg(a))
		}
	}
	f.log = append(f.log, b.String())
}

func formatArg(a any) string {
	switch v := a.(type) {
	case nil:
		return "NULL"
	case string:
		return fmt.Sprintf("%q", v)
	case []byte:
		return fmt.Sprintf("x'%x'", v)
	case [16]byte:
		return fmt.Sprintf("[16]byte(x'%x')", v[:])
	case [][16]byte:
		parts := make([]string, len(v))
		for i, u := range v {
			parts[i] = formatArg(u)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	}
	if rv := reflect.ValueOf(a); rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Pointer {
		parts := make([]string, rv.Len()) // an array with NULLs
		for i := range parts {
			parts[i] = "NULL"
			if e := rv.Index(i); !e.IsNil() {
				parts[i] = formatArg(e.Elem().Interface())
			}
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return fmt.Sprintf("%v", a)
}

// Exec records a statement and reports Affected rows, and a new key.
func (f *Fake) Exec(_ context.Context, query string, args []any) (sqlconn.Result, error) {
	f.record(query, args)
	n := f.Affected
	if n == 0 {
		n = 1
	}
	f.nextID += 1000
	return sqlconn.Result{RowsAffected: n, LastInsertID: f.nextID}, nil
}

// Query records a statement and scans the rows set up for it: new keys for
// an INSERT … RETURNING of the generated key alone (one a VALUES tuple,
// or one a value of the first array), 1 for a server
// variable (SELECT @@auto_increment_increment), else the next of Results.
func (f *Fake) Query(_ context.Context, query string, args []any, dest []any, each func() error) (int64, error) {
	f.record(query, args)
	var rows [][]any
	if strings.HasPrefix(query, "INSERT") && strings.Contains(query, " RETURNING ") && len(dest) == 1 {
		n := strings.Count(query, "), (") + 1
		if strings.Contains(query, " FROM unnest(") && len(args) > 0 {
			n = reflect.ValueOf(args[0]).Len() // rows from arrays: one a value
		}
		for range n {
			f.nextID++
			rows = append(rows, []any{f.nextID})
		}
	} else if strings.HasPrefix(query, "SELECT @@") {
		rows = [][]any{{int64(1)}}
	} else if len(f.Results) > 0 {
		rows, f.Results = f.Results[0], f.Results[1:]
	}
	for n, row := range rows {
		for i, v := range row[:min(len(row), len(dest))] { // a read of the key alone takes a row's first values
			assign(dest[i], v)
		}
		if err := each(); err != nil {
			return int64(n + 1), err
		}
	}
	return int64(len(rows)), nil
}

// QueryColumns records a raw statement and hands it the next of Results,
// under the names in Columns.
func (f *Fake) QueryColumns(_ context.Context, query string, args []any, fn func(sqlconn.ColumnRows) error) error {
	f.record(query, args)
	r := &fakeRows{cols: f.Columns}
	if len(f.Results) > 0 {
		r.rows, f.Results = f.Results[0], f.Results[1:]
	}
	return fn(r)
}

// fakeRows are the rows of a raw query.
type fakeRows struct {
	cols []string
	rows [][]any
	next int
}

func (r *fakeRows) Columns() []string { return r.cols }
func (r *fakeRows) Err() error        { return nil }

func (r *fakeRows) Next() bool {
	r.next++
	return r.next <= len(r.rows)
}

func (r *fakeRows) Scan(dest ...any) error {
	for i, v := range r.rows[r.next-1] {
		assign(dest[i], v)
	}
	return nil
}

// assign stores v into dest, a pointer, as database/sql's scanning would.
func assign(dest, v any) {
	d := reflect.ValueOf(dest).Elem()
	if v == nil {
		d.SetZero()
		return
	}
	rv := reflect.ValueOf(v)
	if d.Kind() == reflect.Interface {
		d.Set(rv)
		return
	}
	d.Set(rv.Convert(d.Type()))
}

// Begin records BEGIN.
func (f *Fake) Begin(_ context.Context, iso stdsql.IsolationLevel, readOnly bool) (sqlconn.Tx, error) {
	s := "BEGIN"
	if iso != 0 {
		s += " ISOLATION " + iso.String()
	}
	if readOnly {
		s += " READ ONLY"
	}
	f.log = append(f.log, s)
	return fakeTx{f}, nil
}

// Close closes nothing.
func (f *Fake) Close() error { return nil }

type fakeTx struct{ *Fake }

func (t fakeTx) Commit(context.Context) error {
	t.log = append(t.log, "COMMIT")
	return nil
}

func (t fakeTx) Rollback(context.Context) error {
	t.log = append(t.log, "ROLLBACK")
	return nil
}
