// Package golden checks, for every statement shape the SQL engine sends,
// the text and arguments one dialect receives against a golden file:
// each case drives the public API on a Fake pool, which records what it
// is sent. A dialect package's golden_test.go calls Run; `go test -update`
// rewrites the files, and a change of any statement shows as their diff.
// No database is needed.
package golden

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/internal/sqlconn"
	"github.com/unitofwork/orm/sql"
)

var update = flag.Bool("update", false, "rewrite the golden statement files")

// A test is one case: it works on db, whose statements go to f.
type test struct {
	name string
	opts []orm.Option
	run  func(ctx context.Context, db *orm.DB, f *Fake) error
}

// Run runs every case on dialect d and compares what it sent with
// dir/<case>.sql.
func Run(t *testing.T, d sql.Dialect, dir string) {
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			f := &Fake{}
			b := sqlconn.NewNative(nil, f, d).(*sql.Backend)
			db, err := orm.Open(b, append([]orm.Option{entities}, c.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if err := c.run(context.Background(), db, f); err != nil {
				got = "-- error: " + err.Error() + "\n"
			}
			got = strings.Join(f.log, "\n") + "\n" + got
			compare(t, filepath.Join(dir, c.name+".sql"), got)
		})
	}
}

func compare(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if string(want) != got {
		t.Errorf("%s: statements differ (go test -update rewrites the file; review the diff)\n--- want\n%s--- got\n%s", path, want, got)
	}
}

// cases are every statement shape, in groups: schema, insert (pivot rows
// included), update, versioned update, delete (pivot rows included),
// select, populate, transactions, raw SQL with read-only transactions, locking reads, writes without loading, time stamps, UUIDs, and soft delete with named filters.
func cases() []test {
	var all []test
	for _, group := range [][]test{schemaCases(), insertCases(), updateCases(), versionedCases(), deleteCases(), selectCases(), populateCases(), txCases(), rawCases(), lockCases(), writeCases(), stampCases(), uuidCases(), softCases()} {
		all = append(all, group...)
	}
	return all
}

func schemaCases() []test {
	return []test{
		{name: "schema_create", run: func(ctx context.Context, db *orm.DB, f *Fake) error { return db.CreateSchema(ctx) }},
		{name: "schema_drop", run: func(ctx context.Context, db *orm.DB, f *Fake) error { return db.DropSchema(ctx) }},
	}
}

// flush persists es in a new Session and flushes it.
func flush(ctx context.Context, db *orm.DB, es ...any) error {
	s := db.Session()
	if err := s.Persist(es...); err != nil {
		return err
	}
	return s.Flush(ctx)
}

func insertCases() []test {
	return []test{
		{name: "insert_one", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			return flush(ctx, db, &Owner{Name: "Ann", Age: 30})
		}},
		{name: "insert_many", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			email := "bob@example.com"
			return flush(ctx, db, &Owner{Name: "Ann", Age: 30}, &Owner{Name: "Bob", Email: &email}, &Owner{Name: "Cy"})
		}},
		{name: "insert_arrays", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			// More rows than a VALUES list is used for where the dialect
			// binds arrays: one parameter per column, NULLs among them.
			os := make([]any, 17)
			for i := range os {
				o := &Owner{Name: fmt.Sprint("o", i), Age: int32(i)}
				if i%2 == 1 {
					email := fmt.Sprint("o", i, "@example.com")
					o.Email = &email
				}
				os[i] = o
			}
			return flush(ctx, db, os...)
		}},
		{name: "insert_chunked", opts: []orm.Option{orm.WithBatchSize(2)}, run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			return flush(ctx, db, &Owner{Name: "A"}, &Owner{Name: "B"}, &Owner{Name: "C"}, &Owner{Name: "D"}, &Owner{Name: "E"})
		}},
		{name: "insert_explicit_key", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			return flush(ctx, db, &Owner{ID: 10, Name: "Ten"}, &Owner{ID: 12, Name: "Twelve"})
		}},
		{name: "insert_defaults", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			// The rows the database returns (or gives when read back):
			// its defaults filled in.
			f.Results = append(f.Results, [][]any{{int64(1000), "red", nil, "a", int64(0), "new", "0"}}, [][]any{{int64(1000), "red", nil, "a", int64(0), "new", "0"}})
			return flush(ctx, db, &Paint{Color: "red", Label: "a"}, &Paint{Color: "red", Label: "b", Stamp: "old"})
		}},
		{name: "insert_key_only", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			return flush(ctx, db, &Counter{}, &Counter{}, &Counter{})
		}},
		{name: "insert_composite_key", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			return flush(ctx, db, &Pair{Left: 1, Right: 2, Note: "a"}, &Pair{Left: 1, Right: 3})
		}},
		{name: "insert_relations", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			o := &Owner{Name: "Ann"}
			red, blue := &Tag{Name: "red"}, &Tag{Name: "blue"}
			c1, c2 := &Car{Model: "T", Owner: orm.RefTo(o)}, &Car{Model: "S", Owner: orm.RefTo(o)}
			c1.Tags.Add(red, blue)
			c2.Tags.Add(red)
			return flush(ctx, db, o, c1, c2)
		}},
		{name: "insert_self_ref", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			root := &Node{Name: "root"}
			child := &Node{Name: "child", Parent: orm.RefTo(root)}
			return flush(ctx, db, child, root)
		}},
	}
}

