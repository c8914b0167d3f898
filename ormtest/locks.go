package ormtest

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/unitofwork/orm"
)

// lockEntities are the entities of the lock tests.
var lockEntities = []any{&job{}, &driver{}, &address{}, &car{}}

// seedJobs stores n jobs named "job 0" to "job n-1", not done.
func seedJobs(t *testing.T, e *env, n int) []*job {
	t.Helper()
	s := e.db.Session()
	js := make([]*job, n)
	for i := range js {
		js[i] = &job{Name: fmt.Sprintf("job %d", i)}
		if err := s.Persist(js[i]); err != nil {
			t.Fatal(err)
		}
	}
	e.flush(s)
	e.rec.Reset()
	return js
}

func jobIDs(js []*job) []int64 {
	var out []int64
	for _, j := range js {
		out = append(out, j.ID)
	}
	return out
}

// A locking read outside a transaction, or with options that contradict
// each other, is an error naming the entity, and sends nothing; a locking
// Get of a managed entity too (the identity map does not answer it).
func testLockOutsideTransaction(t *testing.T, open suite) {
	e := setup(t, open, lockEntities)
	js := seedJobs(t, e, 3)
	r := orm.Repo[job](e.db.Session())
	if _, err := r.Get(e.ctx, js[0].ID); err != nil {
		t.Fatal(err)
	}
	e.rec.Reset()
	calls := map[string]func(opts ...orm.QueryOption) error{
		"Find": func(opts ...orm.QueryOption) error { _, err := r.Find(e.ctx, nil, opts...); return err },
		"Find Limit 0": func(opts ...orm.QueryOption) error {
			_, err := r.Find(e.ctx, nil, append(opts, orm.Limit(0))...)
			return err
		},
		"FindOne":      func(opts ...orm.QueryOption) error { _, err := r.FindOne(e.ctx, nil, opts...); return err },
		"Get managed":  func(opts ...orm.QueryOption) error { _, err := r.Get(e.ctx, js[0].ID, opts...); return err },
		"FindAndCount": func(opts ...orm.QueryOption) error { _, _, err := r.FindAndCount(e.ctx, nil, opts...); return err },
		"Stream": func(opts ...orm.QueryOption) error {
			for _, err := range r.Stream(e.ctx, nil, opts...) {
				if err != nil {
					return err
				}
			}
			return nil
		},
	}
	locks := map[string][]orm.QueryOption{
		"ForUpdate":             {orm.ForUpdate()},
		"ForShare":              {orm.ForShare()},
		"ForUpdate, SkipLocked": {orm.ForUpdate(), orm.SkipLocked()},
		"ForShare, NoWait":      {orm.ForShare(), orm.NoWait()},
	}
	for lock, opts := range locks {
		for call, fn := range calls {
			err := fn(opts...)
			if err == nil || !strings.Contains(err.Error(), "job") || !strings.Contains(err.Error(), "Session.Transaction") {
				t.Errorf("%s with %s outside a transaction = %v; want an error naming job and Session.Transaction", call, lock, err)
			}
		}
	}
	bad := []struct {
		name string
		opts []orm.QueryOption
		want string
	}{
		{"SkipLocked alone", []orm.QueryOption{orm.SkipLocked()}, "SkipLocked needs ForUpdate or ForShare"},
		{"NoWait alone", []orm.QueryOption{orm.NoWait()}, "NoWait needs ForUpdate or ForShare"},
		{"ForUpdate and ForShare", []orm.QueryOption{orm.ForShare(), orm.ForUpdate()}, "ForUpdate and ForShare"},
		{"SkipLocked and NoWait", []orm.QueryOption{orm.ForUpdate(), orm.NoWait(), orm.SkipLocked()}, "SkipLocked and NoWait"},
	}
	for _, c := range bad {
		for call, fn := range calls {
			if err := fn(c.opts...); err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "job") {
				t.Errorf("%s with %s = %v; want an error naming job and saying %q", call, c.name, err, c.want)
			}
		}
	}
	if st := e.rec.Statements(); len(st) != 0 {
		t.Errorf("refused locking reads sent %q; want nothing", st)
	}
}

// lockClause matches the lock clause ending a statement, the table named
// after OF and all.
var lockClause = regexp.MustCompile(` (FOR UPDATE|FOR SHARE|LOCK IN SHARE MODE)( OF \S+)?( SKIP LOCKED| NOWAIT)?$`)

// lockClauses returns the lock clause of each statement that has one,
// without the OF part, a shared lock spelled FOR SHARE.
func lockClauses(stmts []string) []string {
	var out []string
	for _, s := range stmts {
		if m := lockClause.FindStringSubmatch(s); m != nil {
			mode := m[1]
			if mode == "LOCK IN SHARE MODE" {
				mode = "FOR SHARE"
			}
			out = append(out, mode+m[3])
		}
	}
	return out
}

