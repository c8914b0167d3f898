package postgres_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/ormtest"
)

// Widget has a generated key.
type Widget struct {
	ID   int64
	Name string
}

// TestExplicitKeysAdvanceSequence checks the statements around explicit
// keys in a table whose key is an identity: the INSERT of explicit keys is
// followed, in the same transaction, by one statement moving the sequence
// past them; generated keys alone send their INSERT and nothing else.
func TestExplicitKeysAdvanceSequence(t *testing.T) {
	ctx := context.Background()
	rec := &ormtest.Recorder{}
	db, err := orm.Open(open(t), orm.Entities(&Widget{}), rec.Hook())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	s := db.Session()
	flush := func(want ...string) {
		t.Helper()
		rec.Reset()
		if err := s.Flush(ctx); err != nil {
			t.Fatalf("Flush: %v", err)
		}
		if diff := cmp.Diff(want, rec.Statements()); diff != "" {
			t.Errorf("statements (-want +got):\n%s", diff)
		}
	}
	const advance = `SELECT setval(pg_get_serial_sequence($1, $2), $3) WHERE $4 >= nextval(pg_get_serial_sequence($5, $6))`
	s.Persist(&Widget{ID: 5, Name: "five"}, &Widget{ID: 7, Name: "seven"})
	flush("BEGIN",
		`INSERT INTO "widget" ("id", "name") VALUES ($1::bigint, $2::text), ($3::bigint, $4::text)`,
		advance,
		"COMMIT")
	if ev := rec.Events(); len(ev) == 4 && !cmp.Equal(ev[2].Args, []any{`"widget"`, "id", int64(7), int64(7), `"widget"`, "id"}) {
		t.Errorf("advance args %v; want the quoted table, the column and the largest key, 7", ev[2].Args)
	}
	gen := &Widget{Name: "generated"}
	s.Persist(gen)
	flush(`INSERT INTO "widget" ("name") VALUES ($1::text) RETURNING "id"`)
	if gen.ID != 8 {
		t.Errorf("generated key %d; want 8, after the explicit 7", gen.ID)
	}
	// A key below the sequence leaves it where it is (one value skipped).
	s.Persist(&Widget{ID: 2, Name: "two"}, &Widget{Name: "after"})
	flush("BEGIN",
		`INSERT INTO "widget" ("id", "name") VALUES ($1::bigint, $2::text)`,
		advance,
		`INSERT INTO "widget" ("name") VALUES ($1::text) RETURNING "id"`,
		"COMMIT")
	var n int64
	if n, err = orm.Repo[Widget](db.Session()).Count(ctx, nil); err != nil || n != 5 {
		t.Errorf("Count = %d, %v; want 5", n, err)
	}
}

// TestUpsertAdvancesSequence: an upsert of explicit keys moves the key's
// sequence in its own statement, so that a later generated key does not
// collide with them.
func TestUpsertAdvancesSequence(t *testing.T) {
	ctx := context.Background()
	rec := &ormtest.Recorder{}
	db, err := orm.Open(open(t), orm.Entities(&Widget{}), rec.Hook())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	rec.Reset()
	if _, err := orm.Repo[Widget](db.Session()).UpsertMany(ctx, []*Widget{{ID: 5, Name: "five"}, {ID: 9, Name: "nine"}}); err != nil {
		t.Fatal(err)
	}
	if got := rec.Statements(); len(got) != 1 {
		t.Errorf("the upsert sent %q; want one statement", got)
	}
	s := db.Session()
	gen := &Widget{Name: "generated"}
	s.Persist(gen)
	if err := s.Flush(ctx); err != nil || gen.ID != 10 {
		t.Errorf("generated key %d, %v; want 10, after the upserted 9", gen.ID, err)
	}
}
