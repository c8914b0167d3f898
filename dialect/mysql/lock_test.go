package mysql

import (
	"errors"
	"strings"
	"testing"

	driver "github.com/go-sql-driver/mysql"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/sql"
)

// TestAppendLock checks the lock clauses of MariaDB (without SKIP LOCKED
// before 10.6) and MySQL 8, which the test server does not speak.
func TestAppendLock(t *testing.T) {
	maria, old, mysql8 := Dialect{mariadb: true, skipLocked: true}, Dialect{mariadb: true}, Dialect{}
	for _, tc := range []struct {
		name string
		d    Dialect
		l    sql.Lock
		of   string
		want string
	}{
		{"MariaDB share", maria, sql.Lock{Share: true, NoWait: true}, "car", " LOCK IN SHARE MODE NOWAIT"},
		{"MariaDB skip", maria, sql.Lock{SkipLocked: true}, "", " FOR UPDATE SKIP LOCKED"},
		{"MariaDB 10.5 nowait", old, sql.Lock{NoWait: true}, "", " FOR UPDATE NOWAIT"},
		{"MariaDB 10.5 skip", old, sql.Lock{SkipLocked: true}, "", "error: SkipLocked: SKIP LOCKED needs MariaDB 10.6 or later"},
		{"MySQL share of", mysql8, sql.Lock{Share: true, SkipLocked: true}, "car", " FOR SHARE OF `car` SKIP LOCKED"},
	} {
		got, err := tc.d.AppendLock(nil, tc.l, tc.of)
		if err != nil {
			got = []byte("error: " + err.Error())
		}
		if string(got) != tc.want {
			t.Errorf("%s: AppendLock = %q; want %q", tc.name, got, tc.want)
		}
	}
}

// TestClassifyLocks: a NOWAIT failure (MySQL's 3572) and a lock wait
// timeout (1205, which MariaDB's NOWAIT reports) match orm.ErrLocked and
// orm.ErrRetryable; a deadlock matches orm.ErrRetryable only.
func TestClassifyLocks(t *testing.T) {
	for _, tc := range []struct {
		number uint16
		locked bool
	}{{3572, true}, {1205, true}, {1213, false}} {
		err := Dialect{}.Classify(&driver.MySQLError{Number: tc.number, Message: "m"})
		if errors.Is(err, orm.ErrLocked) != tc.locked || !errors.Is(err, orm.ErrRetryable) || !strings.Contains(err.Error(), "m") {
			t.Errorf("Classify(%d) = %v; want ErrLocked %v, ErrRetryable, the server's message", tc.number, err, tc.locked)
		}
	}
}
