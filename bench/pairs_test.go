package bench

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// pair is the ORM's implementation of an operation beside a raw driver's
// implementation of the same work (or, for the one-round-trip flush, of a
// single round trip).
type pair struct {
	op       string // the row's name: the ORM's operation
	orm, raw ref
}

// ref names one implementation of one operation of ops.
type ref struct{ op, impl string }

func (r ref) find() (impl, bool) {
	for _, o := range ops {
		if o.name == r.op {
			for _, im := range o.impls {
				if im.name == r.impl {
					return im, true
				}
			}
		}
	}
	return impl{}, false
}

// raws are the raw implementations an operation's ORM implementation is
// paired with, where the operation has them: the drivers themselves, and
// the hand-written statements that do the same work in one.
var raws = []string{"pgx", "pgx-unnest", "pgx-copy", "pgx-setval", "pgx-batch", "database-sql", "database-sql-case", "database-sql-values"}

// pairs lists every ORM-and-raw pair: each operation's "orm" beside each of
// its raw implementations, and flush3types beside one single-row UPDATE.
func pairs() []pair {
	var ps []pair
	for _, o := range ops {
		if _, ok := (ref{o.name, "orm"}).find(); !ok {
			continue
		}
		for _, r := range raws {
			if _, ok := (ref{o.name, r}).find(); ok {
				ps = append(ps, pair{o.name, ref{o.name, "orm"}, ref{o.name, r}})
			}
		}
	}
	return append(ps,
		pair{"flush3types", ref{"flush3types", "orm"}, ref{"update1", "pgx"}},
		pair{"flush3types", ref{"flush3types", "orm"}, ref{"update1", "database-sql"}})
}

// BenchmarkPairs runs the ORM and a raw driver alternately, one iteration
// of each in turn (which goes first alternates too), each in a database of
// its own, so that the machine's noise falls on both alike. It reports
// the median of the per-iteration ratios (ratio: ORM time over raw time)
// and each side's median time; ns/op is the two together and means
// nothing. Untimed preparation inside an iteration (env.pause) is left out
// of both clocks.
func BenchmarkPairs(b *testing.B) {
	for _, db := range databases {
		for _, p := range pairs() {
			o, _ := p.orm.find()
			r, _ := p.raw.find()
			name := fmt.Sprintf("db=%s/op=%s/vs=%s", db.name, p.op, p.raw.impl)
			if p.raw.op != p.op {
				name = fmt.Sprintf("db=%s/op=%s/vs=%s-%s", db.name, p.op, p.raw.op, p.raw.impl)
			}
			b.Run(name, func(b *testing.B) {
				eo, er := db.open(b), db.open(b)
				fo, fr := o.run(b, eo), r.run(b, er)
				if fo == nil || fr == nil {
					b.Skipf("%s or %s: not supported on %s", p.orm.impl, p.raw.impl, eo.name)
				}
				var ormNs, rawNs, ratios []float64
				for i := 0; b.Loop(); i++ {
					var to, tr float64
					if i%2 == 0 {
						to, tr = eo.timed(b, fo), er.timed(b, fr)
					} else {
						tr, to = er.timed(b, fr), eo.timed(b, fo)
					}
					ormNs, rawNs, ratios = append(ormNs, to), append(rawNs, tr), append(ratios, to/tr)
				}
				b.ReportMetric(median(ratios), "ratio")
				b.ReportMetric(median(ormNs), "orm-ns")
				b.ReportMetric(median(rawNs), "raw-ns")
			})
		}
	}
}

// timed runs fn once and returns its time in nanoseconds, less the time it
// spent in e.pause.
func (e *env) timed(b *testing.B, fn func() error) float64 {
	paused := e.paused
	start := time.Now()
	if err := fn(); err != nil {
		b.Fatal(err)
	}
	return float64(time.Since(start) - (e.paused - paused))
}

// pause runs f with the benchmark's timer stopped and leaves its time out
// of e.timed's clock too.
func (e *env) pause(b *testing.B, f func()) {
	b.StopTimer()
	start := time.Now()
	f()
	e.paused += time.Since(start)
	b.StartTimer()
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	xs = slices.Clone(xs)
	slices.Sort(xs)
	if n := len(xs); n%2 == 0 {
		return (xs[n/2-1] + xs[n/2]) / 2
	}
	return xs[len(xs)/2]
}
