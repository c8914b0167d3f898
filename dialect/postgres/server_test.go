package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/ormtest"
)

// Counter is incremented by concurrent transactions.
type Counter struct {
	ID int64
	N  int
}

// Point is a small two-column entity.
type Point struct {
	ID int64
	X  int
	Y  int
}

// TestSerializableRetry runs two serializable transactions that both read
// and increment one counter. With Retry both succeed and the counter equals a
// serial execution; without it the loser's error matches ErrRetryable.
func TestSerializableRetry(t *testing.T) {
	ctx := context.Background()
	db, err := orm.Open(open(t), orm.Entities(&Counter{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	s := db.Session()
	c := &Counter{}
	s.Persist(c)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	run := func(opts ...orm.TxOption) []error {
		var read sync.WaitGroup
		read.Add(2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				first := true
				s := db.Session()
				errs[i] = s.Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
					got, err := orm.Repo[Counter](s).Get(ctx, c.ID)
					if first { // both read before either writes
						first = false
						read.Done()
						read.Wait()
					}
					if err != nil {
						return err
					}
					got.N++
					return nil
				}, append(opts, orm.Isolation(sql.LevelSerializable))...)
			}()
		}
		wg.Wait()
		return errs
	}
	errs := run(orm.Retry(5))
	for i, err := range errs {
		if err != nil {
			t.Errorf("transaction %d with Retry: %v", i, err)
		}
	}
	got, err := orm.Repo[Counter](db.Session()).Get(ctx, c.ID)
	if err != nil || got.N != 2 {
		t.Fatalf("counter after two retried increments = %d, %v; want 2", got.N, err)
	}
	errs = run()
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
			if !errors.Is(err, orm.ErrRetryable) {
				t.Errorf("conflict error %v does not match ErrRetryable", err)
			}
		}
	}
	if failed != 1 {
		t.Errorf("%d of 2 conflicting transactions failed without Retry; want 1 (%v)", failed, errs)
	}
}

// TestHundredThousandRows flushes 100,000 new rows of a two-column type in
// chunks under PostgreSQL's 65,535-parameter limit.
func TestHundredThousandRows(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	ctx := context.Background()
	var rec ormtest.Recorder
	db, err := orm.Open(open(t), orm.Entities(&Point{}), rec.Hook())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	rec.Reset()
	s := db.Session()
	pts := make([]*Point, 100000)
	for i := range pts {
		pts[i] = &Point{X: i, Y: -i}
		s.Persist(pts[i])
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, e := range rec.Events() {
		if strings.HasPrefix(e.Statement, "INSERT") {
			sizes = append(sizes, len(e.Args))
			if len(e.Args) > 65535 {
				t.Errorf("an INSERT carried %d parameters", len(e.Args))
			}
		}
	}
	if len(sizes) != 4 {
		t.Errorf("INSERT parameter counts %v; want 4 statements", sizes)
	}
	seen := map[int64]bool{}
	for _, p := range pts {
		if p.ID == 0 || seen[p.ID] {
			t.Fatalf("point %d has key %d", p.X, p.ID)
		}
		seen[p.ID] = true
	}
	n, err := orm.Repo[Point](db.Session()).Count(ctx, orm.Raw(fmt.Sprintf("x = -y AND id > %d", 0)))
	if err != nil || n != 100000 {
		t.Errorf("Count = %d, %v; want 100000", n, err)
	}
}
