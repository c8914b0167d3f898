package orm_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/sqlite"
)

type Logged struct {
	ID   int64
	Name string `orm:"unique"`
}

func TestWithLogger(t *testing.T) {
	ctx := context.Background()
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	db := openLogged(t, orm.WithLogger(logger))
	s := db.Session()
	s.Persist(&Logged{Name: "x"})
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	s.Persist(&Logged{Name: "x"})
	var ce *orm.ConstraintError
	if err := s.Flush(ctx); !errors.As(err, &ce) {
		t.Fatalf("duplicate: %v; want *orm.ConstraintError", err)
	}
	out := buf.String()
	for _, want := range []string{"level=DEBUG", `INSERT INTO \"logged\"`, "args=1", "level=ERROR", "UNIQUE"} {
		if !strings.Contains(out, want) {
			t.Errorf("log does not contain %q:\n%s", want, out)
		}
	}
}

func TestBatchSizeMustBePositive(t *testing.T) {
	b, err := sqlite.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := orm.Open(b, orm.WithBatchSize(-1)); err == nil {
		t.Errorf("WithBatchSize(-1) accepted")
	}
	if _, err := orm.Open(nil); err == nil {
		t.Errorf("Open(nil) accepted")
	}
}

// TestQueryHooksCompose: every WithQueryHook sees every statement, in the
// order the options were given.
func TestQueryHooksCompose(t *testing.T) {
	ctx := context.Background()
	var seen []string
	hook := func(name string) orm.Option {
		return orm.WithQueryHook(func(_ context.Context, e orm.QueryEvent) {
			if strings.HasPrefix(e.Statement, "INSERT") {
				seen = append(seen, name)
			}
		})
	}
	db := openLogged(t, hook("first"), hook("second"))
	s := db.Session()
	s.Persist(&Logged{Name: "x"})
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(seen, " "); got != "first second" {
		t.Errorf("hooks saw the INSERT as %q; want \"first second\"", got)
	}
}

// TestGetRefusesQueryOptions: Get takes Populate and the locks only;
// OrderBy, Limit and Offset are errors, and nothing is sent.
func TestGetRefusesQueryOptions(t *testing.T) {
	ctx := context.Background()
	sent := 0
	db := openLogged(t, orm.WithQueryHook(func(context.Context, orm.QueryEvent) { sent++ }))
	sent = 0
	for name, opt := range map[string]orm.QueryOption{"Offset": orm.Offset(5), "Limit": orm.Limit(1), "OrderBy": orm.OrderBy("Name")} {
		if _, err := orm.Repo[Logged](db.Session()).Get(ctx, 1, opt); err == nil || !strings.Contains(err.Error(), "Populate") {
			t.Errorf("Get with %s = %v; want an error saying Get takes Populate and the locks", name, err)
		}
	}
	if sent != 0 {
		t.Errorf("the refused Gets sent %d statements; want none", sent)
	}
}

// TestFindOneRefusesLimit: FindOne with a Limit other than 1, which it
// cannot honour, is an error naming the entity and the Limit, and sends
// nothing; Limit(1) is what FindOne does anyway.
func TestFindOneRefusesLimit(t *testing.T) {
	ctx := context.Background()
	sent := 0
	db := openLogged(t, orm.WithQueryHook(func(context.Context, orm.QueryEvent) { sent++ }))
	sent = 0
	r := orm.Repo[Logged](db.Session())
	for _, n := range []int{0, 2, 100} {
		if _, err := r.FindOne(ctx, nil, orm.Limit(n)); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("Logged: Limit(%d)", n)) {
			t.Errorf("FindOne with Limit(%d) = %v; want an error naming Logged and the Limit", n, err)
		}
	}
	if sent != 0 {
		t.Errorf("the refused FindOnes sent %d statements; want none", sent)
	}
	if _, err := r.FindOne(ctx, nil, orm.Limit(1)); !errors.Is(err, orm.ErrNotFound) {
		t.Errorf("FindOne with Limit(1) on an empty table = %v; want ErrNotFound", err)
	}
}

// memory opens a backend on a new in-memory SQLite database.
func memory(t *testing.T) orm.Backend {
	t.Helper()
	b, err := sqlite.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// openDB opens a DB on b with opts and creates its schema; the DB is
// closed when the test ends.
func openDB(t *testing.T, b orm.Backend, opts ...orm.Option) *orm.DB {
	t.Helper()
	db, err := orm.Open(b, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.CreateSchema(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// openLogged opens a DB of Logged entities on a new in-memory database.
func openLogged(t *testing.T, opts ...orm.Option) *orm.DB {
	t.Helper()
	return openDB(t, memory(t), append([]orm.Option{orm.Entities(&Logged{})}, opts...)...)
}
