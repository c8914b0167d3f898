package mysql_test

import (
	stdsql "database/sql"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/unitofwork/orm/dialect/mysql"
)

// FuzzQuotedIdentifier: whatever an identifier holds, the server reads the
// quoted form back as exactly that identifier (no way out of the quotes).
func FuzzQuotedIdentifier(f *testing.F) {
	for _, s := range []string{"user", "a`b", "`; DROP TABLE t; --", "``", "\\`", "x y", "ü", "````", "?", `\'`} {
		f.Add(s)
	}
	db, err := stdsql.Open("mysql", serverDSN(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	f.Fuzz(func(t *testing.T, name string) {
		if name == "" || utf8.RuneCountInString(name) > 64 || strings.ContainsRune(name, 0) || !utf8.ValidString(name) ||
			strings.ContainsFunc(name, func(r rune) bool { return r > 0xFFFF }) {
			t.Skip("MySQL identifiers are 1 to 64 characters of the Basic Multilingual Plane without NUL")
		}
		q := string(mysql.Dialect{}.AppendIdent(nil, name))
		var one, two int
		if err := db.QueryRow("SELECT 1 AS "+q+", 2 AS x").Scan(&one, &two); err != nil || one != 1 || two != 2 {
			t.Fatalf("SELECT 1 AS %s, 2 AS x = %d, %d, %v; want 1, 2", q, one, two, err)
		}
		if first, _ := utf8.DecodeRuneInString(name); unicode.IsSpace(first) || unicode.IsControl(first) {
			return // the server drops leading spaces and control characters from an alias ("\x7f" comes back as "")
		}
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
