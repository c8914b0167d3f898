package mongo

import (
	"context"
	"strings"
	"testing"
	"unsafe"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// TestLockRefused: a locking read is an error naming the entity and saying
// MongoDB has no row locks, before anything is sent (the engine here has
// no client at all). The conformance suite checks it through the Session
// where the deployment has transactions; FerretDB has none.
func TestLockRefused(t *testing.T) {
	q := &backend.Query{Entity: &meta.Entity{Name: "Job"}, Lock: backend.Lock{Mode: backend.LockShare, Wait: backend.SkipLocked}}
	err := (&engine{}).Select(context.Background(), backend.Scope{}, q, func(unsafe.Pointer, any) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "Job") || !strings.Contains(err.Error(), "no row locks") {
		t.Errorf("a locking read = %v; want an error naming Job and saying MongoDB has no row locks", err)
	}
}
