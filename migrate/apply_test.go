package migrate_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/migrate"
)

// writeFiles writes hand-made migrations: n files, each creating a table.
func writeFiles(t *testing.T, n int) string {
	dir := t.TempDir()
	for i := 1; i <= n; i++ {
		up := fmt.Sprintf("CREATE TABLE r%d (id INT NOT NULL PRIMARY KEY);\nINSERT INTO r%d (id) VALUES (1);\n", i, i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d_r%d.up.sql", i, i)), []byte(up), 0o644); err != nil {
			t.Fatal(err)
		}
		down := fmt.Sprintf("DROP TABLE r%d;\n", i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d_r%d.down.sql", i, i)), []byte(down), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestUpRace: two processes (two DBs, two pools) call Up at once; every
// migration is applied exactly once (a second CREATE TABLE would fail), and
// between them they report each once.
func TestUpRace(t *testing.T) {
	forEach(t, func(t *testing.T, s server) {
		ctx := context.Background()
		dsn := s.dsn(t)
		dir := writeFiles(t, 3)
		for round := range 3 {
			a, b := openWith(t, s, dsn), openWith(t, s, dsn)
			var wg sync.WaitGroup
			var got [2][]string
			var errs [2]error
			for i, db := range []*orm.DB{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					got[i], errs[i] = migrate.Up(ctx, db, os.DirFS(dir))
				}()
			}
			wg.Wait()
			if errs[0] != nil || errs[1] != nil {
				t.Fatalf("round %d: Up = %v, %v", round, errs[0], errs[1])
			}
			if n := len(got[0]) + len(got[1]); round == 0 && n != 3 || round > 0 && n != 0 {
				t.Fatalf("round %d: applied %v and %v; want 3 in all the first time, none after", round, got[0], got[1])
			}
			st, err := migrate.Status(ctx, a, os.DirFS(dir))
			if err != nil || len(st) != 3 || !st[0].Applied || !st[2].Applied {
				t.Fatalf("Status = %+v, %v", st, err)
			}
			if err := migrate.Down(ctx, a, os.DirFS(dir), 3); round == 0 && err != nil {
				t.Fatalf("Down 3: %v", err)
			}
			if round > 0 {
				break
			}
			if got, err := migrate.Up(ctx, a, os.DirFS(dir)); err != nil || len(got) != 3 {
				t.Fatalf("Up after Down = %v, %v", got, err)
			}
		}
	})
}

// TestEditedFile: a file edited after it was applied stops Up, and Status
// marks it modified.
func TestEditedFile(t *testing.T) {
	forEach(t, func(t *testing.T, s server) {
		ctx := context.Background()
		db := openWith(t, s, s.dsn(t))
		dir := writeFiles(t, 1)
		if _, err := migrate.Up(ctx, db, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, "1_r1.up.sql")
		if err := os.WriteFile(f, []byte("CREATE TABLE r1 (id BIGINT NOT NULL PRIMARY KEY);\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := writeFile(dir, "2_r2.up.sql", "CREATE TABLE r2 (id INT NOT NULL PRIMARY KEY);\n"); err != nil {
			t.Fatal(err)
		}
		if got, err := migrate.Up(ctx, db, os.DirFS(dir)); err == nil || !strings.Contains(err.Error(), "edited") || len(got) != 0 {
			t.Errorf("Up after an edit = %v, %v; want an error naming the edit, nothing applied", got, err)
		}
		st, err := migrate.Status(ctx, db, os.DirFS(dir))
		if err != nil || len(st) != 2 || !st[0].Modified || st[1].Applied {
			t.Errorf("Status = %+v, %v; want 1 modified, 2 pending", st, err)
		}
		if err := migrate.Down(ctx, db, os.DirFS(dir), 2); err == nil {
			t.Error("Down(2) with one migration applied succeeded")
		}
	})
}

func writeFile(dir, name, body string) error {
	return os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644)
}
