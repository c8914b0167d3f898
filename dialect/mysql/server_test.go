package mysql_test

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"strings"
	"testing"

	driver "github.com/go-sql-driver/mysql"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/mysql"
	"github.com/unitofwork/orm/sql"
)

// Note is a small entity with a generated key.
type Note struct {
	ID   int64
	Text string
}

// TestAutoIncrementStep: in MySQL mode, a multi-row INSERT on a connection
// whose auto_increment_increment is 3 assigns the keys the server gave.
func TestAutoIncrementStep(t *testing.T) {
	ctx := context.Background()
	cfg, err := driver.ParseDSN(database(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ClientFoundRows, cfg.ParseTime = true, true
	cfg.Collation = "utf8mb4_general_ci"
	cfg.Params = map[string]string{"auto_increment_increment": "3"}
	sqldb, err := stdsql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer sqldb.Close()
	b, err := mysql.New(context.Background(), sqldb, mysql.WithoutReturning())
	if err != nil {
		t.Fatal(err)
	}
	if b.Dialect().Has(sql.Returning) {
		t.Fatalf("WithoutReturning left RETURNING on")
	}
	db, err := orm.Open(b, orm.Entities(&Note{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	s := db.Session()
	notes := make([]*Note, 10)
	for i := range notes {
		notes[i] = &Note{Text: strings.Repeat("n", i+1)}
		s.Persist(notes[i])
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	checkStored(t, db, notes)
	for i, n := range notes {
		if i > 0 && n.ID-notes[i-1].ID != 3 {
			t.Errorf("keys %d and %d are not 3 apart", notes[i-1].ID, n.ID)
		}
	}
}

// TestAutoIncrementStepChanges: the step changes on the backend's only
// connection between two flushes (as a Galera node leaving the cluster
// changes it on every connection): the second flush's keys are the ones
// the server gave, read on the INSERT's connection, not the step the
// backend was opened with.
func TestAutoIncrementStepChanges(t *testing.T) {
	ctx := context.Background()
	b, err := mysql.Open(ctx, database(t), mysql.WithoutReturning())
	if err != nil {
		t.Fatal(err)
	}
	b.DB().SetMaxOpenConns(1)
	db, err := orm.Open(b, orm.Entities(&Note{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	var notes []*Note
	flush := func(step int64) {
		t.Helper()
		s := db.Session()
		batch := make([]*Note, 10)
		for i := range batch {
			batch[i] = &Note{Text: fmt.Sprintf("step %d note %d", step, i)}
			s.Persist(batch[i])
		}
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(batch); i++ {
			if d := batch[i].ID - batch[i-1].ID; d != step {
				t.Errorf("step %d: keys %d and %d are %d apart", step, batch[i-1].ID, batch[i].ID, d)
			}
		}
		notes = append(notes, batch...)
	}
	flush(1)
	if _, err := sql.Exec(ctx, db.Session(), "SET SESSION auto_increment_increment = 3"); err != nil {
		t.Fatal(err)
	}
	flush(3)
	checkStored(t, db, notes)
}

// checkStored checks that each note's key is the one the server stored
// its text under.
func checkStored(t *testing.T, db *orm.DB, notes []*Note) {
	t.Helper()
	got, err := orm.Repo[Note](db.Session()).Find(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	byText := map[string]int64{}
	for _, n := range got {
		byText[n.Text] = n.ID
	}
	for _, n := range notes {
		if byText[n.Text] != n.ID {
			t.Errorf("%q: entity key %d, the server stored it as %d", n.Text, n.ID, byText[n.Text])
		}
	}
}

// TestNewChecksSettings: a *sql.DB without clientFoundRows is refused with
// a message naming the setting.
func TestNewChecksSettings(t *testing.T) {
	cfg, err := driver.ParseDSN(database(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ParseTime = true
	cfg.Collation = "utf8mb4_general_ci"
	sqldb, err := stdsql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer sqldb.Close()
	if _, err := mysql.New(context.Background(), sqldb); err == nil || !strings.Contains(err.Error(), "clientFoundRows") {
		t.Errorf("New without clientFoundRows = %v; want an error naming it", err)
	}
	cfg.ClientFoundRows, cfg.ParseTime = true, false
	sqldb2, _ := stdsql.Open("mysql", cfg.FormatDSN())
	defer sqldb2.Close()
	if _, err := mysql.New(context.Background(), sqldb2); err == nil || !strings.Contains(err.Error(), "parseTime") {
		t.Errorf("New without parseTime = %v; want an error naming it", err)
	}
}
