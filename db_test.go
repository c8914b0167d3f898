package orm_test

import (
	"bytes"
	"context"
	"errors"
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
	b, err := sqlite.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db, err := orm.Open(b, orm.Entities(&Logged{}), orm.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
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
	b, err := sqlite.Open(":memory:")
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
