package ormtest

import (
	"errors"
	"strings"
	"testing"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/sql"
)

// color and coat are enums: named types listing their values. One value
// holds a quote, which the CHECK constraint must spell right.
type color string

func (color) Values() []color { return []color{"red", "o'range", "green"} }

type coat uint8

func (coat) Values() []coat { return []coat{1, 2} }

type paint struct {
	ID    int64
	Color color
	Coat  *coat
}

// testEnums: a value its enum type does not list is refused at Flush
// (insert and update), by Upsert and by UpdateWhere, naming entity, field and value,
// before anything is sent and with the Session as it was; the listed
// values, a quoted one and NULL included, round-trip, and a clean flush
// after a load sends nothing. On SQL databases the CHECK constraint that
// CreateSchema adds refuses a bad value written by hand.
func testEnums(t *testing.T, open suite) {
	e := setup(t, open, []any{&paint{}})
	s := e.db.Session()
	two := coat(2)
	ok := &paint{Color: "o'range", Coat: &two}
	s.Persist(ok, &paint{Color: "red"})
	e.flush(s)
	bad := &paint{Color: "blue"}
	s.Persist(bad)
	ok.Color = "green"
	e.rec.Reset()
	err := s.Flush(e.ctx)
	if err == nil || !strings.Contains(err.Error(), "paint") || !strings.Contains(err.Error(), "Color") || !strings.Contains(err.Error(), `"blue"`) {
		t.Errorf("Flush of Color %q = %v; want an error naming paint, Color and the value", bad.Color, err)
	}
	if got := e.rec.Statements(); len(got) != 0 {
		t.Errorf("the refused flush sent %q", got)
	}
	if bad.ID != 0 {
		t.Errorf("the refused flush gave the new paint key %d", bad.ID)
	}
	bad.Color = "red"
	three := coat(3)
	ok.Coat = &three
	if err := s.Flush(e.ctx); err == nil || !strings.Contains(err.Error(), "Coat") || !strings.Contains(err.Error(), "value 3") {
		t.Errorf("Flush of Coat 3 = %v; want an error naming Coat and the value", err)
	}
	ok.Coat = nil
	e.flush(s)
	if _, err := orm.Repo[paint](s).UpdateWhere(e.ctx, orm.Eq("ID", ok.ID), orm.Set("Color", color("teal"))); err == nil || !strings.Contains(err.Error(), `"teal"`) {
		t.Errorf("UpdateWhere of Color teal = %v; want an error naming the value", err)
	}
	if _, err := orm.Repo[paint](e.db.Session()).Upsert(e.ctx, &paint{ID: ok.ID, Color: "teal"}); err == nil || !strings.Contains(err.Error(), `"teal"`) {
		t.Errorf("Upsert of Color teal = %v; want an error naming the value", err)
	}
	fresh := e.db.Session()
	got, err := orm.Repo[paint](fresh).Find(e.ctx, nil, orm.OrderBy("ID"))
	if err != nil || len(got) != 3 || got[0].Color != "green" || got[0].Coat != nil || got[1].Color != "red" || got[2].Color != "red" {
		t.Fatalf("Find = %+v, %v; want green (no coat), red, red", got, err)
	}
	e.rec.Reset()
	e.flush(fresh)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("a clean flush after loading enums sent %q", st)
	}
	if !e.has(SQL) {
		return // MongoDB has no CHECK constraints; the Flush check holds there too
	}
	_, err = sql.Exec(e.ctx, fresh, "INSERT INTO paint (color) VALUES ('blue')")
	var ce *orm.ConstraintError
	if !errors.As(err, &ce) || ce.Kind != orm.Check {
		t.Errorf("a hand-written INSERT of color blue = %v; want a check ConstraintError", err)
	}
}
