package mysql

import (
	"testing"

	"github.com/unitofwork/orm/internal/golden"
)

// TestGolden checks every statement shape MariaDB 10.7+ (RETURNING, the
// UUID type) and MySQL 8 (no RETURNING: keys from LastInsertId; UUIDs in
// BINARY(16)) receive against
// testdata/mysql and testdata/mysql-noreturning; go test -run TestGolden
// -update rewrites the files.
func TestGolden(t *testing.T) {
	t.Run("returning", func(t *testing.T) {
		golden.Run(t, Dialect{mariadb: true, returning: true, skipLocked: true, uuidType: true}, "testdata/mysql")
	})
	t.Run("noreturning", func(t *testing.T) {
		golden.Run(t, Dialect{}, "testdata/mysql-noreturning")
	})
}
