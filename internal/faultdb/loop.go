package faultdb

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/unitofwork/orm"
)

// Faults is an injector the loop drives: an [Injector] (the calls of a
// database/sql driver) or a [NetInjector] (the network writes of pgx's
// connections). Each counts its calls from Arm and fails the armed one.
type Faults interface {
	// Arm resets the call count and fails call n with k (n = 0: none, the
	// calls are only counted); with failRollback, every rollback fails too.
	Arm(n int64, k Kind, failRollback bool)
	// Disarm stops failing calls and returns how many were made since Arm.
	Disarm() int64
	// Failed describes the call that failed since Arm, or is empty.
	Failed() string
	// modes are the ways this injector fails a call, in the loop's order.
	modes() []mode
}

// mode is one way the loop fails each call in turn.
type mode struct {
	kind         Kind
	failRollback bool
}

func (m mode) String() string {
	if m.failRollback {
		return m.kind.String() + "+rollback"
	}
	return m.kind.String()
}

// Run fails each call of one flush in turn, in every way f can fail a call,
// on databases from open, whose connections f controls. The flush has
// inserts, CASE updates and deletes of five types, pivot rows added and
// removed, and cascades: a removal cascading to a collection, an orphan
// removal, and new entities persisted through a collection and through a
// Ref of managed entities.
//
// After each failure it checks that the database holds exactly what it held
// before (read back raw), that the Session's entities are exactly as before
// (fields, keys, Refs, collections, and which ones the identity map holds),
// that no connection is left in use, and that no goroutine is left behind.
// Then it flushes again without faults, twice over: once as the Session is,
// which must write exactly what a flush without faults writes, and once
// after changing the graph (the cascaded removal and the orphan removal
// cancelled, the cascade-persisted entities taken back out of the graph),
// which must write what the graph says then, not what the failed attempt
// had cascaded. A COMMIT lost after it was sent must come back as
// *orm.CommitUnknownError with the changes stored. A panic in the query
// hook at each statement must reach the caller with the Session in step
// with the database.
func Run(t *testing.T, f Faults, open Opener) {
	b := measure(t, f, open)
	var c counts
	for _, m := range f.modes() {
		t.Run(m.String(), func(t *testing.T) {
			for _, change := range []bool{false, true} {
				if change && m.kind == CommitLost {
					continue // nothing to retry: the changes are stored
				}
				after, variant := b.want, "same"
				if change {
					after, variant = b.changed, "changed"
				}
				t.Run(variant, func(t *testing.T) { c.faults(t, f, open, m, b, after, change) })
			}
		})
	}
	t.Run("hookpanic", func(t *testing.T) { c.hookPanics(t, open, b) })
	t.Logf("the flush makes %d calls and sends %d statements; %d fault points covered, %d of them retried (half with the graph changed), %d not reached (the context ended first)", b.calls, b.statements, c.covered, c.retried, c.unreached)
}

// baseline is what the flushes without faults did: the database before,
// after the flush, and after the flush of the changed graph, and the calls
// and statements the flush made.
type baseline struct {
	before, want, changed []string
	calls, statements     int64
}

