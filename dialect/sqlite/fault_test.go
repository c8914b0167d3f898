package sqlite_test

import (
	stdsql "database/sql"
	"path/filepath"
	"testing"

	msqlite "modernc.org/sqlite"

	"github.com/unitofwork/orm/dialect/sqlite"
	"github.com/unitofwork/orm/internal/faultdb"
)

var faults = faultdb.Register("sqlite-fault", &msqlite.Driver{})

// TestFailEveryCall fails each driver call of one flush in turn, in every
// way a call can fail, and checks that the database and the Session are
// left exactly as before and that the flush can be retried (see
// faultdb.Run).
func TestFailEveryCall(t *testing.T) {
	faultdb.Run(t, faults, func(t *testing.T) faultdb.Target {
		path := filepath.Join(t.TempDir(), "fault.db")
		db, err := stdsql.Open("sqlite-fault", path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_time_format=sqlite&_txlock=immediate")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return faultdb.Target{Backend: sqlite.New(db), Raw: db}
	})
}
