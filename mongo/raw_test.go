package mongo_test

import (
	"context"
	"strings"
	"testing"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/sql"
)

// TestRawSQLRefused: raw SQL in a Session whose DB is on MongoDB is an
// error saying the backend is not SQL, and the Session stays usable.
func TestRawSQLRefused(t *testing.T) {
	ctx := context.Background()
	db, err := orm.Open(open(t))
	if err != nil {
		t.Fatal(err)
	}
	s := db.Session()
	if _, err := sql.Exec(ctx, s, `DELETE FROM item`); err == nil || !strings.Contains(err.Error(), "not on a SQL backend") {
		t.Errorf("sql.Exec = %v; want an error saying the backend is not SQL", err)
	}
	if _, err := sql.Select[int64](ctx, s, `SELECT COUNT(*) FROM item`); err == nil || !strings.Contains(err.Error(), "not on a SQL backend") {
		t.Errorf("sql.Select = %v; want an error saying the backend is not SQL", err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Errorf("Flush after the refused raw SQL: %v", err)
	}
}
