package ormtest

import (
	"database/sql"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/unitofwork/orm"
)

// edgeRow has nullable fields, of both kinds (a pointer and a sql.Null*),
// and an optional Ref: for the NULL semantics of filters.
type edgeRow struct {
	ID    int64
	Name  string
	N     *int
	M     sql.NullInt64
	Text  string
	Note  *string
	Group orm.Ref[edgeGroup]
}

// edgeGroup holds EdgeRows; its Level is nullable.
type edgeGroup struct {
	ID    int64
	Name  string
	Level *int
	Rows  orm.Collection[edgeRow] `orm:"mappedBy:Group"`
}

var edgeEntities = []any{&edgeRow{}, &edgeGroup{}}

func intp(n int) *int { return &n }

// seedEdges stores groups g1 (level 3), g2 (no level), g3 (no rows) and
// rows r0 to r4:
//
//	r0 N nil  g1    r1 N 1 g1    r2 N 2 g2    r3 N 5 no group    r4 N nil g2
//
// M holds the same values as N.
func seedEdges(t *testing.T, e *env) ([]*edgeRow, []*edgeGroup) {
	t.Helper()
	s := e.db.Session()
	gs := []*edgeGroup{{Name: "g1", Level: intp(3)}, {Name: "g2"}, {Name: "g3"}}
	ns := []*int{nil, intp(1), intp(2), intp(5), nil}
	group := []int{0, 0, 1, -1, 1}
	var rows []*edgeRow
	for i, n := range ns {
		r := &edgeRow{Name: fmt.Sprintf("r%d", i), N: n, Text: fmt.Sprintf("t%d", i)}
		if n != nil {
			r.M = sql.NullInt64{Int64: int64(*n), Valid: true}
			r.Note = new(string)
			*r.Note = fmt.Sprintf("note %d", i)
		}
		if group[i] >= 0 {
			r.Group.Set(gs[group[i]])
		}
		rows = append(rows, r)
	}
	persistAll(t, s, gs)
	persistAll(t, s, rows)
	e.flush(s)
	e.rec.Reset()
	return rows, gs
}

func rowNames(rs []*edgeRow) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

