// Command report turns `go test -bench` output of the bench package into a
// Markdown table of ratios to the raw driver and an SVG bar chart of them:
//
//	go test -run '^$' -bench . ./bench/ | go run ./bench/report -svg bench/ratios.svg > table.md
//
// The baseline of each database is its raw driver: pgx on PostgreSQL,
// database/sql elsewhere. With several runs of a benchmark (-count), the
// median is used. Where a column has several implementations of one
// operation (the raw drivers' CASE WHEN, VALUES-join and unnest updates), the
// fastest stands for it. The table also gives the ORM's own time and
// allocations per operation, which is all there is for operations no peer
// has (identity-map hit, clean flush).
//
// BenchmarkPairs lines (the ORM and a raw implementation alternating per
// iteration) become a second table: for each pair the median over runs of
// each run's median per-iteration ratio, with both sides' median times.
// This is the table to read on a noisy machine: one run to the next, the
// Peers ratios move by ±10–30 %, the pairs' by a few percent. It uses the
// standard library only.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"html"
	"io"
	"log"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

var line = regexp.MustCompile(`^BenchmarkPeers/db=([^/]+)/op=([^/]+)/impl=(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:\s+[\d.]+ B/op\s+(\d+) allocs/op)?`)

var pairLine = regexp.MustCompile(`^BenchmarkPairs/db=([^/]+)/op=([^/]+)/vs=(\S+?)(?:-\d+)?\s+\d+\s`)

// metric finds one reported metric of a benchmark line.
func metric(text, unit string) (float64, bool) {
	m := regexp.MustCompile(`\s([\d.e+-]+) ` + regexp.QuoteMeta(unit) + `(\s|$)`).FindStringSubmatch(text)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, err == nil
}

type key struct{ db, op, impl string }

// pairRuns are the runs of one pair: per run, the median ratio and each
// side's median time.
type pairRuns struct {
	ratio, orm, raw []float64
}

func main() {
	svgPath := flag.String("svg", "", "write the SVG chart to this file")
	flag.Parse()
	times := map[key][]float64{}
	allocs := map[key]string{}
	var order []key
	pairs := map[key]*pairRuns{}
	var pairOrder []key
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if m := pairLine.FindStringSubmatch(sc.Text()); m != nil {
			ratio, ok1 := metric(sc.Text(), "ratio")
			o, ok2 := metric(sc.Text(), "orm-ns")
			r, ok3 := metric(sc.Text(), "raw-ns")
			if !ok1 || !ok2 || !ok3 {
				continue
			}
			k := key{m[1], m[2], m[3]}
			if pairs[k] == nil {
				pairs[k] = &pairRuns{}
				pairOrder = append(pairOrder, k)
			}
			p := pairs[k]
			p.ratio, p.orm, p.raw = append(p.ratio, ratio), append(p.orm, o), append(p.raw, r)
			continue
		}
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		ns, err := strconv.ParseFloat(m[4], 64)
		if err != nil {
			continue
		}
		k := key{m[1], m[2], m[3]}
		if times[k] == nil {
			order = append(order, k)
		}
		times[k] = append(times[k], ns)
		allocs[k] = m[5]
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
	// The median of each implementation, then the fastest of each column.
	best := map[key]float64{}
	for k, ts := range times {
		slices.Sort(ts)
		fk := key{k.db, k.op, family(k.impl)}
		if v, ok := best[fk]; !ok || ts[len(ts)/2] < v {
			best[fk] = ts[len(ts)/2]
		}
	}
	var rows []*row
	impls := map[string]bool{}
	byDBOp := map[[2]string]*row{}
	for _, k := range order {
		r := byDBOp[[2]string{k.db, k.op}]
		if r == nil {
			r = &row{db: k.db, op: k.op, ratios: map[string]float64{}, base: baseline(k.db)}
			byDBOp[[2]string{k.db, k.op}] = r
			rows = append(rows, r)
		}
		if k.impl == "orm" {
			r.ormNs, r.ormAllocs = best[key{k.db, k.op, "orm"}], allocs[k]
		}
		impls[family(k.impl)] = true
	}
	var cols []string
	for i := range impls {
		cols = append(cols, i)
	}
	sort.Slice(cols, func(a, b int) bool {
		return rank(cols[a]) < rank(cols[b]) || rank(cols[a]) == rank(cols[b]) && cols[a] < cols[b]
	})
	for _, r := range rows {
		base := best[key{r.db, r.op, r.base}]
		if base == 0 { // no pgx implementation of this operation: database/sql
			base = best[key{r.db, r.op, "database-sql"}]
		}
		for _, c := range cols {
			if v := best[key{r.db, r.op, c}]; v > 0 && base > 0 {
				r.ratios[c] = v / base
			}
		}
	}
	if len(rows) > 0 {
		writeTable(os.Stdout, rows, cols)
	}
	if len(pairOrder) > 0 {
		if len(rows) > 0 {
			fmt.Println()
		}
		writePairs(os.Stdout, pairOrder, pairs)
	}
	if *svgPath != "" {
		f, err := os.Create(*svgPath)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		var bars []bar
		for _, r := range rows {
			if v, ok := r.ratios["orm"]; ok {
				bars = append(bars, bar{label: r.db + " " + r.op, ratio: v})
			}
		}
		writeSVG(f, bars)
	}
}

