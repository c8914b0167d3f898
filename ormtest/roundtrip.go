package ormtest

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/unitofwork/orm"
	ormsql "github.com/unitofwork/orm/sql"
)

// vals has a field of every supported value type and nullable form, and an
// owner to be populated through.
type vals struct {
	ID    int64
	Case  string
	I8    int8
	I16   int16
	I32   int32
	I64   int64
	I     int
	U8    uint8
	U16   uint16
	U32   uint32
	U64   uint64
	U     uint
	F32   float32
	F64   float64
	B     bool
	S     string
	Bytes []byte
	T     time.Time
	PI64  *int64
	PU16  *uint16
	PF32  *float32
	PF64  *float64
	PB    *bool
	PS    *string
	PT    *time.Time
	PBs   *[]byte
	NS    sql.NullString
	NI64  sql.NullInt64
	NI32  sql.NullInt32
	NI16  sql.NullInt16
	NByte sql.NullByte
	NF    sql.NullFloat64
	NB    sql.NullBool
	NT    sql.NullTime
	GI    sql.Null[int64]
	GS    sql.Null[string]
	GF    sql.Null[float64]
	GT    sql.Null[time.Time]
	GBs   sql.Null[[]byte]
	J     map[string]any `orm:"json"`
	JN    jsonNums       `orm:"json"`
	JS    string         `orm:"json"` // a plain type mapped as JSON: the text "x" is stored as "\"x\""
	JI    int64          `orm:"json"`
	Owner orm.Ref[valsOwner]
}

// jsonNums is a JSON value with typed numbers at their limits.
type jsonNums struct {
	I64 int64
	U64 uint64
	F64 float64
}

// valsOwner owns Vals, so they can be read through Populate.
type valsOwner struct {
	ID   int64
	Name string
	Vals orm.Collection[vals] `orm:"mappedBy:Owner"`
}

// valsCase is one row of the type matrix: set fills it in; class groups
// the cases a backend must treat alike (all stored exactly, or all refused);
// refuse says every backend refuses it; show is how the refusal's error
// names the value.
type valsCase struct {
	name, class, show string
	refuse            bool
	field             string
	set               func(v *vals)
}

