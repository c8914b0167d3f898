package bench

import (
	"context"
	"crypto/rand"
	stdsql "database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jmoiron/sqlx"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	gormmysql "gorm.io/driver/mysql"
	gormpg "gorm.io/driver/postgres"
	gormsqlite "gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	_ "modernc.org/sqlite"

	"github.com/unitofwork/orm"
	ormmysql "github.com/unitofwork/orm/dialect/mysql"
	ormpg "github.com/unitofwork/orm/dialect/postgres"
	ormsqlite "github.com/unitofwork/orm/dialect/sqlite"
)

// Model is the row every implementation reads and writes.
type Model struct {
	bun.BaseModel `bun:"table:models" orm:"-" gorm:"-"`
	ID            int64  `bun:",pk,autoincrement" db:"id" gorm:"primaryKey"`
	Name          string `db:"name"`
	Title         string `db:"title"`
	Fax           string `db:"fax"`
	Web           string `db:"web"`
	Age           int    `db:"age"`
	Right         bool   `db:"right"`
	Counter       int64  `db:"counter"`
}

// TableName names the table for the ORM and GORM.
func (Model) TableName() string { return "models" }

func newModel() *Model {
	return &Model{Name: "Orm Benchmark", Title: "Just a Benchmark for fun", Fax: "99909990",
		Web: "http://example.com", Age: 100, Right: true, Counter: 1000}
}

const columns = `"name", "title", "fax", "web", "age", "right", "counter"`

// Parent and Child are the ORM's entities for the populate benchmark: 100
// parents with 10 children each.
type Parent struct {
	ID       int64
	Name     string
	Children orm.Collection[Child] `orm:"mappedBy:Parent"`
}

// TableName names the parents table.
func (Parent) TableName() string { return "parents" }

// Child belongs to a Parent (column parent_id).
type Child struct {
	ID     int64
	Title  string
	Parent orm.Ref[Parent]
}

// TableName names the children table.
func (Child) TableName() string { return "children" }

// PeerParent and PeerChild map the same tables for Bun and GORM.
type PeerParent struct {
	bun.BaseModel `bun:"table:parents" gorm:"-"`
	ID            int64        `bun:",pk,autoincrement" gorm:"primaryKey"`
	Name          string       `bun:"name"`
	Children      []*PeerChild `bun:"rel:has-many,join:id=parent_id" gorm:"foreignKey:ParentID"`
}

// TableName names the parents table for GORM.
func (PeerParent) TableName() string { return "parents" }

// PeerChild is a row of children for Bun and GORM.
type PeerChild struct {
	bun.BaseModel `bun:"table:children" gorm:"-"`
	ID            int64  `bun:",pk,autoincrement" gorm:"primaryKey"`
	Title         string `bun:"title"`
	ParentID      int64  `bun:"parent_id"`
}

// TableName names the children table for GORM.
func (PeerChild) TableName() string { return "children" }

// env is one database: its connections for every implementation.
type env struct {
	name  string
	sqlDB *stdsql.DB
	pool  *pgxpool.Pool // PostgreSQL only
	orm   *orm.DB
	sqlx  *sqlx.DB
	bun   *bun.DB
	gorm  *gorm.DB
	ph    func(n int) string // placeholder
	mysql bool               // identifiers in backticks: see q

	paused time.Duration // spent in pause, left out of timed
}

// q adapts a statement written with double-quoted identifiers to the
// database: MySQL and MariaDB quote with backticks.
func (e *env) q(stmt string) string {
	if e.mysql {
		return strings.ReplaceAll(stmt, `"`, "`")
	}
	return stmt
}

var entities = orm.Entities(&Model{}, &Parent{}, &Child{}, &Note{}, &Label{}, &Event{})

func sqliteEnv(b *testing.B) *env {
	path := filepath.Join(b.TempDir(), "bench.db")
	be, err := ormsqlite.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	db, err := orm.Open(be, entities)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	sqlDB := be.DB()
	g, err := gorm.Open(gormsqlite.Dialector{Conn: sqlDB}, &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true})
	if err != nil {
		b.Fatal(err)
	}
	e := &env{name: "sqlite", sqlDB: sqlDB, orm: db, sqlx: sqlx.NewDb(sqlDB, "sqlite"),
		bun: bun.NewDB(sqlDB, sqlitedialect.New()), gorm: g, ph: func(int) string { return "?" }}
	return e
}

