package postgres_test

import (
	"testing"

	"github.com/unitofwork/orm/dialect/postgres"
	"github.com/unitofwork/orm/internal/golden"
)

// TestGolden checks every statement shape postgres receives against
// testdata/postgres; go test -run TestGolden -update rewrites the files.
func TestGolden(t *testing.T) { golden.Run(t, postgres.Dialect{}, "testdata/postgres") }
