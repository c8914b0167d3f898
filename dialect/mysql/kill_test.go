package mysql_test

import (
	"context"
	stdsql "database/sql"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	driver "github.com/go-sql-driver/mysql"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/mysql"
)

// Gadget is written by a flush whose connection gets killed.
type Gadget struct {
	ID   int64
	Name string
}

// Counter is updated in the same flush.
type Counter struct {
	ID int64
	N  int
}

// TestKilledConnectionMidFlush kills the flushing connection (KILL
// CONNECTION) between two statements of a flush: nothing of the flush is
// written and the same Session flushes successfully afterwards.
func TestKilledConnectionMidFlush(t *testing.T) {
	ctx := context.Background()
	dsn := database(t)
	cfg, err := driver.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := stdsql.Open("mysql", serverDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b, err := mysql.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var kill atomic.Bool
	killed := 0
	db, err := orm.Open(b, orm.Entities(&Gadget{}, &Counter{}), orm.WithQueryHook(func(_ context.Context, e orm.QueryEvent) {
		if !kill.Load() || !strings.HasPrefix(e.Statement, "INSERT") {
			return
		}
		kill.Store(false)
		rows, err := admin.Query(`SELECT id FROM information_schema.PROCESSLIST WHERE db = ? AND command = 'Sleep'`, cfg.DBName)
		if err != nil {
			t.Errorf("listing connections: %v", err)
			return
		}
		var ids []int64
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
		for _, id := range ids {
			if _, err := admin.Exec("KILL CONNECTION ?", id); err == nil {
				killed++
			}
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	s := db.Session()
	c := &Counter{}
	s.Persist(c)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	g := &Gadget{Name: "g"}
	s.Persist(g)
	c.N = 5
	kill.Store(true)
	err = s.Flush(ctx)
	if err == nil || killed == 0 {
		t.Fatalf("Flush with its connection killed = %v (%d killed); want an error", err, killed)
	}
	if !errors.Is(err, orm.ErrRetryable) {
		t.Errorf("a connection lost mid-transaction: %v; want an error matching orm.ErrRetryable", err)
	}
	t.Logf("the flush failed with: %v", err)
	if g.ID != 0 {
		t.Errorf("the failed flush left key %d", g.ID)
	}
	check := db.Session()
	if n, err := orm.Repo[Gadget](check).Count(ctx, nil); err != nil || n != 0 {
		t.Errorf("%d gadgets after the failed flush, %v; want 0", n, err)
	}
	if got, err := orm.Repo[Counter](check).Get(ctx, c.ID); err != nil || got.N != 0 {
		t.Errorf("counter after the failed flush = %v, %v; want 0", got, err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("retrying the flush: %v", err)
	}
	check = db.Session()
	if n, _ := orm.Repo[Gadget](check).Count(ctx, nil); n != 1 {
		t.Errorf("%d gadgets after the retry; want 1", n)
	}
	if got, _ := orm.Repo[Counter](check).Get(ctx, c.ID); got.N != 5 {
		t.Errorf("counter after the retry = %d; want 5", got.N)
	}
}
