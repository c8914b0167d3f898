package ormtest

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/unitofwork/orm"
)

// Writes without loading at the edges: values the database cannot store,
// Refs to entities without a row, loaded collections, time-valued conflict
// values, huge filters.

// testUpdateWhereRefusedValues: a value the flush refuses on the backend
// (NaN, ±Inf, invalid UTF-8, a NUL byte: see each dialect's Refuses) is
// refused by UpdateWhere too, naming the field, before anything is sent;
// a value the backend takes is stored as given.
func testUpdateWhereRefusedValues(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	k := e.newSink(1)
	s.Persist(k)
	e.flush(s)
	for _, tc := range []struct {
		name  string
		field string
		a     orm.Assignment
		ok    func(*sink) bool
	}{
		{"NaN", "F64", orm.Set("F64", math.NaN()), func(k *sink) bool { return math.IsNaN(k.F64) }},
		{"NaN delta", "F64", orm.Add("F64", math.NaN()), func(k *sink) bool { return math.IsNaN(k.F64) }},
		{"Inf", "F64", orm.Set("F64", math.Inf(1)), func(k *sink) bool { return math.IsInf(k.F64, 1) }},
		{"invalid UTF-8", "S", orm.Set("S", "a\xffb"), func(k *sink) bool { return k.S == "a\xffb" }},
		{"NUL", "S", orm.Set("S", "a\x00b"), func(k *sink) bool { return k.S == "a\x00b" }},
		{"invalid UTF-8 into a pointer", "PStr", orm.Set("PStr", "x\xff"), func(k *sink) bool { return k.PStr != nil && *k.PStr == "x\xff" }},
	} {
		e.rec.Reset()
		_, err := orm.Repo[sink](e.db.Session()).UpdateWhere(e.ctx, orm.Eq("ID", k.ID), tc.a)
		if err != nil {
			if sent := e.rec.Statements(); len(sent) != 0 || !strings.Contains(err.Error(), tc.field) {
				t.Errorf("%s: UpdateWhere = %v after sending %q; want an error naming %s, nothing sent (as a flush refuses it)", tc.name, err, sent, tc.field)
			}
			continue
		}
		got, err := orm.Repo[sink](e.db.Session()).Get(e.ctx, k.ID)
		if err != nil || !tc.ok(got) {
			t.Errorf("%s: UpdateWhere took the value, which did not round-trip: %+v, %v", tc.name, got, err)
		}
	}
}

// testUpdateWhereUnsavedRef: Set of a Ref to an entity without a row (a
// zero generated key) is an error naming the field before anything is
// sent, as Upsert's check of its Refs is; it never writes key 0.
func testUpdateWhereUnsavedRef(t *testing.T, open suite) {
	e := setup(t, open, uowEntities)
	d1, _, c := seedGarage(t, e)
	s := e.db.Session()
	_, err := orm.Repo[car](s).UpdateWhere(e.ctx, orm.Eq("ID", c.ID), orm.Set("Driver", &driver{Name: "new"}))
	if err == nil || !strings.Contains(err.Error(), "Driver") {
		t.Errorf("UpdateWhere Set(Driver, an unsaved driver) = %v; want an error naming Driver", err)
	}
	if sent := e.rec.Statements(); len(sent) != 0 {
		t.Errorf("the refused UpdateWhere sent %q", sent)
	}
	got, err := orm.Repo[car](e.db.Session()).Get(e.ctx, c.ID)
	if err != nil || got.Driver.ID() != any(d1.ID) {
		t.Errorf("car's driver after = %v, %v; want %d", got.Driver.ID(), err, d1.ID)
	}
}

