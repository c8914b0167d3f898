package orm_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/sqlite"
)

// BenchModel has the shape of the common ORM benchmark's row: a key and
// seven columns of mixed types.
type BenchModel struct {
	ID      int64
	Name    string
	Title   string
	Fax     string
	Web     string
	Age     int
	Right   bool
	Counter int64
}

func benchDB(b *testing.B) *orm.DB {
	b.Helper()
	be, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { be.Close() })
	db, err := orm.Open(be, orm.Entities(&BenchModel{}))
	if err != nil {
		b.Fatal(err)
	}
	if err := db.CreateSchema(context.Background()); err != nil {
		b.Fatal(err)
	}
	return db
}

func newModels(n int) []*BenchModel {
	ms := make([]*BenchModel, n)
	for i := range ms {
		ms[i] = &BenchModel{Name: "Orm Benchmark", Title: "Just a Benchmark for fun", Fax: "99909990",
			Web: "http://example.com", Age: 100, Right: true, Counter: 1000}
	}
	return ms
}

// seed stores n models through a Session and returns it with them managed.
func seed(b *testing.B, db *orm.DB, n int) (*orm.Session, []*BenchModel) {
	b.Helper()
	s := db.Session()
	ms := newModels(n)
	for _, m := range ms {
		s.Persist(m)
	}
	if err := s.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	return s, ms
}

var sizes = []int{1, 100, 10000}

func BenchmarkFlush(b *testing.B) {
	ctx := context.Background()
	for _, n := range sizes {
		b.Run(fmt.Sprintf("op=insert/rows=%d", n), func(b *testing.B) {
			db := benchDB(b)
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				s := db.Session()
				ms := newModels(n)
				for _, m := range ms {
					s.Persist(m)
				}
				b.StartTimer()
				if err := s.Flush(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("op=update/rows=%d", n), func(b *testing.B) {
			db := benchDB(b)
			s, ms := seed(b, db, n)
			b.ReportAllocs()
			for b.Loop() {
				for _, m := range ms {
					m.Counter++
					m.Age++
				}
				if err := s.Flush(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("op=delete/rows=%d", n), func(b *testing.B) {
			db := benchDB(b)
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				s, ms := seed(b, db, n)
				for _, m := range ms {
					s.Remove(m)
				}
				b.StartTimer()
				if err := s.Flush(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("op=clean/rows=10000", func(b *testing.B) {
		db := benchDB(b)
		s, _ := seed(b, db, 10000)
		b.ReportAllocs()
		for b.Loop() {
			if err := s.Flush(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	db := benchDB(b)
	s, ms := seed(b, db, 100)
	b.Run("hit", func(b *testing.B) {
		r := orm.Repo[BenchModel](s)
		id := ms[50].ID
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.Get(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("miss", func(b *testing.B) {
		id := ms[50].ID
		b.ReportAllocs()
		for b.Loop() {
			if _, err := orm.Repo[BenchModel](db.Session()).Get(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkFind(b *testing.B) {
	ctx := context.Background()
	db := benchDB(b)
	seed(b, db, 100)
	b.Run("rows=100", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			got, err := orm.Repo[BenchModel](db.Session()).Find(ctx, orm.Gt("ID", 0), orm.Limit(100))
			if err != nil || len(got) != 100 {
				b.Fatal(len(got), err)
			}
		}
	})
}

// BenchWriter, BenchBook and BenchChapter form a three-level aggregate.
type BenchWriter struct {
	ID    int64
	Name  string
	Books orm.Collection[BenchBook] `orm:"mappedBy:Writer"`
}

// BenchBook belongs to a BenchWriter.
type BenchBook struct {
	ID       int64
	Title    string
	Writer   orm.Ref[BenchWriter]
	Chapters orm.Collection[BenchChapter] `orm:"mappedBy:Book"`
}

// BenchChapter belongs to a BenchBook.
type BenchChapter struct {
	ID    int64
	Title string
	Book  orm.Ref[BenchBook]
}

func relDB(b *testing.B) *orm.DB {
	be, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { be.Close() })
	db, err := orm.Open(be, orm.Entities(&BenchWriter{}, &BenchBook{}, &BenchChapter{}))
	if err != nil {
		b.Fatal(err)
	}
	if err := db.CreateSchema(context.Background()); err != nil {
		b.Fatal(err)
	}
	return db
}

// aggregate builds one writer with 10 books of 10 chapters: 1 + 10 + 100.
func aggregate() *BenchWriter {
	w := &BenchWriter{Name: "w"}
	for i := range 10 {
		bk := &BenchBook{Title: fmt.Sprint("book ", i)}
		for j := range 10 {
			bk.Chapters.Add(&BenchChapter{Title: fmt.Sprint("chapter ", j)})
		}
		w.Books.Add(bk)
	}
	return w
}

// BenchmarkRelations: populate 100 writers × 10 books (2 queries), and a
// flush inserting a 1 + 10 + 100 aggregate (3 INSERTs).
func BenchmarkRelations(b *testing.B) {
	ctx := context.Background()
	b.Run("op=populate/writers=100/books=10", func(b *testing.B) {
		db := relDB(b)
		s := db.Session()
		for i := range 100 {
			w := &BenchWriter{Name: fmt.Sprint("writer ", i)}
			for j := range 10 {
				w.Books.Add(&BenchBook{Title: fmt.Sprint("book ", j)})
			}
			s.Persist(w)
		}
		if err := s.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			ws, err := orm.Repo[BenchWriter](db.Session()).Find(ctx, nil, orm.Populate("Books"))
			if err != nil || len(ws) != 100 || ws[99].Books.Len() != 10 {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=insert-aggregate/rows=111", func(b *testing.B) {
		db := relDB(b)
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			s := db.Session()
			s.Persist(aggregate())
			b.StartTimer()
			if err := s.Flush(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