// loaded reads n owners (or accounts) from the fake into a new Session.
func loaded[T any](ctx context.Context, db *orm.DB, f *Fake, rows ...[]any) (*orm.Session, []*T, error) {
	f.Results = append(f.Results, rows)
	s := db.Session()
	es, err := orm.Repo[T](s).Find(ctx, nil)
	return s, es, err
}

func owners(n int) [][]any {
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = ownerRow(int64(i+1), "owner", 20)
	}
	return rows
}

func updateCases() []test {
	return []test{
		{name: "update_one", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			s, os, err := loaded[Owner](ctx, db, f, owners(1)...)
			if err != nil {
				return err
			}
			os[0].Name = "Ann"
			return s.Flush(ctx)
		}},
		{name: "update_car", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			s, cars, err := loaded[Car](ctx, db, f, carRow(1, "T", 1))
			if err != nil {
				return err
			}
			cars[0].Model, cars[0].Price, cars[0].Sold = "T2", 19.5, true
			return s.Flush(ctx)
		}},
		{name: "update_case", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			s, os, err := loaded[Owner](ctx, db, f, owners(3)...)
			if err != nil {
				return err
			}
			os[0].Name, os[1].Age, os[2].Name, os[2].Age = "A", 41, "C", 43
			return s.Flush(ctx)
		}},
		{name: "update_join_values", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			s, os, err := loaded[Owner](ctx, db, f, owners(17)...)
			if err != nil {
				return err
			}
			for i, o := range os {
				o.Name = "renamed"
				if i%2 == 0 {
					o.Age = int32(i)
				}
			}
			return s.Flush(ctx)
		}},
	}
}

func versionedCases() []test {
	return []test{
		{name: "update_versioned_one", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			s, as, err := loaded[Account](ctx, db, f, accountRow(1, 100, 3))
			if err != nil {
				return err
			}
			as[0].Balance = 90
			return s.Flush(ctx)
		}},
		{name: "update_versioned_many", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			s, as, err := loaded[Account](ctx, db, f, accountRow(1, 100, 3), accountRow(2, 50, 1))
			if err != nil {
				return err
			}
			as[0].Balance, as[1].Balance = 90, 60
			f.Affected = 2
			return s.Flush(ctx)
		}},
		{name: "update_versioned_join", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			rows := make([][]any, 17)
			for i := range rows {
				rows[i] = accountRow(int64(i+1), 10, 1)
			}
			s, as, err := loaded[Account](ctx, db, f, rows...)
			if err != nil {
				return err
			}
			for _, a := range as {
				a.Balance++
			}
			f.Affected = 17
			return s.Flush(ctx)
		}},
		{name: "update_stale", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			s, as, err := loaded[Account](ctx, db, f, accountRow(1, 100, 3), accountRow(2, 50, 1))
			if err != nil {
				return err
			}
			as[0].Balance, as[1].Balance = 90, 60
			f.Results = append(f.Results, [][]any{{int64(1), int64(3)}, {int64(2), int64(2)}})
			return s.Flush(ctx)
		}},
		{name: "update_ref", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			f.Results = append(f.Results, [][]any{carRow(1, "T", 1)}, owners(2))
			s := db.Session()
			cars, err := orm.Repo[Car](s).Find(ctx, nil)
			if err != nil {
				return err
			}
			os, err := orm.Repo[Owner](s).Find(ctx, nil)
			if err != nil {
				return err
			}
			cars[0].Owner.Set(os[1])
			return s.Flush(ctx)
		}},
	}
}

