package ormtest

import (
	"database/sql"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/unitofwork/orm"
)

// seedAuthors stores authors aged 20 to 29 named "author 0" to "author 9".
func seedAuthors(t *testing.T, e *env) []*author {
	s := e.db.Session()
	as := authors(10)
	persistAll(t, s, as)
	e.flush(s)
	e.rec.Reset()
	return as
}

func names(as []*author) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Name)
	}
	return out
}

func testIdentityGet(t *testing.T, open suite) {
	e := setup(t, open, all)
	as := seedAuthors(t, e)
	s := e.db.Session()
	r := orm.Repo[author](s)
	a1, err := r.Get(e.ctx, as[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	a2, err := r.Get(e.ctx, int(as[0].ID))
	if err != nil {
		t.Fatal(err)
	}
	if a1 != a2 {
		t.Errorf("Get twice returned %p and %p; want the same pointer", a1, a2)
	}
	if n := e.rec.Count("SELECT"); n != 1 {
		t.Errorf("Get twice sent %d SELECTs; want 1", n)
	}
	if _, err := r.Get(e.ctx, int64(1e9)); !errors.Is(err, orm.ErrNotFound) || !errors.Is(err, sql.ErrNoRows) {
		t.Errorf("Get of a missing key = %v; want ErrNotFound matching sql.ErrNoRows", err)
	}
	s.Remove(a1)
	if _, err := r.Get(e.ctx, as[0].ID); !errors.Is(err, orm.ErrNotFound) {
		t.Errorf("Get of a removed entity = %v; want ErrNotFound", err)
	}
	found, err := r.Find(e.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != len(as)-1 || slices.Contains(found, a1) {
		t.Errorf("Find after Remove returned %d authors; want %d, without the removed one", len(found), len(as)-1)
	}
}

func testIdentityFind(t *testing.T, open suite) {
	e := setup(t, open, all)
	as := seedAuthors(t, e)
	s := e.db.Session()
	r := orm.Repo[author](s)
	first, err := r.Get(e.ctx, as[2].ID)
	if err != nil {
		t.Fatal(err)
	}
	first.Name = "unflushed edit"
	all, err := r.Find(e.ctx, nil, orm.OrderBy("ID"))
	if err != nil {
		t.Fatal(err)
	}
	if all[2] != first {
		t.Fatalf("Find returned a new instance for a managed row")
	}
	if first.Name != "unflushed edit" {
		t.Errorf("Find overwrote an unflushed edit: Name = %q", first.Name)
	}
	again, err := r.Find(e.ctx, orm.Gte("Age", 20))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range again {
		if !slices.Contains(all, a) {
			t.Errorf("second Find returned a new instance for %q", a.Name)
		}
	}
	e.rec.Reset()
	e.flush(s)
	if got := e.counts(); got != e.want(0, 1, 0, 0) {
		t.Errorf("flush after edit via Find: %v; want one UPDATE", got)
	}
}

func testFilters(t *testing.T, open suite) {
	e := setup(t, open, all)
	seedAuthors(t, e)
	r := orm.Repo[author](e.db.Session())
	tests := []struct {
		name string
		f    orm.Filter
		want []string
	}{
		{"Eq", orm.Eq("Age", 22), []string{"author 2"}},
		{"Ne", orm.Ne("Age", 22), []string{"author 0", "author 1", "author 3", "author 4", "author 5", "author 6", "author 7", "author 8", "author 9"}},
		{"Gt", orm.Gt("Age", 27), []string{"author 8", "author 9"}},
		{"Gte", orm.Gte("Age", 27), []string{"author 7", "author 8", "author 9"}},
		{"Lt", orm.Lt("Age", 21), []string{"author 0"}},
		{"Lte", orm.Lte("Age", 21), []string{"author 0", "author 1"}},
		{"In", orm.In("Age", 21, 23, 99), []string{"author 1", "author 3"}},
		{"InSlice", orm.In("Age", []int{24, 25}), []string{"author 4", "author 5"}},
		{"InEmpty", orm.In("Age"), nil},
		{"NotIn", orm.NotIn("Age", 20, 21, 22, 23, 24, 25, 26, 27), []string{"author 8", "author 9"}},
		{"NotInEmpty", orm.And(orm.NotIn("Age"), orm.Eq("Age", 20)), []string{"author 0"}},
		{"Like", orm.Like("Email", "a1%"), []string{"author 1"}},
		{"IsNull", orm.IsNull("Name"), nil},
		{"EqNil", orm.Eq("Name", nil), nil},
		{"NeNil", orm.And(orm.Ne("Name", nil), orm.Eq("Age", 29)), []string{"author 9"}},
		{"And", orm.And(orm.Gt("Age", 21), orm.Lt("Age", 24)), []string{"author 2", "author 3"}},
		{"Or", orm.Or(orm.Eq("Age", 20), orm.Eq("Name", "author 9")), []string{"author 0", "author 9"}},
		{"OrEmpty", orm.Or(), nil},
		{"AndEmpty", orm.And(orm.And(), orm.Eq("Age", 25)), []string{"author 5"}},
		{"Not", orm.Not(orm.Lt("Age", 28)), []string{"author 8", "author 9"}},
		{"Raw", orm.Raw("age * 2 = ?", 50), []string{"author 5"}},
		{"Nested", orm.Or(orm.And(orm.Gte("Age", 20), orm.Lte("Age", 21)), orm.Not(orm.Ne("Age", 29))), []string{"author 0", "author 1", "author 9"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "Raw" && !e.has(SQL) {
				t.Skip("not applicable: Raw takes SQL text, and the backend declares no SQL")
			}
			got, err := r.Find(e.ctx, tc.f, orm.OrderBy("Name"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, names(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func testOrderLimitOffset(t *testing.T, open suite) {
	e := setup(t, open, all)
	seedAuthors(t, e)
	r := orm.Repo[author](e.db.Session())
	got, err := r.Find(e.ctx, nil, orm.OrderBy("-Age"), orm.Limit(3))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"author 9", "author 8", "author 7"}, names(got)); diff != "" {
		t.Errorf("OrderBy -Age Limit 3 (-want +got):\n%s", diff)
	}
	got, err = r.Find(e.ctx, nil, orm.OrderBy("Age"), orm.Limit(2), orm.Offset(4))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"author 4", "author 5"}, names(got)); diff != "" {
		t.Errorf("Limit 2 Offset 4 (-want +got):\n%s", diff)
	}
	got, err = r.Find(e.ctx, nil, orm.OrderBy("Age"), orm.Offset(8))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"author 8", "author 9"}, names(got)); diff != "" {
		t.Errorf("Offset 8 (-want +got):\n%s", diff)
	}
	one, err := r.FindOne(e.ctx, orm.Gt("Age", 24), orm.OrderBy("-Name"))
	if err != nil || one.Name != "author 9" {
		t.Errorf("FindOne = %v, %v; want author 9", one, err)
	}
	if _, err := r.FindOne(e.ctx, orm.Gt("Age", 100)); !errors.Is(err, orm.ErrNotFound) {
		t.Errorf("FindOne of nothing = %v; want ErrNotFound", err)
	}
}

func testCount(t *testing.T, open suite) {
	e := setup(t, open, all)
	seedAuthors(t, e)
	r := orm.Repo[author](e.db.Session())
	if n, err := r.Count(e.ctx, orm.Gte("Age", 25)); err != nil || n != 5 {
		t.Errorf("Count = %d, %v; want 5", n, err)
	}
	page, total, err := r.FindAndCount(e.ctx, orm.Gte("Age", 25), orm.OrderBy("Age"), orm.Limit(2))
	if err != nil {
		t.Fatal(err)
	}
	if total != 5 || len(page) != 2 || page[0].Name != "author 5" {
		t.Errorf("FindAndCount = %v, %d; want [author 5, author 6], 5", names(page), total)
	}
}

func testStream(t *testing.T, open suite) {
	e := setup(t, open, all)
	seedAuthors(t, e)
	r := orm.Repo[author](e.db.Session())
	var got []string
	for a, err := range r.Stream(e.ctx, orm.Lt("Age", 25), orm.OrderBy("Age")) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a.Name)
		if len(got) == 3 {
			break
		}
	}
	if diff := cmp.Diff([]string{"author 0", "author 1", "author 2"}, got); diff != "" {
		t.Errorf("Stream (-want +got):\n%s", diff)
	}
	// The stream let go of its connection: the Session still works.
	if n, err := r.Count(e.ctx, nil); err != nil || n != 10 {
		t.Errorf("Count after a stopped stream = %d, %v", n, err)
	}
	for _, err := range r.Stream(e.ctx, orm.Eq("Nope", 1)) {
		if err == nil {
			t.Errorf("Stream with an unknown field yielded no error")
		}
	}
}

func testUnknownField(t *testing.T, open suite) {
	e := setup(t, open, all)
	r := orm.Repo[author](e.db.Session())
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"filter", func() error { _, err := r.Find(e.ctx, orm.Eq("Nmae", "x")); return err }, "Nmae"},
		{"column name", func() error { _, err := r.Find(e.ctx, orm.Eq("email", "x")); return err }, "Email"},
		{"order", func() error { _, err := r.Find(e.ctx, nil, orm.OrderBy("-Title")); return err }, "Title"},
		{"nested", func() error {
			_, err := r.Find(e.ctx, orm.Or(orm.Eq("Age", 1), orm.Not(orm.Eq("x; DROP", 1))))
			return err
		}, "x; DROP"},
		{"count", func() error { _, err := r.Count(e.ctx, orm.In("Ages", 1)); return err }, "Ages"},
		{"wrong type", func() error { _, err := r.Find(e.ctx, orm.Eq("Age", "old")); return err }, "Age"},
		{"raw arity", func() error { _, err := r.Find(e.ctx, orm.Raw("age = ? OR age = ?", 1)); return err }, "placeholders"},
		{"negative limit", func() error { _, err := r.Find(e.ctx, nil, orm.Limit(-1)); return err }, "negative"},
	}
	for _, c := range cases {
		err := c.run()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v; want an error mentioning %q", c.name, err, c.want)
		}
	}
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("bad queries sent %q; want nothing", st)
	}
}