// Every read method takes the locks inside a transaction and returns the
// rows a plain read would; on a backend with row locks, each locking
// SELECT ends with its clause, and the COUNT of FindAndCount and the
// queries of Populate lock nothing. A backend without locking reads
// refuses them with an error saying so, before sending the read.
func testLockStatements(t *testing.T, open suite) {
	e := setup(t, open, lockEntities)
	if !e.has(Locks) {
		testLockRefused(t, e)
		return
	}
	js := seedJobs(t, e, 4)
	s := e.db.Session()
	ann, bob := &driver{Name: "Ann"}, &driver{Name: "Bob"}
	persistAll(t, s, []*driver{ann, bob})
	persistAll(t, s, []*car{{Brand: "VW", Driver: orm.RefTo(ann)}, {Brand: "BMW", Driver: orm.RefTo(bob)}})
	e.flush(s)
	for _, c := range lockCases(js) {
		e.rec.Reset()
		var got any
		err := e.db.Session().Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
			var err error
			got, err = c.run(ctx, s)
			return err
		})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
		want := c.locks
		if !e.has(RowLocks) {
			want = nil // the transaction locks the whole database
		}
		if diff := cmp.Diff(want, lockClauses(e.rec.Statements())); diff != "" {
			t.Errorf("%s: lock clauses sent (-want +got):\n%s\nstatements: %q", c.name, diff, e.rec.Statements())
		}
	}
}

// lockCase is a locking read of LockStatements.
type lockCase struct {
	name  string
	run   func(ctx context.Context, s *orm.Session) (any, error)
	want  any
	locks []string // the clauses sent, on a backend with row locks
}

// lockCases are the reads of LockStatements over the jobs js, and the cars
// VW of Ann and BMW of Bob.
func lockCases(js []*job) []lockCase {
	return []lockCase{
		{"Find ForUpdate", func(ctx context.Context, s *orm.Session) (any, error) {
			got, err := orm.Repo[job](s).Find(ctx, orm.Eq("Done", false), orm.OrderBy("ID"), orm.Limit(2), orm.ForUpdate())
			return jobIDs(got), err
		}, jobIDs(js[:2]), []string{"FOR UPDATE"}},
		{"FindOne ForShare", func(ctx context.Context, s *orm.Session) (any, error) {
			got, err := orm.Repo[job](s).FindOne(ctx, orm.Eq("Name", "job 2"), orm.ForShare())
			return jobIDs([]*job{got}), err
		}, jobIDs(js[2:3]), []string{"FOR SHARE"}},
		{"Find SkipLocked Offset", func(ctx context.Context, s *orm.Session) (any, error) {
			got, err := orm.Repo[job](s).Find(ctx, nil, orm.OrderBy("-ID"), orm.Offset(1), orm.ForUpdate(), orm.SkipLocked())
			return jobIDs(got), err
		}, []int64{js[2].ID, js[1].ID, js[0].ID}, []string{"FOR UPDATE SKIP LOCKED"}},
		{"Get NoWait", func(ctx context.Context, s *orm.Session) (any, error) {
			got, err := orm.Repo[job](s).Get(ctx, js[3].ID, orm.ForShare(), orm.NoWait())
			return jobIDs([]*job{got}), err
		}, jobIDs(js[3:]), []string{"FOR SHARE NOWAIT"}},
		{"Stream", func(ctx context.Context, s *orm.Session) (any, error) {
			var got []*job
			for j, err := range orm.Repo[job](s).Stream(ctx, orm.Lt("ID", js[2].ID), orm.OrderBy("ID"), orm.ForUpdate()) {
				if err != nil {
					return nil, err
				}
				got = append(got, j)
			}
			return jobIDs(got), nil
		}, jobIDs(js[:2]), []string{"FOR UPDATE"}},
		{"FindAndCount", func(ctx context.Context, s *orm.Session) (any, error) {
			got, n, err := orm.Repo[job](s).FindAndCount(ctx, nil, orm.OrderBy("ID"), orm.Limit(1), orm.ForUpdate(), orm.SkipLocked())
			return []any{jobIDs(got), n}, err
		}, []any{jobIDs(js[:1]), int64(4)}, []string{"FOR UPDATE SKIP LOCKED"}},
		{"order through a Ref", func(ctx context.Context, s *orm.Session) (any, error) {
			got, err := orm.Repo[car](s).Find(ctx, nil, orm.OrderBy("-Driver.Name"), orm.ForUpdate(), orm.SkipLocked())
			var brands []string
			for _, c := range got {
				brands = append(brands, c.Brand)
			}
			return brands, err
		}, []string{"BMW", "VW"}, []string{"FOR UPDATE SKIP LOCKED"}},
		{"relation filter and Populate", func(ctx context.Context, s *orm.Session) (any, error) {
			got, err := orm.Repo[driver](s).Find(ctx, orm.Eq("Cars.Brand", "VW"), orm.ForShare(), orm.Populate("Cars", "Address"))
			if err != nil || len(got) != 1 {
				return nil, err
			}
			return []any{got[0].Name, got[0].Cars.Len()}, nil
		}, []any{"Ann", 1}, []string{"FOR SHARE"}},
	}
}

// testLockRefused checks that a backend without locking reads refuses one
// inside a transaction with an error saying so, and sends no read.
func testLockRefused(t *testing.T, e *env) {
	if !e.has(Transactions) {
		t.Skip("not applicable: without transactions a locking read is refused before the backend sees it (LockOutsideTransaction)")
	}
	err := e.db.Session().Transaction(e.ctx, func(ctx context.Context, s *orm.Session) error {
		_, err := orm.Repo[job](s).Find(ctx, nil, orm.ForUpdate())
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "no row locks") || !strings.Contains(err.Error(), "job") {
		t.Errorf("a locking read on a backend without locks = %v; want an error naming job and saying there are no row locks", err)
	}
	if n := e.rec.Count("SELECT"); n != 0 {
		t.Errorf("the refused locking read sent %d SELECTs; want none", n)
	}
}
