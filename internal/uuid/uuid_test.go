package uuid

import (
	"bytes"
	"sync"
	"testing"
	"time"

	guuid "github.com/google/uuid"
)

// checkV7 reports a UUID that github.com/google/uuid does not read as an
// RFC 9562 version 7 UUID of time at (to the millisecond).
func checkV7(t *testing.T, u [16]byte, at time.Time) {
	t.Helper()
	g := guuid.UUID(u)
	if g.Version() != 7 || g.Variant() != guuid.RFC4122 {
		t.Fatalf("%s: version %d, variant %v; want 7, RFC 4122", g, g.Version(), g.Variant())
	}
	if sec, nsec := g.Time().UnixTime(); !at.IsZero() && time.Unix(sec, nsec).UnixMilli() != at.UnixMilli() {
		t.Fatalf("%s: time %v; want %v", g, time.Unix(sec, nsec).UTC(), at.UTC())
	}
}

func TestNewIsV7(t *testing.T) {
	at := time.Date(2026, 12, 2, 14, 0, 0, 123e6, time.UTC)
	g := NewGenerator(func() time.Time { return at })
	for range 10 {
		checkV7(t, g.New(), at)
	}
	var zero Generator // time.Now
	before := time.Now()
	u := zero.New()
	checkV7(t, u, time.Time{})
	if ms := int64(u[0])<<40 | int64(u[1])<<32 | int64(u[2])<<24 | int64(u[3])<<16 | int64(u[4])<<8 | int64(u[5]); ms < before.UnixMilli() || ms > time.Now().UnixMilli() {
		t.Errorf("timestamp %d; want between %d and now", ms, before.UnixMilli())
	}
}

// TestMonotonic: keys increase strictly whatever the clock does: standing
// still for more keys than the counter holds, stepping back, moving on.
func TestMonotonic(t *testing.T) {
	tests := []struct {
		name  string
		clock func(i int) time.Time
	}{
		{"still", func(int) time.Time { return time.UnixMilli(1e12) }},
		{"back", func(i int) time.Time { return time.UnixMilli(1e12 - int64(i)) }},
		{"forward", func(i int) time.Time { return time.UnixMilli(1e12 + int64(i/3)) }},
		{"now", func(int) time.Time { return time.Now() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			i := 0
			g := NewGenerator(func() time.Time { i++; return tc.clock(i) })
			prev := g.New()
			for range 20000 {
				u := g.New()
				if bytes.Compare(prev[:], u[:]) >= 0 || Format(prev) >= Format(u) {
					t.Fatalf("%s came after %s", Format(u), Format(prev))
				}
				checkV7(t, u, time.Time{})
				prev = u
			}
		})
	}
}

// TestConcurrent: goroutines sharing a Generator each see strictly
// increasing keys, and no key is made twice (run with -race).
func TestConcurrent(t *testing.T) {
	g := NewGenerator(func() time.Time { return time.UnixMilli(1e12) })
	const workers, each = 8, 2000
	keys := make([][][16]byte, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range each {
				keys[w] = append(keys[w], g.New())
			}
		})
	}
	wg.Wait()
	seen := map[[16]byte]bool{}
	for w, ks := range keys {
		for i, u := range ks {
			if seen[u] {
				t.Fatalf("key %s made twice", Format(u))
			}
			seen[u] = true
			if i > 0 && bytes.Compare(ks[i-1][:], u[:]) >= 0 {
				t.Fatalf("worker %d: %s came after %s", w, Format(u), Format(ks[i-1]))
			}
		}
	}
}

func TestFormatParse(t *testing.T) {
	g := NewGenerator(nil)
	for _, u := range [][16]byte{{}, {0: 0xff, 15: 0xff}, g.New(), [16]byte(guuid.New())} {
		s := Format(u)
		if want := guuid.UUID(u).String(); s != want {
			t.Errorf("Format = %s; want %s", s, want)
		}
		for _, text := range []string{s, guuid.UUID(u).URN()[9:], string(bytes.ToUpper([]byte(s))), string(bytes.ReplaceAll([]byte(s), []byte("-"), nil))} {
			if got, ok := Parse(text); !ok || got != u {
				t.Errorf("Parse(%q) = %x, %t; want %x", text, got, ok, u)
			}
		}
	}
	for _, bad := range []string{"", "0123", "0190a1b2-c3d4-7e5f-8a1b-2c3d4e5f607", "0190a1b2xc3d4-7e5f-8a1b-2c3d4e5f6071", "0190a1b2-c3d4-7e5f-8a1b-2c3d4e5f607g"} {
		if _, ok := Parse(bad); ok {
			t.Errorf("Parse(%q) succeeded; want false", bad)
		}
	}
}