func deleteCases() []test {
	remove := func(ctx context.Context, s *orm.Session, es ...any) error {
		if err := s.Remove(es...); err != nil {
			return err
		}
		return s.Flush(ctx)
	}
	return []test{
		{name: "delete_one", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			s, os, err := loaded[Owner](ctx, db, f, owners(1)...)
			if err != nil {
				return err
			}
			return remove(ctx, s, os[0])
		}},
		{name: "delete_many", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			s, os, err := loaded[Owner](ctx, db, f, owners(3)...)
			if err != nil {
				return err
			}
			return remove(ctx, s, os[0], os[2])
		}},
		{name: "delete_versioned", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			s, as, err := loaded[Account](ctx, db, f, accountRow(1, 100, 3), accountRow(2, 5, 7))
			if err != nil {
				return err
			}
			f.Affected = 2
			return remove(ctx, s, as[0], as[1])
		}},
		{name: "delete_composite_key", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			s, ps, err := loaded[Pair](ctx, db, f, []any{int64(1), int64(2), "a"}, []any{int64(1), int64(3), "b"})
			if err != nil {
				return err
			}
			return remove(ctx, s, ps[0], ps[1])
		}},
		{name: "pivot_delete", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			f.Results = append(f.Results, [][]any{carRow(1, "T", 1)}, [][]any{{int64(5), "red", int64(1)}, {int64(6), "blue", int64(1)}})
			s := db.Session()
			cars, err := orm.Repo[Car](s).Find(ctx, nil, orm.Populate("Tags"))
			if err != nil {
				return err
			}
			cars[0].Tags.Remove(cars[0].Tags.Items()[0])
			return s.Flush(ctx)
		}},
		{name: "pivot_clear", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			s, cars, err := loaded[Car](ctx, db, f, carRow(1, "T", 1), carRow(2, "S", 1))
			if err != nil {
				return err
			}
			return remove(ctx, s, cars[0], cars[1])
		}},
	}
}

// find runs a Find of T with f and opts on rows set up in the fake.
func find[T any](filter orm.Filter, opts ...orm.QueryOption) func(ctx context.Context, db *orm.DB, f *Fake) error {
	return func(ctx context.Context, db *orm.DB, f *Fake) error {
		_, err := orm.Repo[T](db.Session()).Find(ctx, filter, opts...)
		return err
	}
}