// testNullSemantics: filters treat nil as a value and Not is the exact
// complement, with the same rows on every backend, for pointer and
// sql.Null* fields, through relation paths too.
func testNullSemantics(t *testing.T, open suite) {
	e := setup(t, open, edgeEntities)
	_, gs := seedEdges(t, e)
	r := orm.Repo[edgeRow](e.db.Session())
	all := []string{"r0", "r1", "r2", "r3", "r4"}
	tests := []struct {
		name string
		f    orm.Filter
		want []string
	}{
		{"Ne", orm.Ne("N", 5), []string{"r0", "r1", "r2", "r4"}},
		{"NeNil", orm.Ne("N", nil), []string{"r1", "r2", "r3"}},
		{"NeNilPointer", orm.Ne("N", (*int)(nil)), []string{"r1", "r2", "r3"}},
		{"EqNil", orm.Eq("N", nil), []string{"r0", "r4"}},
		{"Gt", orm.Gt("N", 0), []string{"r1", "r2", "r3"}},
		{"In", orm.In("N", 1, 5), []string{"r1", "r3"}},
		{"InNil", orm.In("N", 1, nil), []string{"r0", "r1", "r4"}},
		{"InOnlyNil", orm.In("N", nil), []string{"r0", "r4"}},
		{"NotIn", orm.NotIn("N", 1, 2), []string{"r0", "r3", "r4"}},
		{"NotInNil", orm.NotIn("N", 1, nil), []string{"r2", "r3"}},
		{"NotInOnlyNil", orm.NotIn("N", nil), []string{"r1", "r2", "r3"}},
		{"NotInEmpty", orm.NotIn("N"), all},
		{"NotEq", orm.Not(orm.Eq("N", 5)), []string{"r0", "r1", "r2", "r4"}},
		{"NotNe", orm.Not(orm.Ne("N", 5)), []string{"r3"}},
		{"NotGt", orm.Not(orm.Gt("N", 1)), []string{"r0", "r1", "r4"}},
		{"NotGte", orm.Not(orm.Gte("N", 2)), []string{"r0", "r1", "r4"}},
		{"NotLt", orm.Not(orm.Lt("N", 2)), []string{"r0", "r2", "r3", "r4"}},
		{"NotLte", orm.Not(orm.Lte("N", 2)), []string{"r0", "r3", "r4"}},
		{"NotIn_", orm.Not(orm.In("N", 1, 2)), []string{"r0", "r3", "r4"}},
		{"NotNotIn", orm.Not(orm.NotIn("N", 1, 2)), []string{"r1", "r2"}},
		{"NotIsNull", orm.Not(orm.IsNull("N")), []string{"r1", "r2", "r3"}},
		{"NotAnd", orm.Not(orm.And(orm.Gt("N", 0), orm.Lt("N", 5))), []string{"r0", "r3", "r4"}},
		{"NotOr", orm.Not(orm.Or(orm.Eq("N", 1), orm.IsNull("N"))), []string{"r2", "r3"}},
		{"NotNot", orm.Not(orm.Not(orm.Ne("N", 5))), []string{"r0", "r1", "r2", "r4"}},
		{"NotLike", orm.Not(orm.Like("Note", "note 1")), []string{"r0", "r2", "r3", "r4"}},
		{"NotAndEmpty", orm.Not(orm.And()), nil},
		{"NotOrEmpty", orm.Not(orm.Or()), all},
		{"NullInt64Ne", orm.Ne("M", sql.NullInt64{Int64: 5, Valid: true}), []string{"r0", "r1", "r2", "r4"}},
		{"NullInt64NeInvalid", orm.Ne("M", sql.NullInt64{}), []string{"r1", "r2", "r3"}},
		{"NullInt64EqInvalid", orm.Eq("M", sql.NullInt64{}), []string{"r0", "r4"}},
		{"NullInt64NotIn", orm.NotIn("M", sql.NullInt64{Int64: 1, Valid: true}, sql.NullInt64{Int64: 2, Valid: true}), []string{"r0", "r3", "r4"}},
		{"NullInt64NotGt", orm.Not(orm.Gt("M", sql.NullInt64{Int64: 1, Valid: true})), []string{"r0", "r1", "r4"}},
		{"NotNullable", orm.Ne("Name", "r1"), []string{"r0", "r2", "r3", "r4"}},
		// Paths: a related entity matches; Not matches the others, rows
		// without a related entity included.
		{"PathEq", orm.Eq("Group.Name", "g1"), []string{"r0", "r1"}},
		{"PathNot", orm.Not(orm.Eq("Group.Name", "g1")), []string{"r2", "r3", "r4"}},
		{"PathNe", orm.Ne("Group.Level", 3), []string{"r2", "r4"}},
		{"PathNotNe", orm.Not(orm.Ne("Group.Level", 3)), []string{"r0", "r1", "r3"}},
		{"PathEqNil", orm.Eq("Group.Level", nil), []string{"r2", "r4"}},
		{"ForeignKeyNe", orm.Ne("Group.ID", gs[0].ID), []string{"r2", "r3", "r4"}},
		{"ForeignKeyNotIn", orm.NotIn("Group", gs[0].ID, gs[1].ID), []string{"r3"}},
		{"ForeignKeyEqNil", orm.Eq("Group", nil), []string{"r3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.Find(e.ctx, tc.f, orm.OrderBy("Name"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, rowNames(got)); diff != "" {
				t.Errorf("Find (-want +got):\n%s", diff)
			}
			n, err := r.Count(e.ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(tc.want)) {
				t.Errorf("Count = %d; want %d", n, len(tc.want))
			}
			// Not(f) is the exact complement of f.
			comp, err := r.Find(e.ctx, orm.Not(tc.f), orm.OrderBy("Name"))
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, name := range all {
				if !slices.Contains(tc.want, name) {
					want = append(want, name)
				}
			}
			if diff := cmp.Diff(want, rowNames(comp)); diff != "" {
				t.Errorf("Not(f) (-want +got):\n%s", diff)
			}
		})
	}

	// One-to-many paths: a group with a row whose N is 5 has none (r3 has
	// no group), so Not matches every group, NULL foreign keys or not.
	gr := orm.Repo[edgeGroup](e.db.Session())
	groupTests := []struct {
		name string
		f    orm.Filter
		want []string
	}{
		{"HasMany", orm.Eq("Rows.N", 1), []string{"g1"}},
		{"HasManyNot", orm.Not(orm.Eq("Rows.N", 1)), []string{"g2", "g3"}},
		{"HasManyNotOrphan", orm.Not(orm.Eq("Rows.N", 5)), []string{"g1", "g2", "g3"}},
		{"HasManyNull", orm.Eq("Rows.N", nil), []string{"g1", "g2"}},
	}
	for _, tc := range groupTests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := gr.Find(e.ctx, tc.f, orm.OrderBy("Name"))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, g := range got {
				names = append(names, g.Name)
			}
			if diff := cmp.Diff(tc.want, names); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	if e.has(SQL) {
		t.Run("Raw", func(t *testing.T) {
			got, err := r.Find(e.ctx, orm.Not(orm.Raw("n > ?", 1)), orm.OrderBy("Name"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"r0", "r1", "r4"}, rowNames(got)); diff != "" {
				t.Errorf("Not(Raw) (-want +got):\n%s", diff)
			}
		})
		// The SQL of a column that cannot be NULL is the plain comparison.
		t.Run("StatementShape", func(t *testing.T) {
			sql := func(f orm.Filter) string {
				e.rec.Reset()
				if _, err := r.Find(e.ctx, f); err != nil {
					t.Fatal(err)
				}
				st := e.rec.Statements()
				if len(st) != 1 {
					t.Fatalf("sent %d statements; want 1", len(st))
				}
				return st[0]
			}
			for _, f := range []orm.Filter{orm.Ne("Name", "x"), orm.NotIn("Name", "x", "y"), orm.Not(orm.Gt("ID", 1)), orm.Not(orm.Eq("Name", "x"))} {
				if st := sql(f); strings.Contains(st, "NULL") || strings.Contains(st, " OR ") {
					t.Errorf("%s; want no NULL test on a column that cannot be NULL", st)
				}
			}
			if st := sql(orm.Ne("N", 5)); !strings.Contains(st, "IS NULL") {
				t.Errorf("Ne on a nullable column: %s; want an IS NULL test", st)
			}
			if st := sql(orm.Not(orm.IsNull("N"))); !strings.Contains(st, "IS NOT NULL") {
				t.Errorf("Not(IsNull): %s; want IS NOT NULL", st)
			}
		})
	}
}