// testUpsertJoinsLoadedCollections: a row an Upsert inserts joins the
// loaded one-to-many collections its Refs mirror, as a persisted entity
// does, and a row it moves leaves the old one for the new.
func testUpsertJoinsLoadedCollections(t *testing.T, open suite) {
	e := setup(t, open, uowEntities)
	d1, d2, c := seedGarage(t, e)
	s := e.db.Session()
	a, err := orm.Repo[driver](s).Get(e.ctx, d1.ID, orm.Populate("Cars"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := orm.Repo[driver](s).Get(e.ctx, d2.ID, orm.Populate("Cars"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := orm.Repo[car](s).Upsert(e.ctx, &car{ID: c.ID, Brand: "moved", Driver: orm.RefTo(b)}); err != nil {
		t.Fatal(err)
	}
	if _, err := orm.Repo[car](s).Upsert(e.ctx, &car{ID: c.ID + 100, Brand: "new", Driver: orm.RefTo(a)}); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(brands(a), brands(b)), "[new] [moved]"; got != want {
		t.Errorf("loaded Cars after the upserts: %s; want %s", got, want)
	}
	e.rec.Reset()
	e.flush(s)
	if got := e.verbs(); len(got) != 0 {
		t.Errorf("a flush after the upserts sent %q; want nothing", e.rec.Statements())
	}
}

// stamped has a unique time.
type stamped struct {
	ID   int64
	At   time.Time `orm:"unique"`
	Note string
}

// testUpsertTimeConflict: a time conflict value with more precision than
// the database keeps (nanoseconds) identifies its row: the first Upsert
// inserts it, the second updates it. A failing Upsert writes nothing.
func testUpsertTimeConflict(t *testing.T, open suite) {
	e := setup(t, open, []any{&stamped{}})
	at := time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC)
	for _, note := range []string{"first", "second"} {
		before := count[stamped](t, e, nil)
		got, err := orm.Repo[stamped](e.db.Session()).Upsert(e.ctx, &stamped{At: at, Note: note}, orm.OnConflict("At"))
		if err != nil {
			t.Errorf("Upsert %s OnConflict(At) of a nanosecond time: %v", note, err)
			if n := count[stamped](t, e, nil); n != before {
				t.Errorf("the failed Upsert changed the row count from %d to %d", before, n)
			}
			continue
		}
		if got.Note != note || got.ID == 0 {
			t.Errorf("Upsert %s = %+v", note, got)
		}
	}
	if n := count[stamped](t, e, nil); n != 1 {
		t.Errorf("%d rows after two upserts of the same time; want 1", n)
	}
}

// testUpdateWhereHugeIn: a filter with more values than the database takes
// parameters (sent as one list argument where the dialect has one) does
// not cut the write into one statement per row.
func testUpdateWhereHugeIn(t *testing.T, open suite) {
	e := setup(t, open, writeEntities)
	seedItems(t, e, 5)
	s := e.db.Session()
	first, err := orm.Repo[item](s).Get(e.ctx, int64(1))
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, 70_000)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	e.rec.Reset()
	n, err := orm.Repo[item](s).UpdateWhere(e.ctx, orm.In("ID", ids), orm.Add("Qty", 1))
	if err != nil || n != 5 || first.Qty != 2 {
		t.Fatalf("UpdateWhere In(70,000 keys) = %d, %v, managed Qty %d; want 5 rows, Qty 2", n, err, first.Qty)
	}
	if got := e.writes("UPDATE"); got != 1 {
		t.Errorf("UpdateWhere In(70,000 keys) of 5 rows sent %d UPDATEs; want 1", got)
	}
	e.rec.Reset()
	if n, err := orm.Repo[item](s).DeleteWhere(e.ctx, orm.In("ID", ids)); err != nil || n != 5 {
		t.Fatalf("DeleteWhere In(70,000 keys) = %d, %v; want 5", n, err)
	}
	if got := e.writes("DELETE"); got != 1 {
		t.Errorf("DeleteWhere In(70,000 keys) of 5 rows sent %d DELETEs; want 1", got)
	}
}

// nick has a nullable unique field.
type nick struct {
	ID   int64
	Nick *string `orm:"unique"`
	Note string
}

// testUpsertNullConflict: a NULL conflict value identifies no row (SQL
// compares NULLs as distinct): an Upsert with one never overwrites a row
// whose value is NULL too, and, if it fails, writes nothing.
func testUpsertNullConflict(t *testing.T, open suite) {
	e := setup(t, open, []any{&nick{}})
	s := e.db.Session()
	s.Persist(&nick{Note: "existing"})
	e.flush(s)
	_, err := orm.Repo[nick](e.db.Session()).Upsert(e.ctx, &nick{Note: "new"}, orm.OnConflict("Nick"))
	rows, ferr := orm.Repo[nick](e.db.Session()).Find(e.ctx, nil, orm.OrderBy("ID"))
	if ferr != nil {
		t.Fatal(ferr)
	}
	var notes []string
	for _, r := range rows {
		notes = append(notes, r.Note)
	}
	switch got := strings.Join(notes, ","); {
	case !strings.HasPrefix(got, "existing"):
		t.Errorf("Upsert OnConflict(Nick) with Nick NULL = %v; rows %q: it overwrote the row whose Nick is NULL", err, got)
	case err != nil && got != "existing":
		t.Errorf("Upsert OnConflict(Nick) with Nick NULL = %v, yet it wrote: rows %q", err, got)
	}
}

// testUpsertPaddedKey: a string key the database compares as equal to
// another (MariaDB's PAD SPACE collations: "a " = "a") either is its own
// row or fails having written nothing.
func testUpsertPaddedKey(t *testing.T, open suite) {
	e := setup(t, open, uowEntities)
	s := e.db.Session()
	s.Persist(&tag{Code: "a", Label: "one"})
	e.flush(s)
	_, err := orm.Repo[tag](e.db.Session()).Upsert(e.ctx, &tag{Code: "a ", Label: "two"})
	if err == nil {
		return
	}
	got, gerr := orm.Repo[tag](e.db.Session()).Get(e.ctx, "a")
	if gerr != nil || got.Label != "one" {
		t.Errorf("the failed Upsert of key %q (%v) changed the row of key \"a\": %+v, %v", "a ", err, got, gerr)
	}
}
