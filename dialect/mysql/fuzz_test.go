package mysql_test

import (
	stdsql "database/sql"
	"strings"
	"testing"
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
			strings.TrimLeft(name, " \t\n\r") != name {
			t.Skip("MySQL identifiers are 1 to 64 characters of valid text without NUL, and lose leading spaces")
		}
		q := string(mysql.Dialect{}.AppendIdent(nil, name))
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