// testLimitOffsetEdges: Limit(0) returns nothing and sends nothing, huge
// limits and offsets neither panic nor overflow nor allocate by the limit,
// negative ones are errors naming the entity, at every entry point.
func testLimitOffsetEdges(t *testing.T, open suite) {
	e := setup(t, open, edgeEntities)
	seedEdges(t, e)
	s := e.db.Session()
	r := orm.Repo[edgeRow](s)

	t.Run("LimitZero", func(t *testing.T) {
		e.rec.Reset()
		got, err := r.Find(e.ctx, nil, orm.Limit(0))
		if err != nil || len(got) != 0 {
			t.Errorf("Find Limit(0) = %d rows, %v; want none", len(got), err)
		}
		for x, err := range r.Stream(e.ctx, nil, orm.Limit(0)) {
			t.Errorf("Stream Limit(0) yielded %v, %v; want nothing", x, err)
		}
		if st := e.rec.Statements(); len(st) != 0 {
			t.Errorf("Limit(0) sent %q; want nothing", st)
		}
		items, n, err := r.FindAndCount(e.ctx, nil, orm.Limit(0))
		if err != nil || len(items) != 0 || n != 5 {
			t.Errorf("FindAndCount Limit(0) = %d items, %d, %v; want 0, 5", len(items), n, err)
		}
		if got := e.rec.Count("SELECT"); got != 1 {
			t.Errorf("FindAndCount Limit(0) sent %d statements; want 1 (the count)", got)
		}
	})

	t.Run("Huge", func(t *testing.T) {
		tests := []struct {
			name string
			opts []orm.QueryOption
			want []string
		}{
			{"LimitMaxInt", []orm.QueryOption{orm.Limit(math.MaxInt)}, []string{"r0", "r1", "r2", "r3", "r4"}},
			{"LimitMaxIntOffset", []orm.QueryOption{orm.Limit(math.MaxInt), orm.Offset(3)}, []string{"r3", "r4"}},
			{"OffsetMaxInt", []orm.QueryOption{orm.Offset(math.MaxInt)}, nil},
			{"BothMaxInt", []orm.QueryOption{orm.Limit(math.MaxInt), orm.Offset(math.MaxInt)}, nil},
			{"OffsetOnly", []orm.QueryOption{orm.Offset(4)}, []string{"r4"}},
			{"OrderThroughRef", []orm.QueryOption{orm.OrderBy("Group.Name", "Name"), orm.Limit(math.MaxInt)}, []string{"r0", "r1", "r2", "r3", "r4"}},
			{"OrderThroughRefOffset", []orm.QueryOption{orm.OrderBy("Group.Name", "Name"), orm.Limit(math.MaxInt), orm.Offset(math.MaxInt)}, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := r.Find(e.ctx, nil, append([]orm.QueryOption{orm.OrderBy("Name")}, tc.opts...)...)
				if err != nil {
					t.Fatal(err)
				}
				if strings.HasPrefix(tc.name, "OrderThroughRef") { // NULLs sort first or last
					got, err = r.Find(e.ctx, nil, tc.opts...)
					if err != nil {
						t.Fatal(err)
					}
					slices.SortFunc(got, func(a, b *edgeRow) int { return strings.Compare(a.Name, b.Name) })
				}
				if diff := cmp.Diff(tc.want, rowNames(got)); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
	})

	t.Run("MemoryFollowsRows", func(t *testing.T) {
		fresh := orm.Repo[edgeRow](e.db.Session())
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		got, err := fresh.Find(e.ctx, orm.Eq("Name", "r1"), orm.Limit(5_000_000))
		runtime.ReadMemStats(&after)
		if err != nil || len(got) != 1 {
			t.Fatalf("Find = %d rows, %v; want 1", len(got), err)
		}
		if d := after.TotalAlloc - before.TotalAlloc; d > 16<<20 {
			t.Errorf("Find of one row with Limit(5,000,000) allocated %d MiB; want memory by the rows returned", d>>20)
		}
	})

	t.Run("Negative", func(t *testing.T) {
		e.rec.Reset()
		check := func(what string, err error) {
			t.Helper()
			if err == nil || !strings.HasPrefix(err.Error(), "orm:") || !strings.Contains(err.Error(), "edgeRow") || !strings.Contains(err.Error(), "negative") {
				t.Errorf("%s = %v; want an orm: error naming edgeRow and the negative value", what, err)
			}
		}
		for _, opt := range []orm.QueryOption{orm.Limit(-1), orm.Offset(-1), orm.Limit(math.MinInt)} {
			_, err := r.Find(e.ctx, nil, opt)
			check("Find", err)
			_, err = r.FindOne(e.ctx, nil, opt)
			check("FindOne", err)
			_, _, err = r.FindAndCount(e.ctx, nil, opt)
			check("FindAndCount", err)
			for _, err := range r.Stream(e.ctx, nil, opt) {
				check("Stream", err)
			}
			_, err = r.Find(e.ctx, nil, opt, orm.Populate("Group"))
			check("Find with Populate", err)
		}
		if st := e.rec.Statements(); len(st) != 0 {
			t.Errorf("negative Limit or Offset sent %q; want nothing", st)
		}
	})
}

// testLikeEscape: one escape rule (% and _ wildcards, a backslash makes the
// next character literal) and case-sensitive matching on every backend.
func testLikeEscape(t *testing.T, open suite) {
	e := setup(t, open, edgeEntities)
	s := e.db.Session()
	texts := []string{`100%`, `100x`, `a_b`, `axb`, `a!b`, `back\slash`, `Go`, `go`, "line1\nline2", `[x]`, `*`, `é`, `it's`}
	for i, x := range texts {
		s.Persist(&edgeRow{Name: fmt.Sprintf("%02d", i), Text: x})
	}
	e.flush(s)
	r := orm.Repo[edgeRow](s)
	tests := []struct {
		pattern string
		want    []string
	}{
		{`100\%`, []string{`100%`}},
		{`100%`, []string{`100%`, `100x`}},
		{`a\_b`, []string{`a_b`}},
		{`a_b`, []string{`a_b`, `axb`, `a!b`}},
		{`a!b`, []string{`a!b`}},
		{`a!_`, []string{`a!b`}},
		{`a!!b`, nil},
		{`back\\slash`, []string{`back\slash`}},
		{`back\\%`, []string{`back\slash`}},
		{`back%`, []string{`back\slash`}},
		{`\a\!\b`, []string{`a!b`}},
		{`go`, []string{`go`}},
		{`G%`, []string{`Go`}},
		{`GO`, nil},
		{`line1%`, []string{"line1\nline2"}},
		{`line1_line2`, []string{"line1\nline2"}},
		{`line1`, nil},
		{`[x]`, []string{`[x]`}},
		{`[%`, []string{`[x]`}},
		{`*`, []string{`*`}},
		{`_`, []string{`*`, `é`}},
		{`it's`, []string{`it's`}},
		{`.*`, nil},
		{`%`, texts},
	}
	for _, tc := range tests {
		t.Run(tc.pattern, func(t *testing.T) {
			got, err := r.Find(e.ctx, orm.Like("Text", tc.pattern), orm.OrderBy("Name"))
			if err != nil {
				t.Fatal(err)
			}
			var texts []string
			for _, x := range got {
				texts = append(texts, x.Text)
			}
			if diff := cmp.Diff(tc.want, texts); diff != "" {
				t.Errorf("Like(%q) (-want +got):\n%s", tc.pattern, diff)
			}
		})
	}
	e.rec.Reset()
	_, err := r.Find(e.ctx, orm.Like("Text", `abc\`))
	if err == nil || !strings.Contains(err.Error(), "edgeRow.Text") || !strings.Contains(err.Error(), "backslash") {
		t.Errorf("Like with a lone trailing backslash = %v; want an error naming edgeRow.Text", err)
	}
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("a bad pattern sent %q; want nothing", st)
	}
}

// testHugeIn: In and NotIn take any number of values, in one statement,
// without exceeding the database's bind-parameter limit, for Find, Count,
// Stream and relation paths.
func testHugeIn(t *testing.T, open suite) {
	e := setup(t, open, edgeEntities)
	rows, gs := seedEdges(t, e)
	r := orm.Repo[edgeRow](e.db.Session())
	const n = 100_000
	ids := make([]int64, 0, n)
	names := make([]string, 0, n)
	for i := range n {
		ids = append(ids, int64(1_000_000+i))
		names = append(names, fmt.Sprintf("missing %d", i))
	}
	ids[n/2], ids[n-1] = rows[1].ID, rows[3].ID
	names[7], names[n-2] = "r2", "r4"
	groupNames := slices.Clone(names)
	groupNames[8] = "g1"
	tests := []struct {
		name string
		f    orm.Filter
		want []string
	}{
		{"In", orm.In("ID", ids), []string{"r1", "r3"}},
		{"NotIn", orm.NotIn("ID", ids), []string{"r0", "r2", "r4"}},
		{"InText", orm.In("Name", names), []string{"r2", "r4"}},
		{"NotInText", orm.NotIn("Name", names), []string{"r0", "r1", "r3"}},
		{"InNullable", orm.In("N", append(slices.Clone(ids[:n-10]), 5, 2)), []string{"r2", "r3"}},
		{"NotInNullable", orm.NotIn("N", append(slices.Clone(ids[:n-10]), 5, 2)), []string{"r0", "r1", "r4"}},
		{"Path", orm.In("Group.Name", groupNames), []string{"r0", "r1"}},
		{"ForeignKey", orm.In("Group", append(slices.Clone(ids[:n-10]), gs[1].ID)), []string{"r2", "r4"}},
		{"Small", orm.In("ID", ids[n-100:]), []string{"r3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.rec.Reset()
			got, err := r.Find(e.ctx, tc.f, orm.OrderBy("Name"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, rowNames(got)); diff != "" {
				t.Errorf("Find (-want +got):\n%s", diff)
			}
			c, err := r.Count(e.ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if c != int64(len(tc.want)) {
				t.Errorf("Count = %d; want %d", c, len(tc.want))
			}
			var streamed []string
			for x, err := range r.Stream(e.ctx, tc.f, orm.OrderBy("Name")) {
				if err != nil {
					t.Fatal(err)
				}
				streamed = append(streamed, x.Name)
			}
			if diff := cmp.Diff(tc.want, streamed); diff != "" {
				t.Errorf("Stream (-want +got):\n%s", diff)
			}
			if e.has(SQL) {
				for _, ev := range e.rec.Events() {
					if !strings.HasPrefix(ev.Statement, "SELECT") || len(ev.Args) > 1000 {
						t.Errorf("sent %.60q… with %d arguments; want one SELECT with few", ev.Statement, len(ev.Args))
					}
				}
			}
			want := 3 // Find, Count, Stream
			if strings.Contains(tc.name, "Path") && !e.has(SQL) {
				want = 6 // and, for each, a query resolving the path
			}
			if got := e.rec.Count("SELECT"); got != want {
				t.Errorf("sent %d SELECTs; want %d", got, want)
			}
		})
	}
	t.Run("HasManyPath", func(t *testing.T) {
		got, err := orm.Repo[edgeGroup](e.db.Session()).Find(e.ctx, orm.In("Rows.ID", append(slices.Clone(ids[:n-10]), rows[2].ID)))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, g := range got {
			names = append(names, g.Name)
		}
		slices.Sort(names)
		if diff := cmp.Diff([]string{"g1", "g2"}, names); diff != "" {
			t.Errorf("Find by Rows.ID (-want +got):\n%s", diff)
		}
	})
}
