package sqlite_test

import (
	"context"
	stdsql "database/sql"
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
	b, err := sqlite.Open(":memory:")
	if err != nil {
		f.Fatal(err)
	}
	db, err := orm.Open(b, orm.Entities(&Note{}))
	if err != nil {
		f.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
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
	b, err := sqlite.Open(":memory:")
	if err != nil {
		f.Fatal(err)
	}
	db, err := orm.Open(b, orm.Entities(&Note{}), rec.Hook())
	if err != nil {
		f.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
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
