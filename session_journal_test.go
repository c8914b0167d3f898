package orm_test

import (
	"context"
	"errors"
	"testing"
	"unsafe"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// SlotPost owns a many-to-many collection.
type SlotPost struct {
	ID   int64
	Tags orm.Collection[SlotTag] `orm:"m2m"`
}

// SlotTag is a target of SlotPost.Tags.
type SlotTag struct {
	ID   int64
	Name string
}

// slotBackend is SQLite whose flushes, as MongoDB's do, replace the Slot
// of the collections their pivot inserts name: with the flush's number,
// before failing when fail is set.
type slotBackend struct {
	backend.Handle
	backend.Backend
	n    int
	fail bool
}

func (b *slotBackend) Flush(ctx context.Context, s backend.Scope, p *backend.Plan) error {
	b.n++
	for _, bt := range p.Batches {
		if bt.Kind == backend.PivotInsert {
			for _, l := range bt.Links {
				p.Slots.Set(bt.Rel.Coll(l.Owner), b.n)
			}
		}
	}
	if b.fail {
		return errors.New("refused")
	}
	return b.Backend.Flush(ctx, s, p)
}

// TestSlotsAreJournaled: a Slot a backend's Flush replaced is put back when
// the flush fails, and when the transaction it ran in rolls back.
func TestSlotsAreJournaled(t *testing.T) {
	ctx := context.Background()
	b := &slotBackend{Backend: backend.Of(memory(t))}
	b.Handle = backend.NewHandle(b)
	db := openDB(t, b, orm.Entities(&SlotPost{}, &SlotTag{}))
	s := db.Session()
	post := &SlotPost{}
	s.Persist(post)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	slot := func() any { return (*meta.CollData)(unsafe.Pointer(&post.Tags)).Slot }

	post.Tags.Add(&SlotTag{Name: "a"})
	b.fail = true
	if err := s.Flush(ctx); err == nil {
		t.Fatal("Flush succeeded; want the backend's error")
	}
	if got := slot(); got != nil {
		t.Errorf("Slot after a failed flush = %v; want nil", got)
	}
	b.fail = false
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := slot(); got != 3 {
		t.Errorf("Slot after a flush = %v; want 3", got)
	}

	rollback := errors.New("rollback")
	err := s.Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
		post.Tags.Add(&SlotTag{Name: "b"})
		if err := s.Flush(ctx); err != nil {
			return err
		}
		if got := slot(); got != 4 {
			t.Errorf("Slot after a flush in the transaction = %v; want 4", got)
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatalf("Transaction = %v; want %v", err, rollback)
	}
	if got := slot(); got != 3 {
		t.Errorf("Slot after the rollback = %v; want 3", got)
	}
}
