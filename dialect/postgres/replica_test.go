package postgres_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/postgres"
	"github.com/unitofwork/orm/dialect/sqlite"
	"github.com/unitofwork/orm/sql"
)

// replicated opens a primary and its streaming replica (the pair
// scripts/clusters.sh starts) on a schema of the test's own, with a DB
// reading from the replica whose query hook counts the statements each
// server ran; it skips without the pair.
func replicated(t *testing.T, entities ...any) (db *orm.DB, replica *sql.Backend, ran *[2]atomic.Int64) {
	t.Helper()
	var primary *sql.Backend
	ctx := context.Background()
	pdsn, rdsn := os.Getenv("ORM_PG_PRIMARY_DSN"), os.Getenv("ORM_PG_REPLICA_DSN")
	if pdsn == "" || rdsn == "" {
		t.Skip("ORM_PG_PRIMARY_DSN and ORM_PG_REPLICA_DSN not set: replica tests skipped (scripts/clusters.sh start prints them)")
	}
	dsn, schema := newSchemaOn(t, pdsn)
	var err error
	if primary, err = postgres.Open(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	if replica, err = postgres.Open(ctx, withSearchPath(rdsn, schema)); err != nil {
		t.Fatal(err)
	}
	var recovering bool
	for i := 0; ; i++ { // a replica a test restarted may still be starting
		err = replica.DB().QueryRowContext(ctx, "SELECT pg_is_in_recovery()").Scan(&recovering)
		if err == nil && recovering {
			break
		}
		if i == 100 || err == nil {
			t.Fatalf("ORM_PG_REPLICA_DSN: pg_is_in_recovery() = %v, %v; want a replica", recovering, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	ran = new([2]atomic.Int64)
	hook := orm.WithQueryHook(func(_ context.Context, e orm.QueryEvent) { ran[min(e.Replica, 1)].Add(1) })
	db, err = orm.Open(primary, orm.WithReplicas(replica), orm.Entities(entities...), hook)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	// The replica has the tables once it replayed the DDL.
	for i := 0; ; i++ {
		var n int
		err := replica.DB().QueryRowContext(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1", schema).Scan(&n)
		if err == nil && n == len(entities) {
			break
		}
		if i == 500 {
			t.Fatalf("the replica has %d of the %d tables after 5 s (%v)", n, len(entities), err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return db, replica, ran
}

// TestReplicaReadYourWrites: 300 times, a Session flushes a new row and an
// edit of it, then reads both back by query: no read is stale, and every
// one ran on the primary; a fresh Session's reads run on the replica.
func TestReplicaReadYourWrites(t *testing.T) {
	ctx := context.Background()
	db, _, ran := replicated(t, &Counter{})
	stale := 0
	for i := range 300 {
		s := db.Session()
		c := &Counter{N: i}
		s.Persist(c)
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if got, err := orm.Repo[Counter](s).Find(ctx, orm.Eq("ID", c.ID)); err != nil || len(got) != 1 {
			stale++
		}
		c.N = -i - 1
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := orm.Repo[Counter](s).Count(ctx, orm.Eq("N", -i-1)); err != nil || n != 1 {
			stale++
		}
	}
	if stale != 0 || ran[1].Load() != 0 {
		t.Errorf("%d of 600 reads after a Session's own flush were stale, %d statements ran on the replica; want none", stale, ran[1].Load())
	}
	fresh := db.Session()
	if _, err := orm.Repo[Counter](fresh).Find(ctx, nil, orm.Limit(5)); err != nil {
		t.Fatal(err)
	}
	if _, err := orm.Repo[Counter](fresh).Count(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if n := ran[1].Load(); n != 2 {
		t.Errorf("a fresh Session's two reads ran %d statements on the replica; want 2", n)
	}
}

// TestReplicaKilled: four goroutines read through fresh Sessions while the
// replica is stopped (immediate shutdown) under them: no read fails, the
// replica served reads before, the primary after.
func TestReplicaKilled(t *testing.T) {
	ctx := context.Background()
	script := os.Getenv("ORM_CLUSTER_SCRIPT")
	if script == "" {
		t.Skip("ORM_CLUSTER_SCRIPT not set: the test cannot stop the replica")
	}
	db, replica, ran := replicated(t, &Counter{})
	seed := db.Session()
	for i := range 10 {
		seed.Persist(&Counter{N: i})
	}
	if err := seed.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// The replica has the rows before the readers start (asked directly,
	// so that a replica still starting up is not marked down).
	for i := 0; ; i++ {
		var n int
		err := replica.DB().QueryRowContext(ctx, "SELECT count(*) FROM counter").Scan(&n)
		if err == nil && n == 10 {
			break
		}
		if i == 500 {
			t.Fatalf("the replica has %d of the 10 rows after 5 s (%v)", n, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cluster := func(arg string) {
		if out, err := exec.Command("bash", script, arg).CombinedOutput(); err != nil {
			t.Errorf("%s %s: %v\n%s", script, arg, err, out)
		}
	}
	t.Cleanup(func() { cluster("pg-replica-start") })
	var stop atomic.Bool
	var reads, failed atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				got, err := orm.Repo[Counter](db.Session()).Find(ctx, nil)
				reads.Add(1)
				if err != nil || len(got) != 10 {
					failed.Add(1)
					t.Errorf("a read during the replica's stop: %d rows, %v", len(got), err)
				}
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	before := ran[1].Load()
	cluster("pg-replica-stop")
	killedAt := ran[0].Load()
	time.Sleep(500 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	if before == 0 || ran[0].Load() == killedAt || failed.Load() != 0 {
		t.Errorf("%d reads: %d on the replica before the stop, %d on the primary after, %d failed; want some on each and none failed",
			reads.Load(), before, ran[0].Load()-killedAt, failed.Load())
	}
}

// TestReplicaOfAnotherDialect: WithReplicas refuses a replica of another
// dialect, naming both.
func TestReplicaOfAnotherDialect(t *testing.T) {
	lite, err := sqlite.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	_, err = orm.Open(open(t), orm.WithReplicas(lite))
	if err == nil || !strings.Contains(err.Error(), "replica 1 is a sqlite backend, the primary postgres") {
		t.Errorf("Open = %v; want the dialects named", err)
	}
}
