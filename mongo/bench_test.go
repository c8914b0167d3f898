package mongo_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/mongo"
)

// BenchModel has the shape of the common ORM benchmark's row.
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

func newModel() *BenchModel {
	return &BenchModel{Name: "Orm Benchmark", Title: "Just a Benchmark for fun", Fax: "99909990",
		Web: "http://example.com", Age: 100, Right: true, Counter: 1000}
}

func benchDB(b *testing.B, n int) (*orm.DB, *mongo.Backend, []*BenchModel) {
	ctx := context.Background()
	be := open(b).(*mongo.Backend)
	db, err := orm.Open(be, orm.Entities(&BenchModel{}))
	if err != nil {
		b.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		b.Fatal(err)
	}
	s := db.Session()
	ms := make([]*BenchModel, n)
	for i := range ms {
		ms[i] = newModel()
		s.Persist(ms[i])
	}
	if err := s.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	return db, be, ms
}

type rawModel struct {
	ID      int64  `bson:"_id"`
	Name    string `bson:"name"`
	Title   string `bson:"title"`
	Fax     string `bson:"fax"`
	Web     string `bson:"web"`
	Age     int    `bson:"age"`
	Right   bool   `bson:"right"`
	Counter int64  `bson:"counter"`
}

func BenchmarkMongo(b *testing.B) {
	ctx := context.Background()
	b.Run("op=read/impl=orm", func(b *testing.B) {
		db, _, ms := benchDB(b, 1)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := orm.Repo[BenchModel](db.Session()).Get(ctx, ms[0].ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=read/impl=driver", func(b *testing.B) {
		_, be, ms := benchDB(b, 1)
		c := be.Database().Collection("bench_model")
		b.ReportAllocs()
		for b.Loop() {
			var m rawModel
			if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: ms[0].ID}}).Decode(&m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=insert100/impl=orm", func(b *testing.B) {
		db, _, _ := benchDB(b, 0)
		b.ReportAllocs()
		for b.Loop() {
			s := db.Session()
			for range 100 {
				s.Persist(newModel())
			}
			if err := s.Flush(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=insert100/impl=driver", func(b *testing.B) {
		_, be, _ := benchDB(b, 0)
		c := be.Database().Collection("bench_model")
		next := int64(1 << 40)
		b.ReportAllocs()
		for b.Loop() {
			docs := make([]any, 100)
			for i := range docs {
				m := newModel()
				next++
				docs[i] = rawModel{ID: next, Name: m.Name, Title: m.Title, Fax: m.Fax, Web: m.Web, Age: m.Age, Right: m.Right, Counter: m.Counter}
			}
			if _, err := c.InsertMany(ctx, docs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=update100/impl=orm", func(b *testing.B) {
		db, _, _ := benchDB(b, 100)
		s := db.Session()
		ms, err := orm.Repo[BenchModel](s).Find(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			for _, m := range ms {
				m.Counter++
			}
			if err := s.Flush(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
