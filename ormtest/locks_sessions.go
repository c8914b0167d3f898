package ormtest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/unitofwork/orm"
)

// A locking read returns rows as they are now: the instances the Session
// manages take the row's values and snapshot (same pointer; the next
// Flush sends nothing), and a locking Get reads the row although the
// identity map holds it.
func testLockReadsFresh(t *testing.T, open suite) {
	e := setup(t, open, lockEntities)
	js := seedJobs(t, e, 3)
	s := e.db.Session()
	mine, err := orm.Repo[job](s).Find(e.ctx, nil, orm.OrderBy("ID"))
	if err != nil {
		t.Fatal(err)
	}
	other := e.db.Session()
	theirs, err := orm.Repo[job](other).Find(e.ctx, nil, orm.OrderBy("ID"))
	if err != nil {
		t.Fatal(err)
	}
	theirs[0].Name, theirs[1].Name, theirs[1].Done = "changed", "changed too", true
	e.flush(other)
	e.rec.Reset()
	err = s.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
		got, err := orm.Repo[job](s).Get(ctx, js[0].ID, orm.ForUpdate())
		if err != nil {
			return err
		}
		if n := e.rec.Count("SELECT"); n != 1 {
			t.Errorf("a locking Get of a managed job sent %d SELECTs; want 1", n)
		}
		if got != mine[0] || got.Name != "changed" {
			t.Errorf("locking Get = %p %+v; want the managed %p with the row's Name %q", got, got, mine[0], "changed")
		}
		found, err := orm.Repo[job](s).Find(ctx, orm.Eq("Done", true), orm.ForShare())
		if err != nil {
			return err
		}
		if len(found) != 1 || found[0] != mine[1] || mine[1].Name != "changed too" || !mine[1].Done {
			t.Errorf("locking Find = %+v; want the managed %p with the row's values", found, mine[1])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e.rec.Reset()
	e.flush(s)
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("Flush after locking reads sent %q; want nothing (the snapshots are the rows)", st)
	}
	if _, err := orm.Repo[job](s).Get(e.ctx, js[0].ID); err != nil || e.rec.Count("SELECT") != 0 {
		t.Errorf("a plain Get afterwards = %v, %d SELECTs; want the identity map's instance", err, e.rec.Count("SELECT"))
	}
	mine[0].Worker = 7
	e.flush(s)
	if got := e.counts(); got != e.want(0, 1, 0, 0) {
		t.Errorf("an edit after a locking read sent %v; want one UPDATE", got)
	}
	check, err := orm.Repo[job](e.db.Session()).Get(e.ctx, js[0].ID)
	if err != nil || check.Name != "changed" || check.Worker != 7 {
		t.Errorf("row after the edit = %+v, %v; want Name %q and Worker 7", check, err, "changed")
	}
}

