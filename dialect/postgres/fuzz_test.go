package postgres_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/unitofwork/orm/dialect/postgres"
)

// FuzzQuotedIdentifier: whatever an identifier holds, PostgreSQL reads the
// quoted form back as exactly that identifier (no way out of the quotes).
func FuzzQuotedIdentifier(f *testing.F) {
	for _, s := range []string{"user", `a"b`, `"; DROP TABLE t; --`, "``", `\"`, "x y", "ü", `""""`, "$1", "$$", "U&\"x\""} {
		f.Add(s)
	}
	dsn := serverDSN(f)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { conn.Close(ctx) })
	f.Fuzz(func(t *testing.T, name string) {
		if name == "" || len(name) > 63 || strings.ContainsRune(name, 0) || !utf8.ValidString(name) {
			t.Skip("PostgreSQL identifiers are 1 to 63 bytes of valid text without NUL")
		}
		q := string(postgres.Dialect{}.AppendIdent(nil, name))
		rows, err := conn.Query(ctx, "SELECT 1 AS "+q)
		if err != nil {
			t.Fatalf("SELECT 1 AS %s: %v", q, err)
		}
		defer rows.Close()
		fields := rows.FieldDescriptions()
		if len(fields) != 1 || fields[0].Name != name {
			t.Fatalf("quoted %q came back as %v", name, fields)
		}
	})
}
