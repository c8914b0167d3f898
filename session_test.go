package orm_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/unitofwork/orm"
)

// TestConcurrentUseIsAnError: while one goroutine flushes a Session, another
// using it gets ErrConcurrentUse, not a corrupted identity map.
func TestConcurrentUseIsAnError(t *testing.T) {
	ctx := context.Background()
	entered, release := make(chan struct{}), make(chan struct{})
	db := openExample(orm.WithQueryHook(func(_ context.Context, e orm.QueryEvent) {
		if strings.HasPrefix(e.Statement, "INSERT") {
			close(entered)
			<-release
		}
	}))
	defer db.Close()
	s := db.Session()
	s.Persist(&Book{Title: "slow"})
	done := make(chan error)
	go func() { done <- s.Flush(ctx) }()
	<-entered
	if err := s.Persist(&Book{Title: "racing"}); !errors.Is(err, orm.ErrConcurrentUse) {
		t.Errorf("Persist during another goroutine's Flush = %v; want ErrConcurrentUse", err)
	}
	if _, err := orm.Repo[Book](s).Get(ctx, 1); !errors.Is(err, orm.ErrConcurrentUse) {
		t.Errorf("Get during another goroutine's Flush = %v; want ErrConcurrentUse", err)
	}
	if err := s.Flush(ctx); !errors.Is(err, orm.ErrConcurrentUse) {
		t.Errorf("Flush during another goroutine's Flush = %v; want ErrConcurrentUse", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("the first Flush: %v", err)
	}
	// The refused Persist left no trace; the Session works again.
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("Flush afterwards: %v", err)
	}
	if n, err := orm.Repo[Book](s).Count(ctx, nil); err != nil || n != 1 {
		t.Errorf("Count = %d, %v; want 1", n, err)
	}
}
