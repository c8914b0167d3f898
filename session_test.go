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

// Fragile's BeforeUpdate panics while Panic is set.
type Fragile struct {
	ID    int64
	Name  string
	Panic bool `orm:"-"`
}

// BeforeUpdate panics while Panic is set.
func (f *Fragile) BeforeUpdate(context.Context) error {
	if f.Panic {
		panic("BeforeUpdate panics")
	}
	return nil
}

// TestPanickingEntityHook: a panic in an entity hook reaches the caller of
// Flush with nothing sent and the Session as it was, new entities' keys
// reset; the same Session flushes once the cause is gone.
func TestPanickingEntityHook(t *testing.T) {
	ctx := context.Background()
	var sent []string
	db := openExample(orm.Entities(&Fragile{}), orm.WithQueryHook(func(_ context.Context, e orm.QueryEvent) {
		sent = append(sent, e.Statement)
	}))
	defer db.Close()
	s := db.Session()
	old := &Fragile{Name: "old"}
	s.Persist(old)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	sent = nil
	fresh := &Fragile{Name: "new"}
	s.Persist(fresh)
	old.Name, old.Panic = "changed", true
	func() {
		defer func() {
			if p := recover(); p != "BeforeUpdate panics" {
				t.Errorf("Flush recovered %v; want the hook's panic", p)
			}
		}()
		s.Flush(ctx)
	}()
	if len(sent) != 0 || fresh.ID != 0 {
		t.Errorf("after the panic: sent %q, new entity's key %d; want nothing sent and key 0", sent, fresh.ID)
	}
	old.Panic = false
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("Flush after the panic: %v", err)
	}
	got, err := orm.Repo[Fragile](db.Session()).Find(ctx, nil, orm.OrderBy("ID"))
	if err != nil || len(got) != 2 || got[0].Name != "changed" || got[1].Name != "new" {
		t.Errorf("stored %v, %v; want changed and new", got, err)
	}
}
