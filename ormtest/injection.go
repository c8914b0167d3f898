package ormtest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/unitofwork/orm"
)

// corpus is text that has broken SQL and document stores before: quotes of
// every kind, doubled, comment openers, statement separators, placeholder
// spellings, dollar quotes, a negative number that would meet a minus sign,
// newlines, MongoDB operators, LIKE wildcards and Unicode look-alikes of
// quotes and dashes.
var corpus = []string{
	`'`, `''`, `"`, `""`, "`", "``", `\`, `\'`, `\"`,
	`--`, `-- comment`, `/* c */`, `*/`, `#`, `;`, `; DROP TABLE author; --`,
	`x'); DROP TABLE author; --`, `' OR '1'='1`, `" OR ""="`, "` OR 1 --",
	`?`, `$1`, `:name`, `@p1`, `%s`, `-1`, `--1`, `- -1`,
	`$$`, `$tag$ x $tag$`, `E'\x27'`,
	"line1\nline2", "\r\n", "\t",
	`$ne`, `$where`, `{"$ne": null}`, `{"$where": "sleep(100)"}`, `{"$gt": ""}`,
	`%`, `_`, `[a]`, `\%`,
	"\u02bc", "\uff07", "\u2018\u2019\u201c\u201d", "\uff02", "\ufe63\ufe63", "\u2028", "\u00a0",
}

// odd has a table and columns whose names need quoting everywhere.
type odd struct {
	ID    int64  "orm:\"column:id `x` \\\"y\\\" 'z' -- ;\""
	Label string "orm:\"column:label /* c */ $1 ?\""
	Count int    "orm:\"column:count\""
}

// TableName is a name with quotes of every kind, a comment opener and a
// statement separator.
func (odd) TableName() string { return "odd `t` \"u\" 'v' -- ;" }

