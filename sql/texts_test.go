package sql

import (
	"fmt"
	"reflect"
	"strconv"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// textsDialect numbers its placeholders and advances keys, as PostgreSQL
// does, or not, as MySQL does (conflict false: ON DUPLICATE KEY UPDATE).
type textsDialect struct{ conflict bool }

func (textsDialect) Name() string                             { return "texts" }
func (textsDialect) AppendIdent(b []byte, name string) []byte { return AppendQuoted(b, name, '"') }
func (textsDialect) MaxParams() int                           { return 1000 }
func (textsDialect) ColumnType(Column) string                 { return "" }
func (textsDialect) AutoKey(Column) string                    { return "" }
func (textsDialect) Paging(int, int) string                   { return "" }
func (textsDialect) Classify(error) error                     { return nil }
func (d textsDialect) Has(c Capability) bool {
	return d.conflict && c&(Returning|OnConflictDoNothing) == c
}
func (textsDialect) AppendPlaceholder(b []byte, n int, _ Column) []byte {
	return strconv.AppendInt(append(b, '$'), int64(n), 10)
}
func (textsDialect) AdvanceKey(table, column string, key int64) (string, []any) {
	return "SELECT advance(?, ?, ?)", []any{table, column, key}
}

type textsItem struct {
	ID    int64
	Name  string
	Price float64
	Note  *string
}

// TestTextsCache: a statement whose text comes from the cache is the one
// compiled afresh, arguments and all, for inserts and upserts of the same
// shape with other values, foreign keys written as NULL, and other shapes.
func TestTextsCache(t *testing.T) {
	reg, err := meta.Build([]any{&textsItem{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := reg.Lookup(reflect.TypeFor[textsItem]())
	rows := func(n, from int, null bool) []backend.Row {
		out := make([]backend.Row, n)
		for i := range out {
			note := fmt.Sprint("note", from+i)
			out[i].Ptr = unsafe.Pointer(&textsItem{ID: int64(from + i), Name: fmt.Sprint("n", from+i), Price: float64(from + i), Note: &note})
			if null && i == 0 {
				out[i].Null = backend.NewMask(len(m.Fields))
				out[i].Null.Set(m.Field("Note").Pos)
			}
		}
		return out
	}
	u := &backend.Upsert{Entity: m, Conflict: m.PK, Update: []*meta.Field{m.Field("Name"), m.Field("Price")}}
	for _, d := range []textsDialect{{conflict: true}, {conflict: false}} {
		var cache texts
		for round, rs := range [][]backend.Row{rows(3, 1, false), rows(3, 10, true), rows(2, 20, false), rows(3, 30, false)} {
			bt := &backend.Batch{Kind: backend.Insert, Entity: m, Fields: m.Fields, Rows: rs}
			for _, advance := range []bool{false, true} {
				got, err := upsertStmt(d, &cache, u, m.Fields, rs, d.conflict, advance)
				if err != nil {
					t.Fatal(err)
				}
				want, _ := upsertStmt(d, nil, u, m.Fields, rs, d.conflict, advance)
				if diff := cmp.Diff(want, got, cmp.AllowUnexported(stmt{})); diff != "" {
					t.Errorf("%+v round %d, upsert (advance %v) from the cache (-fresh +cached):\n%s", d, round, advance, diff)
				}
			}
			got, _ := insertStmt(d, &cache, bt, rs)
			want, _ := insertStmt(d, nil, bt, rs)
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(stmt{})); diff != "" {
				t.Errorf("%+v round %d, insert from the cache (-fresh +cached):\n%s", d, round, diff)
			}
		}
		if n := len(cache.m); n != 6 {
			t.Errorf("%+v: %d texts cached; want 6 (2 row counts × insert and 2 upserts)", d, n)
		}
	}
}

// TestSelectTexts: a read whose text comes from the cache is the one
// compiled afresh, for reads by one field, by several in field order, of
// every row and with a Limit; the other reads (order, fields out of order,
// other operators) are not cached.
func TestSelectTexts(t *testing.T) {
	reg, err := meta.Build([]any{&textsItem{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := reg.Lookup(reflect.TypeFor[textsItem]())
	id, name, price := m.Field("ID"), m.Field("Name"), m.Field("Price")
	eq := func(f *meta.Field, v any) *backend.Cond { return &backend.Cond{Op: backend.OpEq, Field: f, Value: v} }
	and := func(cs ...*backend.Cond) *backend.Cond { return &backend.Cond{Op: backend.OpAnd, Conds: cs} }
	queries := func(k int) []*backend.Query {
		return []*backend.Query{
			{Entity: m, Where: eq(id, int64(k))},
			{Entity: m, Where: eq(name, fmt.Sprint("n", k)), Limit: 1},
			{Entity: m, Where: eq(name, fmt.Sprint("n", k)), Limit: 2},
			{Entity: m, Where: and(eq(id, int64(k)), eq(price, float64(k)))},
			{Entity: m},
			{Entity: m, Where: and(eq(price, float64(k)), eq(id, int64(k)))},                // not in field order
			{Entity: m, Where: &backend.Cond{Op: backend.OpGt, Field: id, Value: int64(k)}}, // not an Eq
			{Entity: m, Where: eq(id, int64(k)), Order: []backend.Order{{Field: name}}},
		}
	}
	var cache texts
	for round := range 3 {
		for i, q := range queries(round) {
			got, err := selectStmt(textsDialect{}, &cache, q)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := selectStmt(textsDialect{}, nil, q)
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(stmt{})); diff != "" {
				t.Errorf("round %d, query %d from the cache (-fresh +cached):\n%s", round, i, diff)
			}
		}
	}
	if n := len(cache.m); n != 5 {
		t.Errorf("%d texts cached; want 5", n)
	}
}
