package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/sqlite"
	"github.com/unitofwork/orm/ormtest"
)

func open(t testing.TB) orm.Backend {
	b, err := sqlite.Open(filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestConformance(t *testing.T) { ormtest.Run(t, open) }
