package orm_test

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/unitofwork/orm"
)

// Team and Player have UUID keys: github.com/google/uuid's UUID, a
// [16]byte array, maps to the database's UUID column (its Scan and Value
// methods are not used). A zero key is a new UUIDv7, made at the flush.
type Team struct {
	ID   uuid.UUID
	Name string
}

type Player struct {
	ID     uuid.UUID
	Name   string
	Team   orm.Ref[Team] // a UUID foreign key
	Mentor *uuid.UUID    // nullable
}

func Example_uuidKeys() {
	ctx := context.Background()
	db := openExample(orm.Entities(&Team{}, &Player{}), orm.WithQueryHook(printStatements))
	defer db.Close()
	s := db.Session()
	t := &Team{Name: "Ajax"}
	a := &Player{Name: "Ann", Team: orm.RefTo(t)}
	b := &Player{Name: "Bob", Team: orm.RefTo(t)}
	s.Persist(a, b)
	if err := s.Flush(ctx); err != nil {
		panic(err)
	}
	fmt.Println(t.ID.Version(), a.ID.Version(), b.ID.Version(), a.ID.String() < b.ID.String())
	mentor := a.ID
	b.Mentor = &mentor
	if err := s.Flush(ctx); err != nil {
		panic(err)
	}

	got, err := orm.Repo[Player](db.Session()).Get(ctx, b.ID, orm.Populate("Team"))
	if err != nil {
		panic(err)
	}
	fmt.Println(got.Name, got.Team.Get().Name, *got.Mentor == a.ID)
	// Output:
	// > BEGIN
	// > INSERT INTO "team" ("id", "name") VALUES (?, ?)
	// > INSERT INTO "player" ("id", "name", "team_id", "mentor") VALUES (?, ?, ?, ?), (?, ?, ?, ?)
	// > COMMIT
	// VERSION_7 VERSION_7 VERSION_7 true
	// > UPDATE "player" SET "mentor" = ? WHERE "id" = ?
	// > SELECT "id", "name", "team_id", "mentor" FROM "player" WHERE "id" = ?
	// > SELECT "id", "name" FROM "team" WHERE "id" IN (?)
	// Bob Ajax true
}
