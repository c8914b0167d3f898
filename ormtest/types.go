package ormtest

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/unitofwork/orm"
)

func ptr[T any](v T) *T { return &v }

// newSink returns a sink with every field set, varied by n. Times are in UTC
// with microsecond precision, which every SQL backend keeps.
func (e *env) newSink(n int) *sink {
	ts := time.Date(2024, 2, 29, 23, 59, 58, 123456000, time.UTC).Add(time.Duration(n) * time.Hour).Truncate(e.cfg.precision)
	return &sink{
		I8: -8, I16: -16000, I32: -32_000_000, I64: math.MinInt64 + 1,
		U8: 255, U16: 65535, U32: math.MaxUint32, U64: math.MaxInt64, Uint: 7,
		F32: 1.5, F64: math.Pi, B: true, S: "héllo, 世界", K: "kind",
		Bytes: []byte{0, 1, 2, 255}, T: ts,
		PInt: ptr(n), PStr: ptr("pointer"), PTime: ptr(ts.Add(time.Minute)),
		NS:    sql.NullString{String: "ns", Valid: true},
		NI:    sql.NullInt64{Int64: 64, Valid: true},
		Meta:  map[string]any{"a": 1.0, "b": []any{"x", true}},
		List:  []string{"p", "q"},
		Money: money{Cents: 1999},
		audit: audit{Note: "embedded"},
	}
}

// sinkOpts compares sinks: times by instant, JSON maps by their JSON text
// (numbers in them read back as json.Number).
var sinkOpts = cmp.Options{cmp.AllowUnexported(sink{}), cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
	jsonMapEqual}