func testInjection(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	evil := []string{`x'); DROP TABLE author; --`, `"; DELETE FROM item; --`, "`tick`", `back\slash'`, "-- comment", "?", "$1", "' OR '1'='1"}
	var as []*author
	for i, v := range evil {
		as = append(as, &author{Name: v, Email: v + string(rune('a'+i))})
	}
	persistAll(t, s, as)
	e.flush(s)
	for _, v := range evil {
		got, err := orm.Repo[author](e.db.Session()).Find(e.ctx, orm.Eq("Name", v))
		if err != nil {
			t.Fatalf("Find %q: %v", v, err)
		}
		if len(got) != 1 || got[0].Name != v {
			t.Errorf("Find %q returned %v", v, names(got))
		}
	}
	if n, err := orm.Repo[author](e.db.Session()).Count(e.ctx, nil); err != nil || n != int64(len(evil)) {
		t.Errorf("Count = %d, %v; want %d", n, err, len(evil))
	}
}

func testReservedWords(t *testing.T, open suite) {
	e := setup(t, open, all)
	s := e.db.Session()
	users := []*user{{Order: 1, Group: "admin", Select: "x"}, {Order: 2, Group: "user", Select: "y"}}
	persistAll(t, s, users)
	e.flush(s)
	users[0].Order, users[1].Group = 10, "order"
	e.flush(s)
	got, err := orm.Repo[user](e.db.Session()).Find(e.ctx, orm.Gte("Order", 2), orm.OrderBy("Group"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*user{users[0], users[1]}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	s.Remove(users[0], users[1])
	e.flush(s)
}
