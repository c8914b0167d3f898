package sqlite_test

import (
	"testing"

	"github.com/unitofwork/orm/dialect/sqlite"
	"github.com/unitofwork/orm/internal/golden"
)

// TestGolden checks every statement shape sqlite receives against
// testdata/sqlite; go test -run TestGolden -update rewrites the files.
func TestGolden(t *testing.T) { golden.Run(t, sqlite.Dialect{}, "testdata/sqlite") }
