package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/sqlite"
	"github.com/unitofwork/orm/ormtest"
)

func open(t testing.TB) orm.Backend {
	b, err := sqlite.Open(filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// TestConformance runs the suite. SQLite's foreign key errors name no
// constraint ("FOREIGN KEY constraint failed").
func TestConformance(t *testing.T) { ormtest.Run(t, open, ormtest.Without(ormtest.ForeignKeyNames)) }

type Pt struct {
	ID int64
	X  int
	Y  int
}

// TestChunksUnderVariableLimit: 20,000 new entities of a 2-column type flush
// in chunks under SQLite's 32,766-variable limit, every key assigned.
func TestChunksUnderVariableLimit(t *testing.T) {
	ctx := context.Background()
	var rec ormtest.Recorder
	db, err := orm.Open(open(t), orm.Entities(&Pt{}), rec.Hook())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	rec.Reset()
	s := db.Session()
	pts := make([]*Pt, 20000)
	for i := range pts {
		pts[i] = &Pt{X: i, Y: -i}
		s.Persist(pts[i])
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var inserts []int
	for _, e := range rec.Events() {
		if strings.HasPrefix(e.Statement, "INSERT") {
			inserts = append(inserts, len(e.Args))
		}
	}
	if diff := cmp.Diff([]int{32766, 40000 - 32766}, inserts); diff != "" {
		t.Errorf("arguments per INSERT (-want +got):\n%s", diff)
	}
	if rec.Count("BEGIN") != 1 || rec.Count("COMMIT") != 1 {
		t.Errorf("statements %v; want the INSERTs in one transaction", rec.Statements())
	}
	for i, p := range pts {
		if p.ID != int64(i+1) {
			t.Fatalf("pts[%d].ID = %d; want %d", i, p.ID, i+1)
		}
	}
}