func testTypes(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	full := e.newSink(1)
	empty := &sink{}
	s.Persist(full, empty)
	e.flush(s)
	load := func(id int64) *sink {
		t.Helper()
		got, err := orm.Repo[sink](e.db.Session()).Get(e.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if diff := cmp.Diff(full, load(full.ID), sinkOpts); diff != "" {
		t.Errorf("full sink round trip (-want +got):\n%s", diff)
	}
	got := load(empty.ID)
	if diff := cmp.Diff(empty, got, sinkOpts); diff != "" {
		t.Errorf("zero sink round trip (-want +got):\n%s", diff)
	}
	if got.PInt != nil || got.NS.Valid || got.Bytes != nil {
		t.Errorf("NULLs came back as %v, %v, %v; want nil, invalid, nil", got.PInt, got.NS, got.Bytes)
	}
	// Change every field of the full sink through one UPDATE.
	e.rec.Reset()
	other := e.newSink(2)
	other.ID = full.ID
	other.PInt, other.PStr, other.Bytes = nil, ptr("other"), []byte("b")
	other.Meta["a"] = 2.0
	other.List = append(other.List, "r")
	other.Money.Cents = 1
	other.Note = "changed"
	*full = *other
	e.flush(s)
	if got := e.counts(); got != e.want(0, 1, 0, 0) {
		t.Errorf("changing every field: %v; want one UPDATE", got)
	}
	if diff := cmp.Diff(full, load(full.ID), sinkOpts); diff != "" {
		t.Errorf("after update (-want +got):\n%s", diff)
	}
	// In-place edits of reference fields are changes too.
	e.rec.Reset()
	*full.PStr = "edited in place"
	full.Bytes[0] = 'X'
	full.Meta["c"] = "new key"
	e.flush(s)
	if got := e.counts(); got != e.want(0, 1, 0, 0) {
		t.Errorf("in-place edits: %v; want one UPDATE", got)
	}
	if diff := cmp.Diff(full, load(full.ID), sinkOpts); diff != "" {
		t.Errorf("after in-place edits (-want +got):\n%s", diff)
	}
	e.rec.Reset()
	e.flush(s)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("clean flush sent %q", st)
	}
	// Filters on typed fields bind values encoded as the fields are.
	r := orm.Repo[sink](e.db.Session())
	for name, f := range map[string]orm.Filter{
		"time":          orm.Eq("T", full.T),
		"time Gt":       orm.Gt("T", full.T.Add(-time.Second)),
		"named":         orm.Eq("K", kind("kind")),
		"valuer":        orm.Eq("Money", money{Cents: 1}),
		"bool":          orm.Eq("B", true),
		"embedded":      orm.Eq("Note", "changed"),
		"pointer":       orm.Eq("PStr", "edited in place"),
		"pointer2":      orm.Eq("PStr", ptr("edited in place")),
		"null":          orm.And(orm.IsNull("PInt"), orm.Eq("B", true)),
		"int8 from int": orm.Eq("I8", -8),
	} {
		got, err := r.Find(e.ctx, f)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(got) != 1 || got[0].ID != full.ID {
			t.Errorf("%s: found %d sinks; want the full one", name, len(got))
		}
	}
	if _, err := r.Find(e.ctx, orm.Eq("I8", 300)); err == nil || !strings.Contains(err.Error(), "I8") {
		t.Errorf("Eq(I8, 300) = %v; want an error naming I8", err)
	}
	// A value the column cannot hold fails the flush, naming the field.
	bad := &sink{U64: math.MaxUint64}
	s.Persist(bad)
	if err := s.Flush(e.ctx); err == nil || !strings.Contains(err.Error(), "U64") {
		t.Errorf("flushing U64 = MaxUint64: %v; want an error naming U64", err)
	}
	s.Remove(bad)
	e.flush(s)
}

func testAppAssignedKeys(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	tags := []*tag{{Code: "go", Label: "Go"}, {Code: "db", Label: "Databases"}}
	persistAll(t, s, tags)
	e.flush(s)
	r := orm.Repo[tag](s)
	got, err := r.Get(e.ctx, "go")
	if err != nil || got != tags[0] {
		t.Fatalf("Get(\"go\") = %p, %v; want the persisted pointer %p", got, err, tags[0])
	}
	if n := e.rec.Count("SELECT"); n != 0 {
		t.Errorf("Get of a flushed entity sent %d SELECTs; want 0", n)
	}
	tags[1].Label = "DB"
	e.flush(s)
	got, err = orm.Repo[tag](e.db.Session()).Get(e.ctx, "db")
	if err != nil || got.Label != "DB" {
		t.Errorf("reloaded tag = %+v, %v", got, err)
	}
	s.Persist(&tag{Label: "no code"})
	if err := s.Flush(e.ctx); err == nil || !strings.Contains(err.Error(), "tag") {
		t.Errorf("flushing a Tag without a key = %v; want an error naming tag", err)
	}
}

func testCompositeKeys(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	ps := []*pair{{A: 1, B: "x", V: 1}, {A: 1, B: "y", V: 2}, {A: 2, B: "x", V: 3}}
	persistAll(t, s, ps)
	e.flush(s)
	fresh := e.db.Session()
	r := orm.Repo[pair](fresh)
	got, err := r.Get(e.ctx, []any{1, "y"})
	if err != nil || got.V != 2 {
		t.Fatalf("Get([1 y]) = %+v, %v", got, err)
	}
	again, _ := r.Get(e.ctx, []any{int64(1), "y"})
	if again != got {
		t.Errorf("Get of a composite key twice returned two instances")
	}
	if _, err := r.Get(e.ctx, 1); err == nil {
		t.Errorf("Get with half a composite key succeeded; want an error")
	}
	e.rec.Reset()
	ps[0].V, ps[2].V = 10, 30
	e.flush(s)
	if got := e.counts(); got != e.want(0, 1, 0, 0) {
		t.Errorf("two composite updates: %v; want one UPDATE", got)
	}
	s.Remove(ps[0], ps[1])
	e.flush(s)
	left, err := orm.Repo[pair](e.db.Session()).Find(e.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*pair{ps[2]}, left); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func testKeyConversion(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	it := &item{Title: "k"}
	s.Persist(it)
	e.flush(s)
	r := orm.Repo[item](e.db.Session())
	for _, id := range []any{it.ID, int(it.ID), int32(it.ID), uint8(it.ID)} {
		if got, err := r.Get(e.ctx, id); err != nil || got.ID != it.ID {
			t.Errorf("Get(%T %v) = %v, %v", id, id, got, err)
		}
	}
	e.rec.Reset()
	for _, id := range []any{"1", 1.5, nil, []any{1}, uint64(math.MaxUint64)} {
		if _, err := r.Get(e.ctx, id); err == nil || errors.Is(err, orm.ErrNotFound) {
			t.Errorf("Get(%T %v) = %v; want a conversion error", id, id, err)
		}
	}
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("bad keys sent %q; want nothing", st)
	}
}

func testUnregistered(t *testing.T, open suite) {
	type Stranger struct{ ID int64 }
	e := setup(t, open, []any{&item{}})
	s := e.db.Session()
	if _, err := orm.Repo[Stranger](s).Get(e.ctx, 1); err == nil || !strings.Contains(err.Error(), "Stranger") {
		t.Errorf("Get of an unregistered type = %v; want an error naming Stranger", err)
	}
	if _, err := orm.Repo[Stranger](s).Find(e.ctx, nil); err == nil {
		t.Errorf("Find of an unregistered type succeeded")
	}
	if err := s.Persist(&Stranger{}); err == nil || !strings.Contains(err.Error(), "Stranger") {
		t.Errorf("Persist of an unregistered type = %v; want an error naming Stranger", err)
	}
	if err := s.Flush(e.ctx); err == nil {
		t.Errorf("Flush after a failed Persist succeeded")
	}
}

// testEdgeValues stores values some databases cannot hold: each must either
// come back exactly or fail its flush with an error, leaving nothing written
// — never be stored altered.
func testEdgeValues(t *testing.T, open suite) {
	e := setup(t, open, all)
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	blob := make([]byte, 1<<20)
	for i := range blob {
		blob[i] = byte(i * 7)
	}
	cases := []struct {
		name string
		set  func(*sink)
	}{
		{"NUL in a string", func(s *sink) { s.S = "a\x00b" }},
		{"invalid UTF-8", func(s *sink) { s.S = "a\xffb" }},
		{"1 MiB string", func(s *sink) { s.S = big }},
		{"1 MiB blob", func(s *sink) { s.Bytes = blob }},
		{"NaN", func(s *sink) { s.F64 = math.NaN() }},
		{"+Inf", func(s *sink) { s.F64 = math.Inf(1) }},
		{"-Inf float32", func(s *sink) { s.F32 = float32(math.Inf(-1)) }},
		{"uint64 above 2^63", func(s *sink) { s.U64 = 1<<63 + 5 }},
		{"max int64", func(s *sink) { s.I64 = math.MaxInt64 }},
		{"nil pointers", func(s *sink) { s.PInt, s.PStr, s.PTime = nil, nil, nil }},
		{"empty bytes", func(s *sink) { s.Bytes = []byte{} }},
		{"time with zone", func(s *sink) {
			s.T = time.Date(2024, 6, 1, 12, 0, 0, 123456000, time.FixedZone("X", 5*3600+30*60)).Truncate(e.cfg.precision)
		}},
	}
	opts := cmp.Options{sinkOpts, cmp.Comparer(func(a, b float64) bool {
		return a == b || (math.IsNaN(a) && math.IsNaN(b))
	}), cmp.Comparer(func(a, b float32) bool { return a == b }),
		cmp.Comparer(func(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) })}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := e.db.Session()
			v := e.newSink(3)
			c.set(v)
			s.Persist(v)
			if err := s.Flush(e.ctx); err != nil {
				t.Logf("refused: %v", err)
				if n, _ := orm.Repo[sink](e.db.Session()).Count(e.ctx, nil); n != 0 {
					t.Errorf("a refused flush left %d rows", n)
				}
				if v.ID != 0 {
					t.Errorf("a refused flush left key %d", v.ID)
				}
				return
			}
			got, err := orm.Repo[sink](e.db.Session()).Get(e.ctx, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(v, got, opts); diff != "" {
				t.Errorf("stored altered (-want +got):\n%.2000s", diff)
			}
			if c.name == "empty bytes" && got.Bytes == nil {
				t.Logf("an empty []byte reads back as nil")
			}
			s.Remove(v)
			e.flush(s)
		})
	}
}

