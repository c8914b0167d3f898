package sqlite_test

import (
	"context"
	stdsql "database/sql"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/sqlite"
	"github.com/unitofwork/orm/ormtest"
)

// FuzzQuotedIdentifier: whatever an identifier holds, quoting it yields
// that identifier and nothing else (no way out of the quotes).
func FuzzQuotedIdentifier(f *testing.F) {
	for _, s := range []string{"user", `a"b`, `"; DROP TABLE t; --`, "``", `\"`, "x y", "ü", `""""`} {
		f.Add(s)
	}
	db, err := stdsql.Open("sqlite", ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	f.Fuzz(func(t *testing.T, name string) {
		if name == "" || strings.ContainsRune(name, 0) || !utf8.ValidString(name) {
			t.Skip("SQLite identifiers are non-empty UTF-8 without NUL")
		}
		q := string(sqlite.Dialect{}.AppendIdent(nil, name))
		rows, err := db.Query("SELECT 1 AS " + q)
		if err != nil {
			t.Fatalf("SELECT 1 AS %s: %v", q, err)
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil || len(cols) != 1 || cols[0] != name {
			t.Fatalf("quoted %q came back as %q, %v", name, cols, err)
		}
	})
}

// Note is a row whose text the fuzzer chooses.
type Note struct {
	ID   int64
	Text string
}

// FuzzValuesAreData: any text stored and looked up through filters is data:
// it round-trips, and Eq finds exactly its row.
func FuzzValuesAreData(f *testing.F) {
	for _, s := range []string{"x'); DROP TABLE note; --", "' OR '1'='1", "%", "_", "?", "$1", "\\", "a\x00b", "\xff"} {
		f.Add(s)
	}
	ctx := context.Background()
	db := noteDB(f)
	f.Fuzz(func(t *testing.T, text string) {
		s := db.Session()
		n := &Note{Text: text}
		s.Persist(n, &Note{Text: text + "!"})
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := orm.Repo[Note](db.Session()).Find(ctx, orm.And(orm.Eq("Text", text), orm.Gte("ID", n.ID)))
		if err != nil || len(got) != 1 || got[0].ID != n.ID || got[0].Text != text {
			t.Fatalf("Eq(Text, %q) = %v, %v; want only note %d", text, got, err, n.ID)
		}
		if c, err := orm.Repo[Note](db.Session()).Count(ctx, orm.Gte("ID", n.ID)); err != nil || c != 2 {
			t.Fatalf("table damaged: %d rows, %v", c, err)
		}
	})
}

// FuzzOrderBy: a field name from outside is either a field of the entity or
// an error, and never reaches the database.
func FuzzOrderBy(f *testing.F) {
	for _, s := range []string{"Text", "-Text", "text", "Text; DROP TABLE note", "ID desc", "-", "1", "(SELECT 1)"} {
		f.Add(s)
	}
	ctx := context.Background()
	var rec ormtest.Recorder
	db := noteDB(f, rec.Hook())
	f.Fuzz(func(t *testing.T, field string) {
		rec.Reset()
		_, err := orm.Repo[Note](db.Session()).Find(ctx, nil, orm.OrderBy(field))
		known := map[string]bool{"ID": true, "-ID": true, "Text": true, "-Text": true}
		switch {
		case known[field] && err != nil:
			t.Fatalf("OrderBy(%q): %v", field, err)
		case !known[field] && err == nil:
			t.Fatalf("OrderBy(%q) was accepted", field)
		case !known[field] && len(rec.Statements()) != 0:
			t.Fatalf("OrderBy(%q) sent %q", field, rec.Statements())
		}
	})
}

// FuzzFilter drives the filter compiler with names, operators and values
// from outside: a name that is not a field is an error with nothing sent;
// a filter on a field either fails before sending or finds exactly the rows
// the same condition picks out in Go.
func FuzzFilter(f *testing.F) {
	f.Add("Text", uint8(0), "b'", int64(2))
	f.Add("ID", uint8(3), "", int64(-1))
	f.Add("Text; --", uint8(4), "x", int64(0))
	f.Add("Text", uint8(6), "%", int64(9))
	ctx := context.Background()
	var rec ormtest.Recorder
	db := noteDB(f, rec.Hook())
	s := db.Session()
	var notes []*Note
	for _, text := range []string{"a", "b'", `c"`, "-- d", "%", "é"} {
		n := &Note{Text: text}
		s.Persist(n)
		notes = append(notes, n)
	}
	if err := s.Flush(ctx); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, field string, op uint8, text string, num int64) {
		var filter orm.Filter
		var match func(n *Note) bool // nil: no reference to compare with
		isText, isID := field == "Text", field == "ID"
		switch op % 8 {
		case 0:
			filter = orm.Eq(field, text)
			if isText {
				match = func(n *Note) bool { return n.Text == text }
			}
		case 1:
			filter = orm.Ne(field, num)
			if isID {
				match = func(n *Note) bool { return n.ID != num }
			}
		case 2:
			filter = orm.Gt(field, num)
			if isID {
				match = func(n *Note) bool { return n.ID > num }
			}
		case 3:
			filter = orm.Lte(field, num)
			if isID {
				match = func(n *Note) bool { return n.ID <= num }
			}
		case 4:
			filter = orm.In(field, text, text+"'")
			if isText {
				match = func(n *Note) bool { return n.Text == text || n.Text == text+"'" }
			}
		case 5:
			filter = orm.Not(orm.Eq(field, text))
			if isText {
				match = func(n *Note) bool { return n.Text != text }
			}
		case 6:
			filter = orm.Like(field, text)
		case 7:
			filter = orm.Or(orm.Eq(field, text), orm.Lt("ID", num))
			if isText {
				match = func(n *Note) bool { return n.Text == text || n.ID < num }
			}
		}
		rec.Reset()
		got, err := orm.Repo[Note](db.Session()).Find(ctx, filter, orm.OrderBy("ID"))
		switch {
		case !isText && !isID && err == nil:
			t.Fatalf("a filter on %q, not a field, was accepted", field)
		case err != nil && len(rec.Statements()) != 0:
			t.Fatalf("a refused filter (%v) sent %q", err, rec.Statements())
		case match != nil && err != nil:
			t.Fatalf("filter %d on %s: %v", op%8, field, err)
		case match != nil:
			var want []int64
			for _, n := range notes {
				if match(n) {
					want = append(want, n.ID)
				}
			}
			var ids []int64
			for _, n := range got {
				ids = append(ids, n.ID)
			}
			if !slices.Equal(ids, want) {
				t.Fatalf("filter %d on %s (%q, %d) found %v; want %v", op%8, field, text, num, ids, want)
			}
		}
	})
}

// noteDB opens an in-memory database for Note with opts.
func noteDB(f *testing.F, opts ...orm.Option) *orm.DB {
	b, err := sqlite.Open(context.Background(), ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	db, err := orm.Open(b, append([]orm.Option{orm.Entities(&Note{})}, opts...)...)
	if err != nil {
		f.Fatal(err)
	}
	if err := db.CreateSchema(context.Background()); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	return db
}