// row is one database and operation: each implementation's time over the
// baseline's, and the ORM's own time and allocations.
type row struct {
	db, op    string
	ratios    map[string]float64
	base      string
	ormNs     float64
	ormAllocs string
}

// family names the column an implementation belongs to: update100's
// hand-written CASE and unnest statements stand in the raw drivers' columns,
// Bun's Bulk and GORM's transaction loop in theirs.
func family(impl string) string {
	switch {
	case strings.HasPrefix(impl, "database-sql"):
		return "database-sql"
	case strings.HasPrefix(impl, "pgx"):
		return "pgx"
	case strings.HasPrefix(impl, "bun"):
		return "bun"
	case strings.HasPrefix(impl, "gorm"):
		return "gorm"
	}
	return impl
}

func baseline(db string) string {
	if strings.HasPrefix(db, "postgres") {
		return "pgx"
	}
	return "database-sql"
}

func rank(impl string) int {
	switch {
	case impl == "orm":
		return 0
	case strings.HasPrefix(impl, "pgx"), strings.HasPrefix(impl, "database-sql"):
		return 1
	}
	return 2
}

func writeTable(w io.Writer, rows []*row, cols []string) {
	fmt.Fprintf(w, "| database | operation | orm time | orm allocs | %s |\n", strings.ReplaceAll(strings.Join(cols, " | "), "database-sql", "database/sql"))
	fmt.Fprintf(w, "|---|---|--:|--:|%s\n", strings.Repeat("--:|", len(cols)))
	for _, r := range rows {
		cells := make([]string, len(cols))
		for i, c := range cols {
			cells[i] = "—"
			if v, ok := r.ratios[c]; ok {
				cells[i] = fmt.Sprintf("%.2f", v)
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", r.db, r.op, duration(r.ormNs), r.ormAllocs, strings.Join(cells, " | "))
	}
}

// writePairs prints the interleaved pairs: runs, both sides' medians and
// the median ratio.
func writePairs(w io.Writer, order []key, pairs map[key]*pairRuns) {
	fmt.Fprintln(w, "| database | operation | raw | runs | orm | raw time | orm / raw |")
	fmt.Fprintln(w, "|---|---|---|--:|--:|--:|--:|")
	for _, k := range order {
		p := pairs[k]
		fmt.Fprintf(w, "| %s | %s | %s | %d | %s | %s | %.2f |\n", k.db, k.op, k.impl, len(p.ratio),
			duration(middle(p.orm)), duration(middle(p.raw)), middle(p.ratio))
	}
}

// middle is the median of xs.
func middle(xs []float64) float64 {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	if n := len(xs); n%2 == 0 {
		return (xs[n/2-1] + xs[n/2]) / 2
	}
	return xs[len(xs)/2]
}

// duration prints nanoseconds in the unit that suits them.
func duration(ns float64) string {
	switch {
	case ns == 0:
		return "—"
	case ns < 1e3:
		return fmt.Sprintf("%.0f ns", ns)
	case ns < 1e6:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.2f ms", ns/1e6)
}

type bar struct {
	label string
	ratio float64
}

func writeSVG(w io.Writer, bars []bar) {
	const rowH, left, width = 22, 230, 420
	maxR := 2.0
	for _, b := range bars {
		maxR = max(maxR, b.ratio)
	}
	h := rowH*len(bars) + 50
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", left+width+80, h)
	fmt.Fprintf(w, `<text x="10" y="16" font-weight="bold">unitofwork/orm time / raw driver time (lower is better; 1 = raw)</text>`+"\n")
	x1 := left + int(float64(width)/maxR)
	fmt.Fprintf(w, `<line x1="%d" y1="24" x2="%d" y2="%d" stroke="#888" stroke-dasharray="4"/>`+"\n", x1, x1, h-10)
	for i, b := range bars {
		y := 30 + i*rowH
		bw := int(b.ratio / maxR * width)
		color := "#4a90d9"
		if b.ratio > 1.3 {
			color = "#d9824a"
		}
		fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-6, y+14, html.EscapeString(b.label))
		fmt.Fprintf(w, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`+"\n", left, y+3, bw, rowH-6, color)
		fmt.Fprintf(w, `<text x="%d" y="%d">%.2f</text>`+"\n", left+bw+4, y+14, b.ratio)
	}
	fmt.Fprintln(w, `</svg>`)
}
