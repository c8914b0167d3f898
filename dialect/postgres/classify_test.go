package postgres_test

import (
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/postgres"
)

// TestErrorClasses holds the error-class table of the package docs to
// Classify: each SQLSTATE matches its class and keeps the driver's error.
func TestErrorClasses(t *testing.T) {
	for _, tc := range []struct {
		code string
		is   error // nil: check the type instead
	}{
		{"40001", orm.ErrRetryable}, {"40P01", orm.ErrRetryable},
		{"55P03", orm.ErrLocked}, {"55P03", orm.ErrRetryable},
		{"25006", orm.ErrReadOnly},
		{"40003", nil},
	} {
		pe := &pgconn.PgError{Code: tc.code, Message: "m"}
		err := postgres.Dialect{}.Classify(pe)
		var kept *pgconn.PgError
		if !errors.As(err, &kept) {
			t.Errorf("%s: Classify = %v; it loses the driver's error", tc.code, err)
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%s: Classify = %v; want it to match %v", tc.code, err, tc.is)
		}
		if tc.is == nil {
			var cu *orm.CommitUnknownError
			if !errors.As(err, &cu) || errors.Is(err, orm.ErrRetryable) {
				t.Errorf("%s: Classify = %v; want *orm.CommitUnknownError, not retryable", tc.code, err)
			}
		}
	}
}