// measure flushes without faults, as the Session is and with the graph
// changed, and checks what each cascaded.
func measure(t *testing.T, f Faults, open Opener) baseline {
	ctx := context.Background()
	var b baseline
	sc := setup(t, open)
	b.before = sc.dump(t)
	f.Arm(0, 0, false)
	if err := sc.s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	b.calls = f.Disarm()
	b.statements = int64(sc.seen)
	b.want = sc.dump(t)
	sc.close()
	if diff := cmp.Diff(wantCascaded, cascaded(b.want)); diff != "" {
		t.Fatalf("the flush without faults cascaded (-want +got):\n%s", diff)
	}
	sc = setup(t, open)
	sc.changeGraph()
	if err := sc.s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	b.changed = sc.dump(t)
	sc.close()
	if diff := cmp.Diff(wantChanged, cascaded(b.changed)); diff != "" {
		t.Fatalf("the flush of the changed graph cascaded (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(cascaded(b.before), cascaded(b.changed)); diff != "" {
		t.Fatalf("the flush of the changed graph changed boxes or items (-before +after):\n%s", diff)
	}
	return b
}

// counts are the fault points tried, retried and not reached.
type counts struct {
	covered, retried, unreached int
}

// faults fails each call of the flush in mode m, then checks the Session
// and the database, and that flushing again writes after.
func (c *counts) faults(t *testing.T, f Faults, open Opener, m mode, b baseline, after []string, change bool) {
	for n := int64(1); n <= b.calls; n++ {
		if m.kind == CommitLost && n != b.calls {
			continue // only the COMMIT, the flush's last call, can be lost
		}
		c.covered++
		p := point{f: f, mode: m, n: n, lost: m.kind == CommitLost || m.kind == Lost && n == b.calls}
		switch p.run(t, open, b.want, after, change) {
		case retriedFlush:
			c.retried++
		case unreachedCall:
			c.unreached++
		}
		if t.Failed() {
			t.Logf("stopped at call %d of %d: the calls after it are not tried", n, b.calls)
			return
		}
	}
}

// hookPanics panics in the query hook at each statement of the flush: the
// panic must reach the caller with the Session in step with the database.
func (c *counts) hookPanics(t *testing.T, open Opener, b baseline) {
	ctx := context.Background()
	for n := 1; n <= int(b.statements); n++ {
		c.covered++
		sc := setup(t, open)
		before := sc.dump(t)
		sc.hookAt = n
		var recovered any
		func() {
			defer func() { recovered = recover() }()
			_ = sc.s.Flush(ctx)
		}()
		sc.hookAt = 0
		if recovered == nil {
			t.Fatalf("statement %d: the hook's panic did not reach the caller", n)
		}
		waitIdle(t, fmt.Sprintf("statement %d", n), sc)
		// Before the COMMIT the flush is rolled back and the Session put
		// back; at the COMMIT, both hold the changes.
		after := sc.dump(t)
		if diff := cmp.Diff(before, after); diff != "" {
			if diff := cmp.Diff(b.want, after); diff != "" {
				t.Fatalf("statement %d: the database holds neither image after the panic (-want +got):\n%s", n, diff)
			}
		}
		if err := sc.s.Flush(ctx); err != nil {
			t.Fatalf("statement %d: flushing after the panic: %v", n, err)
		}
		if diff := cmp.Diff(b.want, sc.dump(t)); diff != "" {
			t.Fatalf("statement %d: the Session was out of step with the database after the panic (-want +got):\n%s", n, diff)
		}
		sc.close()
	}
}

// point is one fault point: call n failing in mode.
type point struct {
	f    Faults
	mode mode
	n    int64
	lost bool // the call is the COMMIT, sent and then lost: it must be unknown and stored
}

// outcome is what a fault point came to.
type outcome int

const (
	settled       outcome = iota // the flush got through, or its COMMIT was lost: nothing to retry
	retriedFlush                 // the flush failed and was flushed again
	unreachedCall                // the flush failed before the call (its context ended first)
)

// run fails the call on a new scenario and checks what it left; then, unless
// the flush got through, it flushes again, after changing the graph when
// change is set, and checks that the database holds after. An assertion
// about the Session fails the test and goes on, so that one run shows all
// that is wrong at that call.
func (p point) run(t *testing.T, open Opener, want, after []string, change bool) outcome {
	t.Helper()
	ctx := context.Background()
	sc := setup(t, open)
	defer sc.close() // on a failed assertion
	before, held := sc.dump(t), sc.state()
	goroutines := runtime.NumGoroutine()
	fctx, cancel := context.WithTimeout(ctx, time.Hour)
	if p.mode.kind == Deadline {
		fctx, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
	}
	p.f.Arm(p.n, p.mode.kind, p.mode.failRollback)
	err := sc.s.Flush(fctx)
	p.f.Disarm()
	cancel()
	what := p.f.Failed()
	reached := what != ""
	if !reached {
		what = fmt.Sprintf("call %d (not reached)", p.n)
	}
	waitIdle(t, what, sc)
	done := func() {
		sc.close()
		waitGoroutines(t, what, goroutines)
	}
	if p.lost {
		var unknown *orm.CommitUnknownError
		if !errors.As(err, &unknown) {
			t.Fatalf("%s: Flush = %v; want *orm.CommitUnknownError", what, err)
		}
		if diff := cmp.Diff(want, sc.dump(t)); diff != "" {
			t.Fatalf("%s: a COMMIT lost after it was sent did not commit (-want +got):\n%s", what, diff)
		}
		done()
		return settled
	}
	if err == nil {
		// database/sql absorbed the fault (a bad connection before anything
		// was sent is retried on another).
		if diff := cmp.Diff(want, sc.dump(t)); diff != "" {
			t.Fatalf("%s: the flush that got through wrote (-want +got):\n%s", what, diff)
		}
		done()
		return settled
	}
	if p.mode.kind == Deadline && reached && !strings.Contains(what, "Next") && !strings.Contains(what, "Commit") && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%s: Flush = %v; want an error matching context.DeadlineExceeded", what, err)
	}
	if diff := cmp.Diff(before, sc.dump(t)); diff != "" {
		t.Fatalf("%s (%v): the failed flush changed the database (-before +after):\n%s", what, err, diff)
	}
	if got := sc.state(); got != held {
		t.Errorf("%s (%v): the failed flush changed the Session's entities:\n%s", what, err, stateDiff(held, got))
	}
	how := "as it was"
	if change {
		sc.changeGraph()
		how = "with the graph changed"
	}
	if err2 := sc.s.Flush(ctx); err2 != nil {
		t.Fatalf("%s: flushing again %s after %v: %v", what, how, err, err2)
	}
	if diff := cmp.Diff(after, sc.dump(t)); diff != "" {
		t.Errorf("%s: flushing again %s wrote (-want +got):\n%s", what, how, diff)
	}
	done()
	if !reached {
		return unreachedCall
	}
	return retriedFlush
}

// stateDiff shows the entities whose state differs, one a line.
func stateDiff(want, got string) string {
	w, g := strings.Split(want, "; "), strings.Split(got, "; ")
	var b strings.Builder
	for i := range max(len(w), len(g)) {
		var a, c string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			c = g[i]
		}
		if a != c {
			fmt.Fprintf(&b, "  was %s\n  now %s\n", a, c)
		}
	}
	return b.String()
}

// waitIdle fails when a connection stays in use after a flush returned.
// database/sql rolls back a transaction whose context ended in a goroutine
// of its own, so the connection may come back a moment later.
func waitIdle(t *testing.T, what string, sc *scenario) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for sc.inUse() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d connections left in use", what, sc.inUse())
		}
		time.Sleep(time.Millisecond)
	}
}

// waitGoroutines fails when goroutines started during a run outlive it.
func waitGoroutines(t *testing.T, what string, before int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%s: %d goroutines before, %d after:\n%s", what, before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}
