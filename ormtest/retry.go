package ormtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/unitofwork/orm"
)

// testRetryConflicts: another Session commits a change to the row a
// transaction read, before the transaction writes it. With Retry alone the
// *OptimisticLockError reaches the caller after one attempt; with
// RetryConflicts the function runs again, reads the row afresh and commits.
func testRetryConflicts(t *testing.T, open suite) {
	e := setup(t, open, all)
	a := &author{Name: "a", Email: "retry@x.org"}
	seed := e.db.Session()
	seed.Persist(a)
	e.flush(seed)
	run := func(opts ...orm.TxOption) (attempts int, err error) {
		err = e.db.Session().Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
			attempts++
			got, err := orm.Repo[author](s).Get(ctx, a.ID)
			if err != nil {
				return err
			}
			got.Age++
			if attempts == 1 { // another Session wins the race
				other := e.db.Session()
				o, err := orm.Repo[author](other).Get(ctx, a.ID)
				if err != nil {
					return err
				}
				o.Age += 100
				return other.Flush(ctx)
			}
			return nil
		}, opts...)
		return attempts, err
	}
	attempts, err := run(orm.Retry(3))
	var conflict *orm.OptimisticLockError
	if !errors.As(err, &conflict) || attempts != 1 {
		t.Errorf("Retry(3) alone: %d attempts, %v; want 1 and an *OptimisticLockError", attempts, err)
	}
	attempts, err = run(orm.Retry(3), orm.RetryConflicts())
	if err != nil || attempts != 2 {
		t.Errorf("Retry(3), RetryConflicts(): %d attempts, %v; want 2 and no error", attempts, err)
	}
	got, err := orm.Repo[author](e.db.Session()).Get(e.ctx, a.ID)
	if err != nil || got.Age != 201 || got.Version != 4 {
		t.Errorf("after both runs: %+v, %v; want Age 201 (two bumps and the retried increment) at version 4", got, err)
	}
}

// testRetryConflictsTransfers: 8 Sessions each make 20 transfers between
// four versioned accounts at once, under Retry(20) and RetryConflicts: all
// commit, and the total is conserved.
func testRetryConflictsTransfers(t *testing.T, open suite) {
	const workers, transfers, start = 8, 20, 1000
	e := setup(t, open, all)
	seed := e.db.Session()
	accounts := make([]*author, 4)
	for i := range accounts {
		accounts[i] = &author{Name: fmt.Sprint("account ", i), Email: fmt.Sprintf("acct%d@x.org", i), Age: start}
		seed.Persist(accounts[i])
	}
	e.flush(seed)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range transfers {
				from, to := accounts[(w+n)%4].ID, accounts[(w+n+1)%4].ID
				err := e.db.Session().Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
					a, err := orm.Repo[author](s).Get(ctx, from)
					if err != nil {
						return err
					}
					b, err := orm.Repo[author](s).Get(ctx, to)
					if err != nil {
						return err
					}
					a.Age -= 7
					b.Age += 7
					return nil
				}, orm.Retry(20), orm.RetryConflicts())
				if err != nil {
					t.Errorf("worker %d, transfer %d: %v", w, n, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	all, err := orm.Repo[author](e.db.Session()).Find(e.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	total, versions := 0, int64(0)
	for _, a := range all {
		total += a.Age
		versions += a.Version - 1
	}
	// Each transfer writes two accounts, each write one version.
	if total != 4*start || versions != 2*workers*transfers {
		t.Errorf("total %d, versions written %d; want %d and %d", total, versions, 4*start, 2*workers*transfers)
	}
}

// testCreateSchemaTwice: CreateSchema skips what exists, foreign keys and
// indexes included, so a second call on the same schema succeeds and
// leaves it working; on SQL backends no statement is a procedural block
// (DO …), which CockroachDB and other PostgreSQL-wire databases refuse.
func testCreateSchemaTwice(t *testing.T, open suite) {
	e := setup(t, open, all)
	if err := e.db.CreateSchema(e.ctx); err != nil {
		t.Fatalf("second CreateSchema: %v", err)
	}
	for _, st := range e.rec.Statements() {
		if strings.HasPrefix(st, "DO ") {
			t.Errorf("CreateSchema sent a procedural block: %s", st)
		}
	}
	s := e.db.Session()
	d := &driver{Name: "after"}
	d.Cars.Add(&car{Brand: "Fiat"})
	s.Persist(d)
	e.flush(s)
	got, err := orm.Repo[driver](e.db.Session()).Get(e.ctx, d.ID, orm.Populate("Cars"))
	if err != nil || len(got.Cars.Items()) != 1 {
		t.Errorf("after the second CreateSchema: %+v, %v; want the driver with one car", got, err)
	}
}