// testBytesBatchUpdate: bytes that are not valid UTF-8 survive an update
// of more rows than a CASE takes (UPDATE … FROM or JOIN a list of values,
// where a parameter stands alone, not beside a column of its type).
func testBytesBatchUpdate(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	var ss []*sink
	for i := range 20 {
		x := e.newSink(i)
		ss = append(ss, x)
		s.Persist(x)
	}
	e.flush(s)
	for i, x := range ss {
		x.Bytes = []byte{0xa2, 0x37, 0x27, 0x06, 0xff, byte(i)}
	}
	e.flush(s)
	got, err := orm.Repo[sink](e.db.Session()).Find(e.ctx, nil, orm.OrderBy("ID"))
	if err != nil || len(got) != len(ss) {
		t.Fatalf("Find = %d sinks, %v", len(got), err)
	}
	for i, g := range got {
		if !bytes.Equal(g.Bytes, ss[i].Bytes) {
			t.Errorf("sink %d: Bytes read back %x; want %x", i, g.Bytes, ss[i].Bytes)
		}
	}
}

// testLargeBatchUpdateTypes: a batched UPDATE of 40 rows (a join of new
// values, an array per column on PostgreSQL) setting nullable fields to
// NULL in some rows and to new values in others, with times, bytes,
// floats, booleans, text and small integers among them, reads back as set.
func testLargeBatchUpdateTypes(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	sinks := make([]*sink, 40)
	for i := range sinks {
		sinks[i] = e.newSink(i)
		s.Persist(sinks[i])
	}
	e.flush(s)
	for i, k := range sinks {
		if i%2 == 0 {
			k.PInt, k.PStr, k.PTime, k.Bytes = nil, nil, nil, nil
			k.S, k.B, k.F64, k.I16 = "", false, 0, 0
			continue
		}
		k.PInt, k.PStr = ptr(-i), ptr(fmt.Sprint("new ", i))
		k.Bytes, k.S, k.F64, k.I16 = []byte{byte(i)}, fmt.Sprint("s", i), float64(i)/3, int16(-i)
		k.T = k.T.Add(time.Duration(i) * time.Second)
	}
	e.rec.Reset()
	e.flush(s)
	if n := e.rec.Count("UPDATE"); n != 1 {
		t.Errorf("%d UPDATEs; want 1", n)
	}
	fresh := e.db.Session()
	for _, k := range sinks {
		got, err := orm.Repo[sink](fresh).Get(e.ctx, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(k, got, sinkOpts); diff != "" {
			t.Fatalf("sink %d after the batched UPDATE (-want +got):\n%s", k.ID, diff)
		}
	}
}

// testLargeBatchInsert: 40 new entities of a type in one flush, half of
// them referencing 40 new ones of another (a NULL foreign key for the
// rest): a few INSERTs (on PostgreSQL one array a column), a key of its
// own for each, and every entity read back by its key holding its own
// fields and reference.
func testLargeBatchInsert(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	drivers := make([]*driver, 40)
	for i := range drivers {
		drivers[i] = &driver{Name: fmt.Sprint("driver ", i), Title: fmt.Sprint("title ", i)}
		if i%2 == 1 {
			drivers[i].Address = orm.RefTo(&address{Street: fmt.Sprint("street ", i), City: "city"})
		}
		s.Persist(drivers[i])
	}
	e.rec.Reset()
	e.flush(s)
	if n := e.rec.Count("INSERT"); n > 3 {
		t.Errorf("%d INSERTs for 40 drivers and 20 addresses; want at most 3 (the addresses, the drivers before and after them)", n)
	}
	seen := map[int64]bool{}
	for i, d := range drivers {
		if d.ID == 0 || seen[d.ID] {
			t.Fatalf("driver %d got key %d: zero or taken", i, d.ID)
		}
		seen[d.ID] = true
	}
	fresh := e.db.Session()
	for i, d := range drivers {
		got, err := orm.Repo[driver](fresh).Get(e.ctx, d.ID, orm.Populate("Address"))
		if err != nil {
			t.Fatal(err)
		}
		street := ""
		if a := got.Address.Get(); a != nil {
			street = a.Street
		}
		want := ""
		if i%2 == 1 {
			want = fmt.Sprint("street ", i)
		}
		if got.Name != d.Name || got.Title != d.Title || street != want {
			t.Errorf("driver %d (key %d) reads back as %q, %q, address %q; want %q, %q, %q", i, d.ID, got.Name, got.Title, street, d.Name, d.Title, want)
		}
	}
}
