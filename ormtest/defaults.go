package ormtest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/unitofwork/orm"
)

// chore has columns with database defaults.
type chore struct {
	ID     int64
	Code   *string   `orm:"unique"`
	Status string    `orm:"default:'open'"`
	Points int       `orm:"default:3"`
	Opened time.Time `orm:"default:CURRENT_TIMESTAMP"`
}

// testDefaults: an insert leaves the zero fields that have a database
// default to the database and stores what it gave them into the entity
// (RETURNING, or a re-read by key where there is none), one INSERT per
// set of fields left out; a value set is written; the entities then equal
// their rows and a clean flush sends nothing; a failed flush sets the
// defaulted fields back to zero. MongoDB has no defaults: Open refuses
// them, naming the field.
func testDefaults(t *testing.T, open suite) {
	if open.cfg.without[SQL] {
		_, err := orm.Open(open.open(t), orm.Entities(&chore{}))
		var me *orm.MetadataError
		if !errors.As(err, &me) || me.Field != "Status" || !strings.Contains(err.Error(), "default") {
			t.Errorf("Open with a default on MongoDB = %v; want a MetadataError naming Status", err)
		}
		return
	}
	e := setup(t, open, []any{&chore{}})
	s := e.db.Session()
	x := "x"
	a, b, c := &chore{Code: &x}, &chore{Status: "closed", Points: 5}, &chore{}
	s.Persist(a, b, c)
	e.flush(s)
	if a.ID == 0 || a.Status != "open" || a.Points != 3 || a.Opened.IsZero() || c.Status != "open" || c.ID == a.ID {
		t.Errorf("after the flush a = %+v, c = %+v; want keys, status open, 3 points, a time", a, c)
	}
	if b.Status != "closed" || b.Points != 5 || b.Opened.IsZero() {
		t.Errorf("after the flush b = %+v; want its own status and points, and a time", b)
	}
	if got := e.writes("INSERT"); got != 2 {
		t.Errorf("the flush sent %d INSERTs; want 2 (one per set of defaulted fields): %q", got, e.rec.Statements())
	}
	e.rec.Reset()
	e.flush(s)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("a clean flush after the defaults were read sent %q", st)
	}
	got, err := orm.Repo[chore](e.db.Session()).Find(e.ctx, nil, orm.OrderBy("ID"))
	if err != nil || len(got) != 3 {
		t.Fatalf("Find = %v, %v", got, err)
	}
	byID := map[int64]*chore{a.ID: a, b.ID: b, c.ID: c}
	for _, g := range got {
		if want := byID[g.ID]; want == nil || g.Status != want.Status || g.Points != want.Points || !g.Opened.Equal(want.Opened) {
			t.Errorf("row %d reads %+v; the entity holds %+v", g.ID, g, want)
		}
	}
	// A failed flush puts the defaulted fields back to zero.
	d := &chore{}
	s.Persist(d)
	b.Code = &x // a unique violation, after the insert
	if err := s.Flush(e.ctx); err == nil {
		t.Fatal("a flush violating a unique constraint succeeded")
	}
	if d.ID != 0 || d.Status != "" || d.Points != 0 || !d.Opened.IsZero() {
		t.Errorf("after the failed flush d = %+v; want it as persisted, all zero", d)
	}
	b.Code = nil
	e.flush(s)
	if d.Status != "open" || d.ID == 0 {
		t.Errorf("after the retried flush d = %+v; want its defaults", d)
	}
}
