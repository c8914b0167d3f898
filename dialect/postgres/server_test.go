package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/ormtest"
)

// Counter is incremented by concurrent transactions.
type Counter struct {
	ID int64
	N  int
}

// Point is a small two-column entity.
type Point struct {
	ID int64
	X  int
	Y  int
}

// TestSerializableRetry runs two serializable transactions that both read
// and increment one counter. With Retry both succeed and the counter equals a
// serial execution; without it the loser's error matches ErrRetryable.
func TestSerializableRetry(t *testing.T) {
	ctx := context.Background()
	db, _, c := withCounter(t, open(t))
	run := func(opts ...orm.TxOption) []error {
		var read sync.WaitGroup
		read.Add(2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				first := true
				s := db.Session()
				errs[i] = s.Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
					got, err := orm.Repo[Counter](s).Get(ctx, c.ID)
					if first { // both read before either writes
						first = false
						read.Done()
						read.Wait()
					}
					if err != nil {
						return err
					}
					got.N++
					return nil
				}, append(opts, orm.Isolation(sql.LevelSerializable))...)
			}()
		}
		wg.Wait()
		return errs
	}
	errs := run(orm.Retry(5))
	for i, err := range errs {
		if err != nil {
			t.Errorf("transaction %d with Retry: %v", i, err)
		}
	}
	got, err := orm.Repo[Counter](db.Session()).Get(ctx, c.ID)
	if err != nil || got.N != 2 {
		t.Fatalf("counter after two retried increments = %d, %v; want 2", got.N, err)
	}
	errs = run()
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
			if !errors.Is(err, orm.ErrRetryable) {
				t.Errorf("conflict error %v does not match ErrRetryable", err)
			}
		}
	}
	if failed != 1 {
		t.Errorf("%d of 2 conflicting transactions failed without Retry; want 1 (%v)", failed, errs)
	}
}

// TestHundredThousandRows flushes 100,000 new rows of a two-column type in
// chunks under PostgreSQL's 65,535-parameter limit.
func TestHundredThousandRows(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	ctx := context.Background()
	var rec ormtest.Recorder
	db, err := orm.Open(open(t), orm.Entities(&Point{}), rec.Hook())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	rec.Reset()
	s := db.Session()
	pts := make([]*Point, 100000)
	for i := range pts {
		pts[i] = &Point{X: i, Y: -i}
		s.Persist(pts[i])
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, e := range rec.Events() {
		if strings.HasPrefix(e.Statement, "INSERT") {
			sizes = append(sizes, len(e.Args))
			if len(e.Args) > 65535 {
				t.Errorf("an INSERT carried %d parameters", len(e.Args))
			}
		}
	}
	if len(sizes) != 4 {
		t.Errorf("INSERT parameter counts %v; want 4 statements", sizes)
	}
	seen := map[int64]bool{}
	for _, p := range pts {
		if p.ID == 0 || seen[p.ID] {
			t.Fatalf("point %d has key %d", p.X, p.ID)
		}
		seen[p.ID] = true
	}
	n, err := orm.Repo[Point](db.Session()).Count(ctx, orm.Raw(fmt.Sprintf("x = -y AND id > %d", 0)))
	if err != nil || n != 100000 {
		t.Errorf("Count = %d, %v; want 100000", n, err)
	}
}

// Account holds money; Version guards concurrent transfers.
type Account struct {
	ID      int64
	Balance int64
	Version int64 `orm:"version"`
}

// Transfer records one committed transfer.
type Transfer struct {
	ID     int64
	From   int64
	To     int64
	Amount int64
}

// TestConcurrentTransfers: 64 goroutines, each with its own Sessions, move
// money between 20 versioned accounts, retrying on optimistic-lock
// conflicts and deadlocks. The total never changes and every committed
// transfer is reflected exactly once in the balances.
func TestConcurrentTransfers(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	ctx := context.Background()
	db, err := orm.Open(open(t), orm.Entities(&Account{}, &Transfer{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	const accounts, workers, each, start = 20, 64, 50, 1000
	s := db.Session()
	ids := make([]int64, accounts)
	for range ids {
		s.Persist(&Account{Balance: start})
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	as, err := orm.Repo[Account](s).Find(ctx, nil, orm.OrderBy("ID"))
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range as {
		ids[i] = a.ID
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	var retries sync.Map
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range each {
				from, to := ids[(w+k)%accounts], ids[(w*7+k*3+1)%accounts]
				if from == to {
					continue
				}
				for attempt := 0; ; attempt++ {
					s := db.Session() // a fresh Session per attempt
					err := s.Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
						a, err := orm.Repo[Account](s).Get(ctx, from)
						if err != nil {
							return err
						}
						b, err := orm.Repo[Account](s).Get(ctx, to)
						if err != nil {
							return err
						}
						a.Balance -= 7
						b.Balance += 7
						return s.Persist(&Transfer{From: from, To: to, Amount: 7})
					})
					var le *orm.OptimisticLockError
					if err != nil && (errors.As(err, &le) || errors.Is(err, orm.ErrRetryable)) && attempt < 200 {
						retries.Store(fmt.Sprint(w, k, attempt), true)
						continue
					}
					if err != nil {
						errs <- err
					}
					break
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	check := db.Session()
	final, err := orm.Repo[Account](check).Find(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	transfers, err := orm.Repo[Transfer](check).Find(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]int64{}
	for _, id := range ids {
		want[id] = start
	}
	for _, tr := range transfers {
		want[tr.From] -= tr.Amount
		want[tr.To] += tr.Amount
	}
	var total int64
	for _, a := range final {
		total += a.Balance
		if a.Balance != want[a.ID] {
			t.Errorf("account %d: balance %d; the recorded transfers say %d", a.ID, a.Balance, want[a.ID])
		}
	}
	if total != accounts*start {
		t.Errorf("total %d; want %d", total, accounts*start)
	}
	n := 0
	retries.Range(func(any, any) bool { n++; return true })
	t.Logf("%d transfers committed, %d retried attempts", len(transfers), n)
}