func valsCases(prec time.Duration) []valsCase {
	zone := func(name string, off int) *time.Location { return time.FixedZone(name, off) }
	at := func(y int, mo time.Month, d, h, mi, s, ns int, loc *time.Location) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, loc).Truncate(prec)
	}
	nan, inf := math.NaN(), math.Inf(1)
	negZero := math.Copysign(0, -1)
	cases := []valsCase{
		{name: "zero", class: "plain", set: func(*vals) {}},
		{name: "max", class: "plain", set: func(v *vals) {
			v.I8, v.I16, v.I32, v.I64, v.I = math.MaxInt8, math.MaxInt16, math.MaxInt32, math.MaxInt64, math.MaxInt
			v.U8, v.U16, v.U32, v.U64, v.U = math.MaxUint8, math.MaxUint16, math.MaxUint32, math.MaxInt64, math.MaxInt64
			v.F32, v.F64 = math.MaxFloat32, math.MaxFloat64
			v.PI64, v.PU16, v.PF32, v.PF64 = ptr(int64(math.MaxInt64)), ptr(uint16(math.MaxUint16)), ptr(float32(math.MaxFloat32)), ptr(math.MaxFloat64)
			v.NI64 = sql.NullInt64{Int64: math.MaxInt64, Valid: true}
			v.NI32 = sql.NullInt32{Int32: math.MaxInt32, Valid: true}
			v.NI16 = sql.NullInt16{Int16: math.MaxInt16, Valid: true}
			v.NByte = sql.NullByte{Byte: math.MaxUint8, Valid: true}
			v.NF = sql.NullFloat64{Float64: math.MaxFloat64, Valid: true}
			v.GI = sql.Null[int64]{V: math.MaxInt64, Valid: true}
			v.GF = sql.Null[float64]{V: math.MaxFloat64, Valid: true}
			v.J = map[string]any{"max": int64(math.MaxInt64), "big": int64(1<<53 + 1), "neg": int64(math.MinInt64), "f": 0.1}
			v.JN = jsonNums{I64: math.MaxInt64, U64: math.MaxUint64, F64: math.MaxFloat64}
		}},
		{name: "min", class: "plain", set: func(v *vals) {
			v.I8, v.I16, v.I32, v.I64, v.I = math.MinInt8, math.MinInt16, math.MinInt32, math.MinInt64, math.MinInt
			v.U8, v.U16, v.U32, v.U64, v.U = 1, 1, 1, 1, 1
			v.F32, v.F64 = -math.MaxFloat32, -math.MaxFloat64
			v.PI64, v.PF32, v.PF64 = ptr(int64(math.MinInt64)), ptr(float32(-math.MaxFloat32)), ptr(-math.MaxFloat64)
			v.NI64 = sql.NullInt64{Int64: math.MinInt64, Valid: true}
			v.NI32 = sql.NullInt32{Int32: math.MinInt32, Valid: true}
			v.NI16 = sql.NullInt16{Int16: math.MinInt16, Valid: true}
			v.NF = sql.NullFloat64{Float64: -math.MaxFloat64, Valid: true}
			v.GI = sql.Null[int64]{V: math.MinInt64, Valid: true}
			v.JN = jsonNums{I64: math.MinInt64, F64: -math.MaxFloat64}
		}},
		{name: "tiny floats", class: "plain", set: func(v *vals) {
			v.F32, v.F64 = math.SmallestNonzeroFloat32, math.SmallestNonzeroFloat64
			v.PF32, v.PF64 = ptr(float32(math.SmallestNonzeroFloat32)), ptr(math.SmallestNonzeroFloat64)
			v.NF = sql.NullFloat64{Float64: math.SmallestNonzeroFloat64, Valid: true}
			v.GF = sql.Null[float64]{V: -math.SmallestNonzeroFloat64, Valid: true}
			v.JN = jsonNums{F64: math.SmallestNonzeroFloat64}
		}},
		{name: "digits", class: "plain", set: func(v *vals) {
			v.F32, v.F64 = 1.2345678, math.Pi
			v.PF32, v.PF64 = ptr(float32(16777217.0/3)), ptr(0.1+0.2)
			v.NF = sql.NullFloat64{Float64: math.E, Valid: true}
			v.GF = sql.Null[float64]{V: 1e-300, Valid: true}
		}},
		{name: "negative zero", class: "plain", set: func(v *vals) {
			v.F32, v.F64 = float32(negZero), negZero
			v.PF64 = ptr(negZero)
			v.NF = sql.NullFloat64{Float64: negZero, Valid: true}
		}},
		{name: "set values", class: "plain", set: func(v *vals) {
			v.B, v.PB = true, ptr(false)
			v.S, v.PS = "héllo, 世界 🎉 'quote' \"dq\" \\", ptr("")
			v.Bytes, v.PBs = []byte{0, 1, 2, 255}, ptr([]byte{})
			v.NS = sql.NullString{String: "", Valid: true}
			v.NB = sql.NullBool{Bool: true, Valid: true}
			v.GS = sql.Null[string]{V: "null[T]", Valid: true}
			v.GBs = sql.Null[[]byte]{V: []byte{9, 0, 9}, Valid: true}
			v.J = map[string]any{"s": "x", "list": []any{true, nil, "y"}, "obj": map[string]any{"n": 1.5}}
			v.JS, v.JI = `say "x"`, math.MaxInt64
		}},
		{name: "empty bytes", class: "plain", set: func(v *vals) {
			v.Bytes = []byte{}
			v.GBs = sql.Null[[]byte]{V: []byte{}, Valid: true}
		}},
		{name: "times in zones", class: "plain", set: func(v *vals) {
			v.T = at(2024, 2, 29, 23, 59, 58, 123456789, zone("IST", 5*3600+1800))
			v.PT = ptr(at(2024, 10, 27, 1, 30, 0, 999999999, zone("odd", -(3*3600+25*60+7))))
			v.NT = sql.NullTime{Time: at(2000, 1, 1, 0, 0, 0, 1000, zone("E", 14*3600)), Valid: true}
			v.GT = sql.Null[time.Time]{V: at(1999, 12, 31, 23, 59, 59, 500000000, zone("W", -12*3600)), Valid: true}
		}},
		{name: "year 1", class: "year 1", set: func(v *vals) {
			v.T = at(1, 1, 1, 0, 0, 0, 0, time.UTC).Add(prec)
			v.PT = ptr(at(1, 1, 1, 12, 0, 0, 0, time.UTC))
			v.NT = sql.NullTime{Time: at(1, 6, 1, 0, 0, 0, 0, time.UTC), Valid: true}
			v.GT = sql.Null[time.Time]{V: at(1, 1, 2, 0, 0, 0, 0, time.UTC), Valid: true}
		}},
		{name: "year 9999", class: "year 9999", set: func(v *vals) {
			v.T = at(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
			v.PT = ptr(at(9999, 12, 31, 0, 0, 0, 0, time.UTC))
			v.NT = sql.NullTime{Time: at(9999, 1, 1, 0, 0, 0, 0, time.UTC), Valid: true}
			v.GT = sql.Null[time.Time]{V: at(9999, 6, 1, 0, 0, 0, 0, time.UTC), Valid: true}
		}},
		{name: "uint64 MaxUint64", class: "uint64 above MaxInt64", refuse: true, field: "U64", show: "18446744073709551615",
			set: func(v *vals) { v.U64 = math.MaxUint64 }},
		{name: "uint above MaxInt64", class: "uint64 above MaxInt64", refuse: true, field: "U", show: "9223372036854775808",
			set: func(v *vals) { v.U = math.MaxInt64 + 1 }},
	}
	for _, c := range []struct {
		field string
		set   func(v *vals, x float64)
	}{
		{"F64", func(v *vals, x float64) { v.F64 = x }},
		{"F32", func(v *vals, x float64) { v.F32 = float32(x) }},
		{"PF64", func(v *vals, x float64) { v.PF64 = &x }},
		{"PF32", func(v *vals, x float64) { v.PF32 = ptr(float32(x)) }},
		{"NF", func(v *vals, x float64) { v.NF = sql.NullFloat64{Float64: x, Valid: true} }},
		{"GF", func(v *vals, x float64) { v.GF = sql.Null[float64]{V: x, Valid: true} }},
	} {
		for _, x := range []struct {
			name string
			x    float64
		}{{"NaN", nan}, {"+Inf", inf}, {"-Inf", -inf}} {
			class := x.name
			if class != "NaN" {
				class = "Inf"
			}
			cases = append(cases, valsCase{name: x.name + " in " + c.field, class: class, field: c.field, show: x.name,
				set: func(v *vals) { c.set(v, x.x) }})
		}
	}
	for _, c := range []struct {
		field string
		set   func(v *vals, s string)
	}{
		{"S", func(v *vals, s string) { v.S = s }},
		{"PS", func(v *vals, s string) { v.PS = &s }},
		{"NS", func(v *vals, s string) { v.NS = sql.NullString{String: s, Valid: true} }},
		{"GS", func(v *vals, s string) { v.GS = sql.Null[string]{V: s, Valid: true} }},
	} {
		cases = append(cases,
			valsCase{name: "NUL in " + c.field, class: "NUL", field: c.field, show: `"a\x00b"`, set: func(v *vals) { c.set(v, "a\x00b") }},
			valsCase{name: "invalid UTF-8 in " + c.field, class: "invalid UTF-8", field: c.field, show: `"a\xffb"`, set: func(v *vals) { c.set(v, "a\xffb") }})
	}
	return cases
}