func selectCases() []test {
	long := make([]any, 150)
	for i := range long {
		long[i] = i
	}
	return []test{
		{name: "select_all", run: find[Owner](nil)},
		{name: "select_compare", run: find[Owner](orm.And(orm.Eq("Name", "Ann"), orm.Ne("Age", 1), orm.Gt("Age", 2), orm.Gte("Age", 3), orm.Lt("Age", 4), orm.Lte("Age", 5)))},
		{name: "select_in", run: find[Owner](orm.In("Age", 1, 2, 3))},
		{name: "select_embedded", run: find[Site](orm.Eq("Addr.City", "Oslo"), orm.OrderBy("Addr.Zip"))},
		{name: "select_declared_types", run: find[Paint](orm.And(orm.Gt("Total", 5), orm.Eq("Label", "x"), orm.Gte("Price", Money{"9.99"})))},
		{name: "select_in_long", run: find[Owner](orm.In("Age", long...))},
		{name: "select_in_17", run: find[Owner](orm.In("Age", long[:17]...))}, // an array on PostgreSQL, a list elsewhere
		{name: "select_not_in", run: find[Owner](orm.NotIn("Name", "a", "b"))},
		{name: "select_not_in_long", run: find[Owner](orm.NotIn("Age", long...))},
		{name: "select_in_empty", run: find[Owner](orm.Or(orm.In("Age"), orm.NotIn("Age")))},
		{name: "select_like", run: find[Owner](orm.Like("Name", `A\_%`))},
		{name: "select_null", run: find[Owner](orm.Or(orm.IsNull("Email"), orm.Not(orm.IsNull("Email"))))},
		{name: "select_ne_nullable", run: find[Owner](orm.Ne("Email", "a@example.com"))},
		{name: "select_not", run: find[Owner](orm.Not(orm.Or(orm.Eq("Name", "a"), orm.Raw("age > ?", 3))))},
		{name: "select_raw", run: find[Owner](orm.Raw("age BETWEEN ? AND ?", 18, 65))},
		{name: "select_path_ref", run: find[Car](orm.Eq("Owner.Name", "Ann"))},
		{name: "select_path_has_many", run: find[Owner](orm.Eq("Cars.Model", "T"))},
		{name: "select_path_m2m", run: find[Car](orm.Eq("Tags.Name", "red"))},
		{name: "select_order_paging", run: find[Owner](nil, orm.OrderBy("-Age", "Name"), orm.Limit(10), orm.Offset(20))},
		{name: "select_offset_only", run: find[Owner](nil, orm.Offset(5))},
		{name: "select_order_path", run: find[Car](orm.Eq("Sold", false), orm.OrderBy("Owner.Name", "-Price"), orm.Limit(3))},
		{name: "select_get", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			f.Results = append(f.Results, owners(1))
			_, err := orm.Repo[Owner](db.Session()).Get(ctx, 1)
			return err
		}},
		{name: "select_count", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			_, err := orm.Repo[Owner](db.Session()).Count(ctx, orm.Gt("Age", 18))
			return err
		}},
	}
}

func populateCases() []test {
	return []test{
		{name: "populate_ref", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			f.Results = append(f.Results, [][]any{carRow(1, "T", 7), carRow(2, "S", 8)}, [][]any{ownerRow(7, "a", 1), ownerRow(8, "b", 2)})
			return find[Car](nil, orm.Populate("Owner"))(ctx, db, f)
		}},
		{name: "populate_has_many", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			f.Results = append(f.Results, owners(2), [][]any{carRow(1, "T", 1), carRow(2, "S", 2)})
			return find[Owner](nil, orm.Populate("Cars"))(ctx, db, f)
		}},
		{name: "populate_has_one", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			f.Results = append(f.Results, owners(2), [][]any{{int64(3), "Oslo", nil, nil, nil, int64(1)}})
			return find[Owner](nil, orm.Populate("Site"))(ctx, db, f)
		}},
		{name: "populate_m2m", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			f.Results = append(f.Results, [][]any{carRow(1, "T", 7), carRow(2, "S", 7)}, [][]any{{int64(5), "red", int64(1)}, {int64(5), "red", int64(2)}})
			return find[Car](nil, orm.Populate("Tags"))(ctx, db, f)
		}},
		{name: "populate_nested", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			f.Results = append(f.Results, owners(1), [][]any{carRow(1, "T", 1)}, [][]any{{int64(5), "red", int64(1)}})
			return find[Owner](nil, orm.Populate("Cars.Tags"))(ctx, db, f)
		}},
	}
}

func txCases() []test {
	return []test{
		{name: "tx_savepoint", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			return db.Session().Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
				if err := s.Persist(&Owner{Name: "Ann"}, &Account{Balance: 1}); err != nil {
					return err
				}
				return s.Flush(ctx)
			})
		}},
		{name: "tx_savepoint_rollback", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			return db.Session().Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
				f.Results = append(f.Results, [][]any{accountRow(1, 100, 3), accountRow(2, 50, 1)})
				as, err := orm.Repo[Account](s).Find(ctx, nil)
				if err != nil {
					return err
				}
				as[0].Balance, as[1].Balance = 90, 60
				return s.Flush(ctx) // one of the two is stale
			})
		}},
		{name: "tx_rollback", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			return db.Session().Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
				if err := s.Persist(&Owner{Name: "Ann"}); err != nil {
					return err
				}
				if err := s.Flush(ctx); err != nil {
					return err
				}
				return context.Canceled
			})
		}},
	}
}