func testInjectionCorpus(t *testing.T, open suite) {
	e := setup(t, open, []any{&author{}})
	s := e.db.Session()
	var as []*author
	for i, v := range corpus {
		as = append(as, &author{Name: v, Email: fmt.Sprintf("%d%s", i, v), Age: -i})
	}
	persistAll(t, s, as)
	e.flush(s)
	repo := orm.Repo[author](e.db.Session())
	find := func(what string, f orm.Filter, opts ...orm.QueryOption) []*author {
		t.Helper()
		got, err := orm.Repo[author](e.db.Session()).Find(e.ctx, f, opts...)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return got
	}
	for i, v := range corpus {
		if got := find(fmt.Sprintf("Eq(%q)", v), orm.Eq("Name", v)); len(got) != 1 || got[0].Name != v {
			t.Errorf("Eq(Name, %q) found %q; want exactly it", v, names(got))
		}
		if got := find(fmt.Sprintf("Eq(Age, %d)", -i), orm.Eq("Age", -i)); len(got) != 1 || got[0].Name != v {
			t.Errorf("Eq(Age, %d) found %q; want %q", -i, names(got), v)
		}
		if !strings.ContainsAny(v, `%_\[`) {
			if got := find(fmt.Sprintf("Like(%q)", v), orm.Like("Name", v)); len(got) != 1 || got[0].Name != v {
				t.Errorf("Like(Name, %q) found %q; want exactly it", v, names(got))
			}
		}
		if got := find(fmt.Sprintf("Ne(%q)", v), orm.Ne("Name", v)); len(got) != len(corpus)-1 {
			t.Errorf("Ne(Name, %q) found %d; want %d", v, len(got), len(corpus)-1)
		}
	}
	all := make([]any, len(corpus))
	for i, v := range corpus {
		all[i] = v
	}
	if got := find("In(corpus)", orm.In("Name", all...)); len(got) != len(corpus) {
		t.Errorf("In(Name, corpus...) found %d; want %d", len(got), len(corpus))
	}
	if got := find("Lt(Age, -5)", orm.Lt("Age", -5)); len(got) != len(corpus)-6 {
		t.Errorf("Lt(Age, -5) found %d; want %d", len(got), len(corpus)-6)
	}
	if e.has(SQL) {
		for _, v := range corpus {
			if got := find(fmt.Sprintf("Raw(name = ?, %q)", v), orm.Raw("name = ?", v)); len(got) != 1 || got[0].Name != v {
				t.Errorf("Raw(name = ?, %q) found %q; want exactly it", v, names(got))
			}
		}
		// A negative argument after a minus sign: spliced into the text it
		// would make "0 --3", a comment, and match one row fewer.
		if got := find("Raw(age < 0 -?)", orm.Raw("age < 0 -?", -3)); len(got) != len(corpus) {
			t.Errorf("Raw(age < 0 -?, -3) found %d; want all %d (ages 0 … %d are below 3)", len(got), len(corpus), 1-len(corpus))
		}
	}
	// Changed values go out as data too: CASE WHEN for a few rows, a join
	// of values for many.
	s2 := e.db.Session()
	loaded, err := orm.Repo[author](s2).Find(e.ctx, nil, orm.OrderBy("ID"))
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range loaded {
		a.Name = corpus[len(corpus)-1-i]
		a.Age = -1000 - i
	}
	e.flush(s2)
	for i, a := range find("after update", nil, orm.OrderBy("ID")) {
		if want := corpus[len(corpus)-1-i]; a.Name != want || a.Age != -1000-i {
			t.Errorf("row %d after the update: %q, %d; want %q, %d", i, a.Name, a.Age, want, -1000-i)
		}
	}
	for i, a := range loaded[:3] {
		a.Name = corpus[i]
	}
	e.flush(s2)
	for i, a := range find("after the CASE update", nil, orm.OrderBy("ID"), orm.Limit(3)) {
		if a.Name != corpus[i] {
			t.Errorf("row %d after the CASE update: %q; want %q", i, a.Name, corpus[i])
		}
	}
	// Names outside the metadata are errors, and nothing is sent.
	for _, v := range corpus {
		e.rec.Reset()
		if _, err := repo.Find(e.ctx, orm.Eq(v, 1)); err == nil {
			t.Errorf("Eq(%q, 1): no error for a field name that does not exist", v)
		}
		if _, err := repo.Find(e.ctx, nil, orm.OrderBy(v)); err == nil {
			t.Errorf("OrderBy(%q): no error", v)
		}
		if _, err := repo.Find(e.ctx, nil, orm.Populate(v)); err == nil {
			t.Errorf("Populate(%q): no error", v)
		}
		if st := e.rec.Statements(); len(st) != 0 {
			t.Errorf("names %q sent %q; want nothing", v, st)
		}
	}
	// Text with NUL is stored as it is or refused whole (PostgreSQL text
	// cannot hold it): never cut short, never half written.
	nul := &author{Name: "a\x00b; --", Email: "nul"}
	s3 := e.db.Session()
	s3.Persist(nul)
	if err := s3.Flush(e.ctx); err != nil {
		if n, _ := repo.Count(e.ctx, orm.Eq("Email", "nul")); n != 0 {
			t.Errorf("a refused NUL value was written")
		}
	} else if got := find("Eq(NUL)", orm.Eq("Email", "nul")); len(got) != 1 || got[0].Name != nul.Name {
		t.Errorf("NUL value came back as %q", names(got))
	}
	if !e.has(SQL) {
		// A document store has no identifiers to quote. (FerretDB 1.24's
		// SQLite storage, for one, cannot create a collection whose name
		// holds a double quote: its own SQL breaks.)
		return
	}
	testOddNames(t, open)
}

// testOddNames writes, reads, changes and removes rows of a table whose
// table and column names carry quotes, comments and separators.
func testOddNames(t *testing.T, open suite) {
	e := setup(t, open, []any{&odd{}})
	s := e.db.Session()
	odds := make([]*odd, 20)
	for i := range odds {
		odds[i] = &odd{Label: corpus[i], Count: i}
	}
	persistAll(t, s, odds)
	e.flush(s)
	for _, o := range odds {
		o.Count = -o.Count
	}
	e.flush(s)
	odds[0].Label = `changed '"`
	e.flush(s)
	s.Remove(odds[1], odds[2])
	e.flush(s)
	got, err := orm.Repo[odd](e.db.Session()).Find(e.ctx, orm.Lte("Count", 0), orm.OrderBy("Count"))
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(odds[3:])
	slices.Reverse(want)
	want = append(want, odds[0])
	if len(got) != len(want) {
		t.Fatalf("odd rows: got %d; want %d", len(got), len(want))
	}
	for i := range want {
		if *got[i] != *want[i] {
			t.Errorf("odd row %d: %+v; want %+v", i, *got[i], *want[i])
		}
	}
	if _, err := orm.Repo[odd](e.db.Session()).Get(e.ctx, odds[1].ID); !errors.Is(err, orm.ErrNotFound) {
		t.Errorf("removed odd row: Get = %v; want ErrNotFound", err)
	}
}
