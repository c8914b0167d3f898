package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommands runs diff, up, status, down and up again on a new SQLite
// file, as a user would.
func TestCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	base := []string{"-db", filepath.Join(dir, "app.db"), "-dir", filepath.Join(dir, "migrations")}
	step := func(want string, args ...string) {
		t.Helper()
		var out bytes.Buffer
		if err := run(ctx, append(base, args...), &out); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out.String())
		}
		if !strings.Contains(out.String(), want) {
			t.Fatalf("%v printed %q; want %q in it", args, out.String(), want)
		}
	}
	step("wrote", "diff", "init")
	step("applied", "up")
	step("nothing to apply", "up")
	step("_init: applied", "status")
	step("the database matches the entities", "diff", "again")
	step("undid 1", "down", "1")
	step("_init: pending", "status")
	step("applied", "up")
}
