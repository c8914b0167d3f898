package orm_test

import (
	"context"
	"errors"
	"testing"

	"github.com/unitofwork/orm"
)

// TestGetBadID: an id that names no key of the entity is an error naming the
// entity and the id, whether or not the Session manages entities, and not
// ErrNotFound.
func TestGetBadID(t *testing.T) {
	ctx := context.Background()
	db := openExample()
	defer db.Close()
	s := db.Session()
	s.Persist(&Book{Title: "kept"})
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		id   any
		opts []orm.QueryOption
		want string
	}{
		{"text", "1", nil, `orm: Get: Book key 1 (string): does not fit field ID (int64)`},
		{"float", 1.0, nil, `orm: Get: Book key 1 (float64): does not fit field ID (int64)`},
		{"nil", nil, nil, `orm: Get: Book key <nil> (<nil>): does not fit field ID (int64)`},
		{"composite", []any{1}, []orm.QueryOption{orm.Populate()}, `orm: Get: Book key [1] ([]interface {}): does not fit field ID (int64)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := orm.Repo[Book](s).Get(ctx, tc.id, tc.opts...)
			if err == nil || err.Error() != tc.want || errors.Is(err, orm.ErrNotFound) {
				t.Errorf("got %v; want %s", err, tc.want)
			}
		})
	}
}
