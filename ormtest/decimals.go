package ormtest

import (
	sqldriver "database/sql/driver"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"testing"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/sql"
)

// dec is a decimal number in the way decimal libraries are: a Scanner and
// Valuer whose driver value is its text.
type dec struct{ s string }

// Value is the decimal's text.
func (d dec) Value() (sqldriver.Value, error) { return d.s, nil }

// Scan reads the decimal from its text or, where a driver hands a number
// over, from that.
func (d *dec) Scan(v any) error {
	switch v := v.(type) {
	case string:
		d.s = v
	case []byte:
		d.s = string(v)
	case int64:
		d.s = strconv.FormatInt(v, 10)
	case float64:
		d.s = strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Errorf("dec: cannot scan %T", v)
	}
	return nil
}

// invoice has a money column of a decimal type.
type invoice struct {
	ID    int64
	Total dec `orm:"type:numeric(24,2)"`
}

// testDecimals: a decimal tagged with a numeric type is stored as NUMERIC
// and compared as a number, above 2^63 too and to the cent, reads back as
// written, and sums in raw SQL. SQLite, which keeps it as a REAL, refuses
// more than 15 significant digits before sending anything, and compares
// those it takes as numbers.
func testDecimals(t *testing.T, open suite) {
	e := setup(t, open, []any{&invoice{}})
	s := e.db.Session()
	big, bigger, small, sum := "12345678901234567890.12", "12345678901234567890.13", "99.50", "24691357802469135879.75"
	if !e.has(ExactDecimals) {
		s.Persist(&invoice{Total: dec{big}})
		e.rec.Reset()
		if err := s.Flush(e.ctx); err == nil || !strings.Contains(err.Error(), "Total") || !strings.Contains(err.Error(), big) {
			t.Errorf("Flush of %s = %v; want an error naming Total and the value", big, err)
		}
		if st := e.rec.Statements(); len(st) != 0 {
			t.Errorf("the refused flush sent %q", st)
		}
		s = e.db.Session()
		// REALs: a sum as large as this has no room left for the cents.
		big, bigger, sum = "12345678901234500000", "12345678901234600000", "24691357802469100000"
	}
	s.Persist(&invoice{Total: dec{big}}, &invoice{Total: dec{bigger}}, &invoice{Total: dec{small}})
	e.flush(s)
	repo := orm.Repo[invoice](e.db.Session())
	for _, c := range []struct {
		f    orm.Filter
		want int
	}{
		{orm.Gt("Total", dec{"99"}), 3},
		{orm.Gt("Total", dec{"9223372036854775808"}), 2}, // 2^63
		{orm.Gt("Total", dec{big}), 1},
		{orm.Eq("Total", dec{big}), 1},
		{orm.Lt("Total", dec{"99.51"}), 1},
		{orm.Lt("Total", dec{"99.5"}), 0},
	} {
		got, err := repo.Find(e.ctx, c.f)
		if err != nil || len(got) != c.want {
			t.Errorf("Find(%v) = %d rows, %v; want %d", c.f, len(got), err, c.want)
		}
	}
	got, err := repo.Find(e.ctx, orm.Eq("Total", dec{bigger}))
	if err != nil || len(got) != 1 || !sameNumber(got[0].Total.s, bigger) {
		t.Errorf("Find(Total = %s) = %+v, %v; want it read back as that number", bigger, got, err)
	}
	loaded := e.db.Session()
	if _, err := orm.Repo[invoice](loaded).Find(e.ctx, nil); err != nil {
		t.Fatal(err)
	}
	e.rec.Reset()
	e.flush(loaded)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("a clean flush after loading decimals sent %q", st)
	}
	if !e.has(SQL) {
		return
	}
	type total struct{ S dec }
	rows, err := sql.Select[total](e.ctx, e.db.Session(), "SELECT SUM(total) AS s FROM invoice")
	if err != nil || len(rows) != 1 || !sameNumber(rows[0].S.s, sum) {
		t.Errorf("SUM(total) = %+v, %v; want %s", rows, err, sum)
	}
}

// sameNumber reports whether two decimal texts are the same number, for
// databases that write 1.2345e+19 or trailing zeros.
func sameNumber(a, b string) bool {
	x, okx := new(big.Rat).SetString(a)
	y, oky := new(big.Rat).SetString(b)
	return okx && oky && x.Cmp(y) == 0
}
