package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/postgres"
	"github.com/unitofwork/orm/internal/faultdb"
)

// Three entity types with client-side keys, for the pipelined flush.
type pNote struct {
	ID   uuid.UUID
	Name string
	N    int64
}

type pLabel struct {
	ID   uuid.UUID
	Name string
	N    int64
}

type pEvent struct {
	ID   uuid.UUID
	Name string
	N    int64
}

// pipeline is a DB on a pool whose network writes faults counts (and can
// fail), the statements its hook was told of, and a Session holding 20
// entities of each type.
type pipeline struct {
	db     *orm.DB
	faults *faultdb.NetInjector
	pool   *pgxpool.Pool
	s      *orm.Session
	notes  []*pNote
	labels []*pLabel
	events []*pEvent

	mu    sync.Mutex
	stmts []string
}

func newPipeline(t *testing.T) *pipeline {
	ctx := context.Background()
	p := &pipeline{faults: &faultdb.NetInjector{}}
	cfg, err := pgxpool.ParseConfig(faultSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.AfterNetConnect = func(_ context.Context, _ *pgconn.Config, c net.Conn) (net.Conn, error) {
		return p.faults.Wrap(c), nil
	}
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	cfg.MaxConns = 1 // every flush on the connection whose statements pgx has prepared
	if p.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.pool.Close)
	hook := orm.WithQueryHook(func(_ context.Context, e orm.QueryEvent) {
		p.mu.Lock()
		defer p.mu.Unlock()
		verb, _, _ := strings.Cut(e.Statement, " ")
		p.stmts = append(p.stmts, verb)
	})
	if p.db, err = orm.Open(postgres.FromPool(p.pool), orm.Entities(&pNote{}, &pLabel{}, &pEvent{}), hook); err != nil {
		t.Fatal(err)
	}
	if err := p.db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	p.s = p.db.Session()
	for range 2 {
		p.add()
	}
	if err := p.s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	return p
}

// add persists 10 new entities of each type.
func (p *pipeline) add() {
	for i := range 10 {
		n, l, e := &pNote{Name: "note", N: int64(i)}, &pLabel{Name: "label", N: int64(i)}, &pEvent{Name: "event", N: int64(i)}
		p.s.Persist(n)
		p.s.Persist(l)
		p.s.Persist(e)
		p.notes, p.labels, p.events = append(p.notes, n), append(p.labels, l), append(p.events, e)
	}
}

// churn removes the 10 oldest of each type, changes the next 10 and adds
// 10 new ones: nine statements.
func (p *pipeline) churn(t *testing.T) {
	for i := range 10 {
		for _, x := range []any{p.notes[i], p.labels[i], p.events[i]} {
			if err := p.s.Remove(x); err != nil {
				t.Fatal(err)
			}
		}
		p.notes[10+i].N++
		p.labels[10+i].N++
		p.events[10+i].N++
	}
	p.notes, p.labels, p.events = p.notes[10:], p.labels[10:], p.events[10:]
	p.add()
}

func (p *pipeline) reset() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.stmts
	p.stmts = nil
	return out
}

// rows lists what the three tables hold, in a fixed order.
func (p *pipeline) rows(t *testing.T) []string {
	var out []string
	for _, table := range []string{"p_note", "p_label", "p_event"} {
		r, err := p.pool.Query(context.Background(), fmt.Sprintf(`SELECT "id", "n" FROM %q ORDER BY "id"`, table))
		if err != nil {
			t.Fatal(err)
		}
		for r.Next() {
			var id uuid.UUID
			var n int64
			if err := r.Scan(&id, &n); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(table, id, n))
		}
		r.Close()
		if r.Err() != nil {
			t.Fatal(r.Err())
		}
	}
	return out
}