func postgresEnv(b *testing.B) *env {
	dsn := os.Getenv("ORM_POSTGRES_DSN")
	if dsn == "" {
		b.Skip("ORM_POSTGRES_DSN not set: PostgreSQL benchmarks skipped")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	var buf [6]byte
	rand.Read(buf[:])
	schema := "orm_bench_" + hex.EncodeToString(buf[:])
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		b.Fatal(err)
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	sdsn := dsn + sep + "search_path=" + schema
	pool, err := pgxpool.New(ctx, sdsn)
	if err != nil {
		b.Fatal(err)
	}
	be, err := ormpg.Open(ctx, sdsn)
	if err != nil {
		b.Fatal(err)
	}
	db, err := orm.Open(be, entities)
	if err != nil {
		b.Fatal(err)
	}
	sqlDB := stdlib.OpenDBFromPool(pool)
	g, err := gorm.Open(gormpg.New(gormpg.Config{Conn: sqlDB}), &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		db.Close()
		sqlDB.Close()
		pool.Close()
		admin.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close(ctx)
	})
	return &env{name: "postgres", sqlDB: sqlDB, pool: pool, orm: db, sqlx: sqlx.NewDb(sqlDB, "pgx"),
		bun: bun.NewDB(sqlDB, pgdialect.New()), gorm: g, ph: func(n int) string { return fmt.Sprintf("$%d", n) }}
}

func mariadbEnv(b *testing.B) *env {
	dsn := os.Getenv("ORM_MYSQL_DSN")
	if dsn == "" {
		b.Skip("ORM_MYSQL_DSN not set: MariaDB/MySQL benchmarks skipped")
	}
	admin, err := stdsql.Open("mysql", dsn)
	if err != nil {
		b.Fatal(err)
	}
	var buf [6]byte
	rand.Read(buf[:])
	name := "orm_bench_" + hex.EncodeToString(buf[:])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		b.Fatal(err)
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		b.Fatal(err)
	}
	cfg.DBName = name
	be, err := ormmysql.Open(context.Background(), cfg.FormatDSN())
	if err != nil {
		b.Fatal(err)
	}
	db, err := orm.Open(be, entities)
	if err != nil {
		b.Fatal(err)
	}
	sqlDB := be.DB()
	g, err := gorm.Open(gormmysql.New(gormmysql.Config{Conn: sqlDB}), &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		db.Close()
		admin.Exec("DROP DATABASE " + name)
		admin.Close()
	})
	return &env{name: "mariadb", sqlDB: sqlDB, orm: db, sqlx: sqlx.NewDb(sqlDB, "mysql"),
		bun: bun.NewDB(sqlDB, mysqldialect.New()), gorm: g, ph: func(int) string { return "?" }, mysql: true}
}

// reset recreates the table with n rows and returns their keys.
func (e *env) reset(b *testing.B, n int) []int64 {
	ctx := context.Background()
	if err := e.orm.DropSchema(ctx); err != nil {
		b.Fatal(err)
	}
	if err := e.orm.CreateSchema(ctx); err != nil {
		b.Fatal(err)
	}
	_, _, ids := e.seed(b, n)
	return ids
}

// seed stores n new models and returns the Session that flushed them, the
// models and their keys.
func (e *env) seed(b *testing.B, n int) (*orm.Session, []*Model, []int64) {
	s := e.orm.Session()
	ms := make([]*Model, n)
	for i := range ms {
		ms[i] = newModel()
		s.Persist(ms[i])
	}
	if err := s.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, n)
	for i, m := range ms {
		ids[i] = m.ID
	}
	return s, ms, ids
}

// impl is one implementation of one operation: setup returns the function
// a benchmark iteration runs.
type impl struct {
	name string
	run  func(b *testing.B, e *env) func() error
}

// databases are the databases every benchmark runs on, each opened in a
// new file, schema or database of its own.
var databases = []struct {
	name string
	open func(*testing.B) *env
}{{"sqlite", sqliteEnv}, {"postgres", postgresEnv}, {"mariadb", mariadbEnv}}

func BenchmarkPeers(b *testing.B) {
	for _, db := range databases {
		for _, op := range ops {
			for _, im := range op.impls {
				name := fmt.Sprintf("db=%s/op=%s/impl=%s", db.name, op.name, im.name)
				b.Run(name, func(b *testing.B) {
					e := db.open(b)
					fn := im.run(b, e)
					if fn == nil {
						b.Skipf("%s: not supported on %s", im.name, e.name)
					}
					b.ReportAllocs()
					for b.Loop() {
						if err := fn(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
