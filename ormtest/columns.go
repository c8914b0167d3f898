package ormtest

import (
	"strings"
	"testing"

	"github.com/unitofwork/orm"
)

// ledger declares its columns: a sized text, a decimal integer and a
// pointer to a declared text type.
type ledger struct {
	ID    int64
	Code  string  `orm:"size:5"`
	Total int64   `orm:"type:decimal(20,0)"`
	Note  *string `orm:"type:varchar(40)"`
}

// testDeclaredColumns: fields with orm:"size:n" and orm:"type:…" round-trip
// and compare as their values (a decimal above 2^53 by number, a string
// longer than the size matches nothing rather than its first n characters);
// text longer than its size is refused at Flush before anything is sent,
// on every backend alike; a clean flush after a load sends nothing.
func testDeclaredColumns(t *testing.T, open suite) {
	e := setup(t, open, []any{&ledger{}})
	s := e.db.Session()
	note := "a note"
	big := &ledger{Code: "ééééé", Total: 1<<62 + 1, Note: &note}
	s.Persist(big, &ledger{Code: "abcde", Total: 7})
	e.flush(s)
	long := &ledger{Code: "abcdef"}
	s.Persist(long)
	e.rec.Reset()
	err := s.Flush(e.ctx)
	if err == nil || !strings.Contains(err.Error(), "ledger") || !strings.Contains(err.Error(), "Code") || !strings.Contains(err.Error(), `"abcdef"`) {
		t.Errorf("Flush of a 6-character Code into size 5 = %v; want an error naming ledger, Code and the value", err)
	}
	if got := e.rec.Statements(); len(got) != 0 {
		t.Errorf("the refused flush sent %q", got)
	}
	s.Detach(long)
	fresh := e.db.Session()
	repo := orm.Repo[ledger](fresh)
	got, err := repo.Find(e.ctx, orm.Gt("Total", int64(1<<62)))
	if err != nil || len(got) != 1 || got[0].Total != big.Total || got[0].Code != big.Code || got[0].Note == nil || *got[0].Note != note {
		t.Fatalf("Find(Total > 2^62) = %+v, %v; want the big ledger as written", got, err)
	}
	if n, err := repo.Count(e.ctx, orm.Eq("Code", "abcdefg")); err != nil || n != 0 {
		t.Errorf("Count(Code = abcdefg) = %d, %v; want 0 (no row has it, whatever the column's size)", n, err)
	}
	if n, err := repo.Count(e.ctx, orm.Lt("Total", 8)); err != nil || n != 1 {
		t.Errorf("Count(Total < 8) = %d, %v; want 1", n, err)
	}
	e.rec.Reset()
	e.flush(fresh)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("a clean flush after loading declared columns sent %q", st)
	}
}