// valsOpts compares what was written with what was read back: floats by
// value (NaN equal to NaN, -0 equal to 0), byte slices telling nil from
// empty, times by instant, JSON values by their JSON text.
var valsOpts = cmp.Options{
	cmp.Comparer(func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }),
	cmp.Comparer(func(a, b float32) bool { return a == b || a != a && b != b }),
	cmp.Comparer(func(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) }),
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
	jsonMapEqual,
	cmp.Comparer(func(a, b orm.Ref[valsOwner]) bool { return a.ID() == b.ID() }),
}

// jsonMapEqual compares JSON maps by their JSON text: numbers in them read
// back as json.Number.
var jsonMapEqual = cmp.Comparer(func(a, b map[string]any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
})

// valsTimes returns the time values of v that are set.
func valsTimes(v *vals) map[string]time.Time {
	ts := map[string]time.Time{"T": v.T}
	if v.PT != nil {
		ts["PT"] = *v.PT
	}
	if v.NT.Valid {
		ts["NT"] = v.NT.Time
	}
	if v.GT.Valid {
		ts["GT"] = v.GT.V
	}
	return ts
}

// testValuesRoundTrip writes every value of the type matrix and reads it
// back through every read path: each value comes back as written, times in
// time.UTC, and a flush right after the read sends nothing; or its flush is
// refused before anything is sent, with an error naming entity, field and
// value, the same way for every case of its class.
func testValuesRoundTrip(t *testing.T, open suite) {
	e := setup(t, open, []any{&vals{}, &valsOwner{}})
	owner := &valsOwner{Name: "owner"}
	s := e.db.Session()
	s.Persist(owner)
	e.flush(s)
	want := map[int64]*vals{}
	outcome := map[string]string{} // class → the first case's outcome
	for _, c := range valsCases(e.cfg.precision) {
		v := &vals{Case: c.name}
		c.set(v)
		v.Owner.Set(owner)
		s := e.db.Session()
		s.Persist(v)
		e.rec.Reset()
		err := s.Flush(e.ctx)
		got := "stored"
		if err != nil {
			got = "refused"
			msg := err.Error()
			if !strings.HasPrefix(msg, "orm: ") || !strings.Contains(msg, "vals") || !strings.Contains(msg, c.field) || !strings.Contains(msg, c.show) {
				t.Errorf("%s: refused with %q; want an orm: error naming vals, %s and %s", c.name, msg, c.field, c.show)
			}
			if st := e.rec.Statements(); len(st) != 0 {
				t.Errorf("%s: refused after sending %q; want nothing sent", c.name, st)
			}
			if c.field == "" {
				t.Errorf("%s: refused: %v", c.name, err)
			}
		} else {
			want[v.ID] = v
			e.rec.Reset()
			e.flush(s)
			if st := e.rec.Statements(); len(st) != 0 {
				t.Errorf("%s: the flush after the insert sent %q; want nothing", c.name, st)
			}
			if c.refuse {
				t.Errorf("%s: stored; want it refused", c.name)
			}
		}
		if first, ok := outcome[c.class]; !ok {
			outcome[c.class] = got
			t.Logf("%s: %s", c.class, got)
		} else if first != got {
			t.Errorf("%s: %s, but another %s case was %s; want them alike", c.name, got, c.class, first)
		}
	}
	check := func(path string, s *orm.Session, got []*vals) {
		t.Helper()
		if path != "Get" && len(got) != len(want) {
			t.Errorf("%s: read %d rows; want %d", path, len(got), len(want))
		}
		for _, g := range got {
			w, ok := want[g.ID]
			if !ok {
				t.Errorf("%s: read an unknown row %d", path, g.ID)
				continue
			}
			if diff := cmp.Diff(w, g, valsOpts); diff != "" {
				t.Errorf("%s: %s read back altered (-want +got):\n%s", path, w.Case, diff)
			}
			for name, ts := range valsTimes(g) {
				if ts.Location() != time.UTC {
					t.Errorf("%s: %s: %s came back in %v; want time.UTC", path, w.Case, name, ts.Location())
				}
			}
		}
		e.rec.Reset()
		if err := s.Flush(e.ctx); err != nil {
			t.Errorf("%s: flush after reading: %v", path, err)
		}
		if st := e.rec.Statements(); len(st) != 0 {
			t.Errorf("%s: the flush after reading sent %q; want nothing", path, st)
		}
	}
	ids := make([]any, 0, len(want))
	for id := range want {
		s := e.db.Session()
		v, err := orm.Repo[vals](s).Get(e.ctx, id)
		if err != nil {
			t.Fatalf("Get(%d): %v", id, err)
		}
		check("Get", s, []*vals{v})
		ids = append(ids, id)
	}
	s = e.db.Session()
	all, err := orm.Repo[vals](s).Find(e.ctx, nil)
	if err != nil {
		t.Fatalf("Find without arguments: %v", err)
	}
	check("Find without arguments", s, all)
	s = e.db.Session()
	all, err = orm.Repo[vals](s).Find(e.ctx, orm.In("ID", ids...))
	if err != nil {
		t.Fatalf("Find with arguments: %v", err)
	}
	check("Find with arguments", s, all)
	s = e.db.Session()
	owners, err := orm.Repo[valsOwner](s).Find(e.ctx, nil, orm.Populate("Vals"))
	if err != nil || len(owners) != 1 {
		t.Fatalf("Find owners with Populate: %d, %v", len(owners), err)
	}
	check("Populate", s, owners[0].Vals.Items())
	s = e.db.Session()
	all = all[:0:0]
	for v, err := range orm.Repo[vals](s).Stream(e.ctx, nil) {
		if err != nil {
			t.Fatalf("Stream: %v", err)
		}
		all = append(all, v)
	}
	check("Stream", s, all)
}

