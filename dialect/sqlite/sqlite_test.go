package sqlite_test

import (
	"context"
	stdsql "database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/sqlite"
	"github.com/unitofwork/orm/ormtest"
)

func open(t testing.TB) orm.Backend {
	b, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// TestConformance runs the suite. SQLite's foreign key errors name no
// constraint ("FOREIGN KEY constraint failed"), and a transaction locks the
// whole database, not rows.
func TestConformance(t *testing.T) {
	ormtest.Run(t, open, ormtest.Without(ormtest.ForeignKeyNames, ormtest.RowLocks, ormtest.ExactDecimals))
}

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

// Playlist and Track map the Chinook sample database's tables, whose
// pivot has foreign keys without ON DELETE CASCADE.
type Playlist struct {
	ID     int64                 `orm:"column:PlaylistId"`
	Name   string                `orm:"column:Name"`
	Tracks orm.Collection[Track] `orm:"m2m,pivot:PlaylistTrack,joinColumn:PlaylistId,inverseJoinColumn:TrackId"`
}

// TableName names Chinook's table.
func (Playlist) TableName() string { return "Playlist" }

// Track is a Chinook track.
type Track struct {
	ID   int64  `orm:"column:TrackId"`
	Name string `orm:"column:Name"`
}

// TableName names Chinook's table.
func (Track) TableName() string { return "Track" }

// TestRemoveWithExistingPivot: removing either side of a many-to-many
// relation deletes its pivot rows itself, on a schema whose pivot has no
// ON DELETE CASCADE (Chinook's PlaylistTrack).
func TestRemoveWithExistingPivot(t *testing.T) {
	ctx := context.Background()
	raw, err := stdsql.Open("sqlite", filepath.Join(t.TempDir(), "chinook.db")+"?_pragma=foreign_keys(1)&_dqs=0")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{
		`CREATE TABLE Playlist (PlaylistId INTEGER PRIMARY KEY, Name TEXT)`,
		`CREATE TABLE Track (TrackId INTEGER PRIMARY KEY, Name TEXT NOT NULL)`,
		`CREATE TABLE PlaylistTrack (PlaylistId INTEGER NOT NULL REFERENCES Playlist (PlaylistId),
			TrackId INTEGER NOT NULL REFERENCES Track (TrackId), PRIMARY KEY (PlaylistId, TrackId))`,
		`INSERT INTO Playlist VALUES (1, 'Music'), (2, 'Movies')`,
		`INSERT INTO Track VALUES (1, 'One'), (2, 'Two'), (3, 'Three')`,
		`INSERT INTO PlaylistTrack VALUES (1, 1), (1, 2), (2, 2), (2, 3)`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	var rec ormtest.Recorder
	db, err := orm.Open(sqlite.New(raw), orm.Entities(&Playlist{}, &Track{}), rec.Hook())
	if err != nil {
		t.Fatal(err)
	}
	s := db.Session()
	p, err := orm.Repo[Playlist](s).Get(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	s.Remove(p, &Track{ID: 3})
	rec.Reset()
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("removing a playlist and a track: %v", err)
	}
	want := []string{
		"BEGIN",
		`DELETE FROM "PlaylistTrack" WHERE "PlaylistId" = ?`,
		`DELETE FROM "PlaylistTrack" WHERE "TrackId" = ?`,
		`DELETE FROM "Playlist" WHERE "PlaylistId" = ?`,
		`DELETE FROM "Track" WHERE "TrackId" = ?`,
		"COMMIT",
	}
	if diff := cmp.Diff(want, rec.Statements()); diff != "" {
		t.Errorf("statements (-want +got):\n%s", diff)
	}
	var links []string
	rows, err := raw.Query(`SELECT PlaylistId || '-' || TrackId FROM PlaylistTrack ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			t.Fatal(err)
		}
		links = append(links, l)
	}
	if diff := cmp.Diff([]string{"2-2"}, links); diff != "" {
		t.Errorf("pivot rows left (-want +got):\n%s", diff)
	}
}
