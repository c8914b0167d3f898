package orm_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/sqlite"
	"github.com/unitofwork/orm/sql"
)

// Rack is the entity of the replica tests.
type Rack struct {
	ID    int64
	Label string
	Books orm.Collection[RackBook] `orm:"mappedBy:Rack"`
}

// RackBook is on a Rack.
type RackBook struct {
	ID    int64
	Title string
	Rack  orm.Ref[Rack]
}

// served records which server ran each SELECT (0: the primary).
type served struct {
	mu      sync.Mutex
	servers []int
}

func (s *served) hook() orm.Option {
	return orm.WithQueryHook(func(_ context.Context, e orm.QueryEvent) {
		if strings.HasPrefix(e.Statement, "SELECT") {
			s.mu.Lock()
			s.servers = append(s.servers, e.Replica)
			s.mu.Unlock()
		}
	})
}

// take returns the servers recorded since the last take.
func (s *served) take() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.servers
	s.servers = nil
	return out
}

// TestReplicaRouting: a primary and two "replicas" that are separate
// SQLite databases, each holding a shelf of its own label, so that what a
// read returns tells which one served it. Reads of a fresh Session go to
// the replicas in turn; a Session that wrote, a Transaction, Primary (with
// its Populate loads) and Refresh read the primary.
func TestReplicaRouting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	open := func(name string) *sql.Backend {
		b, err := sqlite.Open(ctx, filepath.Join(dir, name+".db"))
		if err != nil {
			t.Fatal(err)
		}
		db, err := orm.Open(b, orm.Entities(&Rack{}, &RackBook{}))
		if err != nil {
			t.Fatal(err)
		}
		if err := db.CreateSchema(ctx); err != nil {
			t.Fatal(err)
		}
		s := db.Session()
		shelf := &Rack{Label: name}
		shelf.Books.Add(&RackBook{Title: name + " book"})
		s.Persist(shelf)
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		return b
	}
	primary, r1, r2 := open("primary"), open("replica 1"), open("replica 2")
	var rec served
	db, err := orm.Open(primary, orm.WithReplicas(r1, r2), orm.Entities(&Rack{}, &RackBook{}), rec.hook())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	label := func(s *orm.Session, opts ...orm.QueryOption) string {
		t.Helper()
		got, err := orm.Repo[Rack](s).Find(ctx, nil, opts...)
		if err != nil || len(got) != 1 {
			t.Fatalf("Find = %v, %v (servers %v)", got, err, rec.take())
		}
		return got[0].Label
	}
	// Fresh Sessions, in turn; Count too.
	seen := map[string]int{}
	for range 4 {
		seen[label(db.Session())]++
	}
	if seen["replica 1"] != 2 || seen["replica 2"] != 2 {
		t.Errorf("four fresh Sessions read from %v; want each replica twice", seen)
	}
	if n, err := orm.Repo[Rack](db.Session()).Count(ctx, nil); err != nil || n != 1 {
		t.Errorf("Count = %d, %v", n, err)
	}
	if got := rec.take(); len(got) != 5 || got[4] == 0 {
		t.Errorf("servers %v; want five SELECTs on replicas", got)
	}
	// Primary, with its Populate.
	s := db.Session()
	got, err := orm.Repo[Rack](s).Find(ctx, nil, orm.Primary(), orm.Populate("Books"))
	if err != nil || len(got) != 1 || got[0].Label != "primary" || got[0].Books.Items()[0].Title != "primary book" {
		t.Fatalf("Primary Find = %+v, %v; want the primary's shelf and book", got, err)
	}
	if n, err := orm.Repo[Rack](s).Count(ctx, nil, orm.Primary()); err != nil || n != 1 {
		t.Errorf("Primary Count = %d, %v", n, err)
	}
	if got := rec.take(); len(got) != 3 || got[0] != 0 || got[1] != 0 || got[2] != 0 {
		t.Errorf("servers %v; want three SELECTs on the primary", got)
	}
	// Without Primary the Session, which wrote nothing, reads a replica.
	if _, err := orm.Repo[Rack](s).Find(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(); len(got) != 1 || got[0] == 0 {
		t.Errorf("servers %v; want a replica", got)
	}
	// Once it flushed, every read of the Session goes to the primary.
	s.Persist(&Rack{Label: "new"})
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	rec.take()
	if n, err := orm.Repo[Rack](s).Count(ctx, nil); err != nil || n != 2 {
		t.Errorf("Count after the flush = %d, %v; want 2, the primary's", n, err)
	}
	if _, err := orm.Repo[Rack](s).Find(ctx, nil, orm.Populate("Books")); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(); len(got) != 2 || got[0]+got[1] != 0 {
		t.Errorf("servers after a flush %v; want two SELECTs on the primary", got)
	}
	// A clean flush writes nothing and changes nothing.
	clean := db.Session()
	if err := clean.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	rec.take()
	if l := label(clean); !strings.HasPrefix(l, "replica") {
		t.Errorf("after a clean flush a Session read %q; want a replica's", l)
	}
	// Transaction reads the primary.
	rec.take()
	err = db.Session().Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
		n, err := orm.Repo[Rack](s).Count(ctx, nil)
		if err == nil && n != 2 {
			t.Errorf("inside a Transaction: %d racks; want the primary's 2", n)
		}
		return err
	}, orm.ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	for _, srv := range rec.take() {
		if srv != 0 {
			t.Errorf("a SELECT inside a Transaction ran on replica %d", srv)
		}
	}
	// Refresh reads the primary.
	fresh := db.Session()
	shelf, err := orm.Repo[Rack](fresh).Get(ctx, int64(1))
	if err != nil || !strings.HasPrefix(shelf.Label, "replica") {
		t.Fatalf("Get = %+v, %v; want a replica's shelf", shelf, err)
	}
	if err := fresh.Refresh(ctx, shelf); err != nil || shelf.Label != "primary" {
		t.Errorf("after Refresh: %q, %v; want the primary's label", shelf.Label, err)
	}
}

// TestReplicaOptions: WithReplicas refuses a nil replica, and Close closes
// the replicas with the primary.
func TestReplicaOptions(t *testing.T) {
	ctx := context.Background()
	primary, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer primary.Close()
	if _, err := orm.Open(primary, orm.WithReplicas(nil)); err == nil || !strings.Contains(err.Error(), "replica 1 is nil") {
		t.Errorf("Open with a nil replica = %v; want an error naming it", err)
	}
	replica, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db, err := orm.Open(primary, orm.WithReplicas(replica), orm.Entities(&Rack{}, &RackBook{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := replica.DB().PingContext(ctx); err == nil {
		t.Errorf("the replica is open after DB.Close")
	}
}