// contact has a text column the MissingColumnIsError test drops.
type contact struct {
	ID    int64
	Name  string
	Email string
}

// testMissingColumn drops a mapped column from an existing table: every
// statement shape that names it fails with an error naming the column,
// never reads it as something else (SQLite's double-quoted string literals
// would read "email" as the text email).
func testMissingColumn(t *testing.T, open suite) {
	e := setup(t, open, []any{&contact{}})
	s := e.db.Session()
	kept := &contact{Name: "kept", Email: "kept@example.com"}
	s.Persist(kept)
	e.flush(s)
	if _, err := e.b.(*ormsql.Backend).DB().ExecContext(e.ctx, "ALTER TABLE contact DROP COLUMN email"); err != nil {
		t.Fatalf("dropping the column: %v", err)
	}
	r := orm.Repo[contact](e.db.Session())
	for name, find := range map[string]func() error{
		"select list":    func() error { _, err := r.Find(e.ctx, nil); return err },
		"select by key":  func() error { _, err := r.Get(e.ctx, kept.ID); return err },
		"select, filter": func() error { _, err := r.Find(e.ctx, orm.Eq("Name", "kept")); return err },
		"filter":         func() error { _, err := r.Count(e.ctx, orm.Eq("Email", "email")); return err },
		"order by":       func() error { _, err := r.Find(e.ctx, nil, orm.OrderBy("Email")); return err },
		"stream": func() error {
			for _, err := range r.Stream(e.ctx, nil) {
				return err
			}
			return nil
		},
		"update": func() error { kept.Email = "new@example.com"; return s.Flush(e.ctx) },
		"insert": func() error { s := e.db.Session(); s.Persist(&contact{Name: "new"}); return s.Flush(e.ctx) },
	} {
		if err := find(); err == nil || !strings.Contains(err.Error(), "email") {
			t.Errorf("%s on a table without the mapped column email: %v; want an error naming email", name, err)
		}
	}
}
