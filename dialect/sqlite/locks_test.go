package sqlite_test

import (
	"context"
	stdsql "database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/sqlite"
	"github.com/unitofwork/orm/ormtest"
)

type Job struct {
	ID   int64
	Done bool
}

// TestLockTakesWriteLock: on a backend from New whose transactions begin
// deferred, a transaction's first locking read sends DELETE … WHERE 0,
// which takes the database's write lock: another connection's write then
// fails after the busy timeout, and so does another Session's locking
// read, until the transaction ends. A second locking read does not send it
// again.
func TestLockTakesWriteLock(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "lock.db")
	raw, err := stdsql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(100)&_time_format=sqlite")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rec := &ormtest.Recorder{}
	db, err := orm.Open(sqlite.New(raw), orm.Entities(&Job{}), rec.Hook())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSchema(ctx); err != nil {
		t.Fatal(err)
	}
	s := db.Session()
	s.Persist(&Job{}, &Job{})
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	rec.Reset()
	err = db.Session().Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
		if _, err := orm.Repo[Job](s).Find(ctx, nil, orm.ForUpdate()); err != nil {
			return err
		}
		if _, err := raw.ExecContext(ctx, `UPDATE "job" SET "done" = 1`); err == nil {
			t.Errorf("another connection wrote while a locking read's transaction was open")
		}
		err := db.Session().Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
			_, err := orm.Repo[Job](s).FindOne(ctx, nil, orm.ForUpdate(), orm.NoWait())
			return err
		})
		if !errors.Is(err, orm.ErrRetryable) {
			t.Errorf("another Session's locking read = %v; want ErrRetryable (SQLITE_BUSY)", err)
		}
		_, err = orm.Repo[Job](s).Get(ctx, int64(1), orm.ForShare())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"BEGIN",
		`DELETE FROM "job" WHERE 0`,
		`SELECT "id", "done" FROM "job"`,
		"BEGIN",
		`DELETE FROM "job" WHERE 0`,
		"ROLLBACK",
		`SELECT "id", "done" FROM "job" WHERE "id" = ?`,
		"COMMIT",
	}
	if diff := cmp.Diff(want, rec.Statements()); diff != "" {
		t.Errorf("statements (-want +got):\n%s", diff)
	}
	if _, err := raw.ExecContext(ctx, `UPDATE "job" SET "done" = 1`); err != nil {
		t.Errorf("a write after the transaction ended: %v", err)
	}
}