// TestPipelinedFlush: a flush of three types with client-side keys (10
// inserts, 10 updates and 10 deletes each) is one network write, one round
// trip, once its statements are prepared; the hook is told of BEGIN, the
// nine statements and COMMIT; the rows are right.
func TestPipelinedFlush(t *testing.T) {
	serverDSN(t)
	ctx := context.Background()
	p := newPipeline(t)
	p.churn(t)
	if err := p.s.Flush(ctx); err != nil { // prepares the statements
		t.Fatal(err)
	}
	p.churn(t)
	p.reset()
	p.faults.Arm(0, 0, false)
	if err := p.s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := p.faults.Disarm(); n != 1 {
		t.Errorf("the flush made %d network writes; want 1", n)
	}
	want := []string{"BEGIN", "INSERT", "UPDATE", "DELETE", "INSERT", "UPDATE", "DELETE", "INSERT", "UPDATE", "DELETE", "COMMIT"}
	got := p.reset()
	sorted := func(v []string) []string { v = slices.Clone(v); slices.Sort(v); return v }
	if len(got) != 11 || got[0] != "BEGIN" || got[10] != "COMMIT" || !slices.Equal(sorted(got), sorted(want)) {
		t.Errorf("the hook was told of %q; want BEGIN, 3 × INSERT, UPDATE, DELETE, COMMIT", got)
	}
	rows := p.rows(t)
	if len(rows) != 60 {
		t.Fatalf("%d rows; want 60", len(rows))
	}
	for _, n := range p.notes[:10] {
		if !slices.Contains(rows, fmt.Sprint("p_note", n.ID, n.N)) {
			t.Errorf("note %v with n %d not stored", n.ID, n.N)
		}
	}
}

// TestPipelinedFlushFaults: the batch's write failing before anything is
// sent, or the connection lost once the server has answered, leaves the
// database and the Session as they were (a known failure) or stored with
// an *orm.CommitUnknownError; a statement the server refuses names its
// table and rolls everything back.
func TestPipelinedFlushFaults(t *testing.T) {
	serverDSN(t)
	ctx := context.Background()
	for _, k := range []faultdb.Kind{faultdb.Error, faultdb.Lost} {
		t.Run(k.String(), func(t *testing.T) {
			p := newPipeline(t)
			p.churn(t)
			if err := p.s.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			before := p.rows(t)
			p.churn(t)
			p.faults.Arm(1, k, false)
			err := p.s.Flush(ctx)
			p.faults.Disarm()
			var cu *orm.CommitUnknownError
			switch {
			case err == nil:
				t.Fatalf("%v on the batch's write: Flush succeeded", k)
			case k == faultdb.Lost:
				if !errors.As(err, &cu) {
					t.Errorf("connection lost after the batch was answered: %v; want a CommitUnknownError", err)
				}
				if got := p.rows(t); slices.Equal(got, before) {
					t.Errorf("the COMMIT was answered, yet the rows are as before")
				}
			default:
				if errors.As(err, &cu) {
					t.Errorf("nothing was sent, yet the outcome is unknown: %v", err)
				}
				if got := p.rows(t); !slices.Equal(got, before) {
					t.Errorf("a failed flush changed the rows")
				}
				if err := p.s.Flush(ctx); err != nil {
					t.Fatalf("the flush again: %v", err)
				}
				if got := p.rows(t); len(got) != 60 || slices.Equal(got, before) {
					t.Errorf("the flush again stored %d rows, as before: %v", len(got), slices.Equal(got, before))
				}
			}
		})
	}
	t.Run("refused", func(t *testing.T) {
		p := newPipeline(t)
		p.churn(t)
		// A new note with the key of a row the Session does not know: the
		// INSERT fails on the server, after the statements before it ran.
		taken := uuid.Must(uuid.NewV7())
		if _, err := p.pool.Exec(ctx, `INSERT INTO "p_note" ("id", "name", "n") VALUES ($1, 'x', 0)`, taken); err != nil {
			t.Fatal(err)
		}
		p.s.Persist(&pNote{ID: taken, Name: "dup"})
		before := p.rows(t)
		p.reset()
		err := p.s.Flush(ctx)
		var ce *orm.ConstraintError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), "p_note") {
			t.Errorf("a duplicate key in the batch: %v; want a ConstraintError naming p_note", err)
		}
		if got := p.rows(t); !slices.Equal(got, before) {
			t.Errorf("a refused statement left %d rows changed", len(got))
		}
		if got := p.reset(); len(got) == 0 || got[len(got)-1] != "ROLLBACK" {
			t.Errorf("the hook was told of %q; want ROLLBACK last", got)
		}
		if _, err := p.pool.Exec(ctx, "SELECT 1"); err != nil {
			t.Errorf("the connection after the refused batch: %v", err)
		}
	})
}
