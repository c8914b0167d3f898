package backend

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrStop is what a Select callback returns to end a query early, as a
// consumer breaking out of a Stream does. It is no failure: the statement
// is observed as a success, and the caller knows not to report it.
var ErrStop = errors.New("orm: stop")

// HookPanic is what a statement reports when the query hook told of it
// panicked. The backend goes on as for a failed statement — a transaction
// rolls back — unless the statement had already committed (a statement
// outside a transaction, or the COMMIT itself), which Committed says. The
// Session then brings itself in line with the database and panics again
// with Value.
type HookPanic struct {
	Value     any   // what the hook panicked with
	Err       error // the statement's own error, if it failed too
	Committed bool  // the statement's effects were committed before the hook ran
}

// Error says the hook panicked, with what.
func (h *HookPanic) Error() string { return fmt.Sprintf("orm: query hook panicked: %v", h.Value) }

// Unwrap returns the statement's own error.
func (h *HookPanic) Unwrap() error { return h.Err }

// Observe tells env's hook and logger of a statement and returns err, or a
// *HookPanic when the hook panicked. A statement that ended with [ErrStop]
// is told of as a success.
func Observe(ctx context.Context, env *Env, stmt string, args []any, rows int64, start time.Time, err error) (out error) {
	if env == nil || env.Observe == nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			out = &HookPanic{Value: p, Err: err}
		}
	}()
	seen := err
	if errors.Is(err, ErrStop) {
		seen = nil
	}
	env.Observe(ctx, stmt, args, rows, time.Since(start), seen)
	return err
}

// Committed marks err, when it is a *HookPanic of a statement that
// succeeded, as raised after the statement's effects were committed.
func Committed(err error) error {
	if h, ok := err.(*HookPanic); ok && h.Err == nil {
		h.Committed = true
	}
	return err
}

// Now is the start time of a statement for Observe: the zero time when no
// one is told of statements, which saves reading the clock.
func Now(env *Env) time.Time {
	if env != nil && env.Observe != nil {
		return time.Now()
	}
	return time.Time{}
}