// A locking read that meets a managed instance with unflushed changes is
// an error saying so, and the changes stay, to be flushed.
func testLockDirty(t *testing.T, open suite) {
	e := setup(t, open, lockEntities)
	js := seedJobs(t, e, 2)
	s := e.db.Session()
	j, err := orm.Repo[job](s).Get(e.ctx, js[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	j.Name = "unflushed"
	reads := map[string]func(ctx context.Context, s *orm.Session) error{
		"Find": func(ctx context.Context, s *orm.Session) error {
			_, err := orm.Repo[job](s).Find(ctx, nil, orm.ForUpdate())
			return err
		},
		"Get": func(ctx context.Context, s *orm.Session) error {
			_, err := orm.Repo[job](s).Get(ctx, js[1].ID, orm.ForShare(), orm.NoWait())
			return err
		},
	}
	for name, read := range reads {
		err := s.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error { return read(ctx, s) })
		if err == nil || !strings.Contains(err.Error(), "unflushed") || !strings.Contains(err.Error(), "job") {
			t.Errorf("locking %s over a dirty job = %v; want an error naming job and its unflushed changes", name, err)
		}
		if j.Name != "unflushed" {
			t.Errorf("after the locking %s: Name = %q; want the unflushed edit kept", name, j.Name)
		}
	}
	e.flush(s)
	check, err := orm.Repo[job](e.db.Session()).Get(e.ctx, js[1].ID)
	if err != nil || check.Name != "unflushed" {
		t.Errorf("row after Flush = %+v, %v; want the edit written", check, err)
	}
}

// Two Sessions: while the first holds job 0 locked for update and job 2
// for share, the second's SkipLocked reads skip what conflicts with their
// lock, its NoWait reads fail at once with ErrLocked (also ErrRetryable),
// and a nested Transaction keeps its transaction usable after one.
func testLockSkipLocked(t *testing.T, open suite) {
	e := setup(t, open, lockEntities)
	js := seedJobs(t, e, 3)
	ids := jobIDs(js)
	// The second Session's calls end with the test if a NoWait read waits.
	ctx, cancel := context.WithTimeout(e.ctx, time.Minute)
	defer cancel()
	second := func(fn func(ctx context.Context, s *orm.Session) error) error {
		return e.db.Session().Transaction(ctx, fn)
	}
	find := func(opts ...orm.QueryOption) []int64 {
		var got []int64
		err := second(func(ctx context.Context, s *orm.Session) error {
			js, err := orm.Repo[job](s).Find(ctx, nil, append(opts, orm.OrderBy("ID"))...)
			got = jobIDs(js)
			return err
		})
		if err != nil {
			t.Errorf("the second Session's SkipLocked read: %v", err)
		}
		return got
	}
	get := func(id int64, opts ...orm.QueryOption) error { // a locking Get of the second Session
		return second(func(ctx context.Context, s *orm.Session) error {
			_, err := orm.Repo[job](s).Get(ctx, id, opts...)
			return err
		})
	}
	err := e.db.Session().Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
		if _, err := orm.Repo[job](s).Get(ctx, ids[0], orm.ForUpdate()); err != nil {
			return err
		}
		if _, err := orm.Repo[job](s).FindOne(ctx, orm.Eq("ID", ids[2]), orm.ForShare()); err != nil {
			return err
		}
		if diff := cmp.Diff(ids[1:2], find(orm.ForUpdate(), orm.SkipLocked())); diff != "" {
			t.Errorf("ForUpdate SkipLocked (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(ids[1:], find(orm.ForShare(), orm.SkipLocked())); diff != "" {
			t.Errorf("ForShare SkipLocked (-want +got):\n%s", diff)
		}
		checkNoWait(t, ids, get)
		err := second(func(ctx context.Context, s *orm.Session) error {
			err := s.Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
				_, err := orm.Repo[job](s).Get(ctx, ids[0], orm.ForUpdate(), orm.NoWait())
				return err
			})
			if !errors.Is(err, orm.ErrLocked) {
				return fmt.Errorf("the nested NoWait read = %v; want ErrLocked", err)
			}
			_, err = orm.Repo[job](s).Get(ctx, ids[1], orm.ForUpdate(), orm.NoWait())
			return err
		})
		if err != nil {
			t.Errorf("the transaction around a nested one that met ErrLocked: %v; want it usable", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkNoWait checks the second Session's NoWait reads (get) while the
// first holds the job ids[0] locked for update and ids[2] for share.
func checkNoWait(t *testing.T, ids []int64, get func(id int64, opts ...orm.QueryOption) error) {
	for _, c := range []struct {
		name   string
		id     int64
		lock   orm.QueryOption
		locked bool
	}{
		{"ForUpdate of the row locked for update", ids[0], orm.ForUpdate(), true},
		{"ForShare of the row locked for update", ids[0], orm.ForShare(), true},
		{"ForUpdate of the row locked for share", ids[2], orm.ForUpdate(), true},
		{"ForShare of the row locked for share", ids[2], orm.ForShare(), false},
		{"ForUpdate of a free row", ids[1], orm.ForUpdate(), false},
	} {
		err := get(c.id, c.lock, orm.NoWait())
		if c.locked && (!errors.Is(err, orm.ErrLocked) || !errors.Is(err, orm.ErrRetryable)) {
			t.Errorf("NoWait %s = %v; want ErrLocked, which is ErrRetryable", c.name, err)
		}
		if !c.locked && err != nil {
			t.Errorf("NoWait %s = %v; want no error", c.name, err)
		}
	}
}

// The acceptance test: 16 workers, each with its own Session, take
// jobs from a queue with ForUpdate and SkipLocked inside Transaction, mark
// them done and commit, until none is left: every job is done exactly once.
func testLockQueue(t *testing.T, open suite) {
	const workers, jobs = 16, 64
	e := setup(t, open, lockEntities)
	seedJobs(t, e, jobs)
	var mu sync.Mutex
	taken := map[int64][]int{}
	var wg sync.WaitGroup
	for w := 1; w <= workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := e.db.Session()
			for {
				var id int64
				err := s.Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
					id = 0
					j, err := orm.Repo[job](s).FindOne(ctx, orm.Eq("Done", false), orm.ForUpdate(), orm.SkipLocked(), orm.OrderBy("ID"))
					if errors.Is(err, orm.ErrNotFound) {
						return nil
					}
					if err != nil {
						return err
					}
					j.Done, j.Worker, id = true, w, j.ID
					return nil
				}, orm.Retry(20))
				if err != nil {
					t.Errorf("worker %d: %v", w, err)
					return
				}
				if id == 0 {
					return
				}
				mu.Lock()
				taken[id] = append(taken[id], w)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	done, err := orm.Repo[job](e.db.Session()).Find(e.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != jobs || len(taken) != jobs {
		t.Errorf("%d jobs, %d taken; want %d", len(done), len(taken), jobs)
	}
	for _, j := range done {
		if by := taken[j.ID]; !j.Done || len(by) != 1 || by[0] != j.Worker {
			t.Errorf("job %d: done %v by worker %d, taken by workers %v; want done once, by the worker that took it", j.ID, j.Done, j.Worker, by)
		}
	}
}
