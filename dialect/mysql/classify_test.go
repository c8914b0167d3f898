package mysql_test

import (
	"errors"
	"testing"

	driver "github.com/go-sql-driver/mysql"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/mysql"
)

// TestClassifyNames checks what Classify reads from the messages of MySQL
// and MariaDB, including MySQL 8's, which the test server does not send.
func TestClassifyNames(t *testing.T) {
	for _, tc := range []struct {
		name              string
		number            uint16
		msg               string
		kind              orm.ConstraintKind
		table, constraint string
	}{
		{"duplicate, MariaDB", 1062, "Duplicate entry 'a' for key 'tag_code'", orm.Unique, "", "tag_code"},
		{"duplicate, MySQL 8", 1062, "Duplicate entry 'a' for key 'tag.tag_code'", orm.Unique, "tag", "tag_code"},
		{"duplicate of a value naming a key", 1062, "Duplicate entry 'for key 'x'' for key 'PRIMARY'", orm.Unique, "", "PRIMARY"},
		{"child row", 1452, "Cannot add or update a child row: a foreign key constraint fails (`db`.`car`, CONSTRAINT `fk_car_driver_id` FOREIGN KEY (`driver_id`) REFERENCES `driver` (`id`))", orm.ForeignKey, "car", "fk_car_driver_id"},
		{"parent row", 1451, "Cannot delete or update a parent row: a foreign key constraint fails (`db`.`car`, CONSTRAINT `fk_car_driver_id` FOREIGN KEY (`driver_id`) REFERENCES `driver` (`id`))", orm.ForeignKey, "car", "fk_car_driver_id"},
		{"foreign key, no details", 1216, "Cannot add or update a child row: a foreign key constraint fails", orm.ForeignKey, "", ""},
		{"null", 1048, "Column 'note' cannot be null", orm.NotNull, "", "note"},
		{"no default", 1364, "Field 'note' doesn't have a default value", orm.NotNull, "", "note"},
		{"check, MariaDB", 4025, "CONSTRAINT `gauge_level` failed for `db`.`gauge`", orm.Check, "gauge", "gauge_level"},
		{"check, MySQL", 3819, "Check constraint 'gauge_level' is violated.", orm.Check, "", "gauge_level"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := mysql.Dialect{}.Classify(&driver.MySQLError{Number: tc.number, Message: tc.msg})
			var ce *orm.ConstraintError
			if !errors.As(err, &ce) {
				t.Fatalf("Classify = %v; want an *orm.ConstraintError", err)
			}
			if ce.Kind != tc.kind || ce.Table != tc.table || ce.Constraint != tc.constraint {
				t.Errorf("got %s on %q (%q); want %s on %q (%q)", ce.Kind, ce.Table, ce.Constraint, tc.kind, tc.table, tc.constraint)
			}
		})
	}
}

// TestClassifyReadOnly: a write inside a read-only transaction (1792 on
// MySQL and MariaDB) matches orm.ErrReadOnly and wraps the driver's error.
func TestClassifyReadOnly(t *testing.T) {
	me := &driver.MySQLError{Number: 1792, Message: "Cannot execute statement in a READ ONLY transaction"}
	err := mysql.Dialect{}.Classify(me)
	var got *driver.MySQLError
	if !errors.Is(err, orm.ErrReadOnly) || !errors.As(err, &got) {
		t.Errorf("Classify = %v; want ErrReadOnly wrapping the driver's error", err)
	}
}

// TestErrorClasses holds the error-class table of the package docs to
// Classify and TxRolledBack: each number matches its class, keeps the
// driver's error, and those after which the server rolled the transaction
// back say so.
func TestErrorClasses(t *testing.T) {
	for _, tc := range []struct {
		number     uint16
		is         error
		rolledBack bool
	}{
		{1213, orm.ErrRetryable, true},
		{8002, orm.ErrRetryable, true}, {8005, orm.ErrRetryable, true}, {9007, orm.ErrRetryable, true},
		{1205, orm.ErrLocked, false}, {3572, orm.ErrRetryable, false},
		{1792, orm.ErrReadOnly, false}, {1290, orm.ErrReadOnly, false},
	} {
		me := &driver.MySQLError{Number: tc.number, Message: "m"}
		err := mysql.Dialect{}.Classify(me)
		var kept *driver.MySQLError
		if !errors.Is(err, tc.is) || !errors.As(err, &kept) {
			t.Errorf("%d: Classify = %v; want it to match %v and keep the driver's error", tc.number, err, tc.is)
		}
		if got := (mysql.Dialect{}).TxRolledBack(me); got != tc.rolledBack {
			t.Errorf("%d: TxRolledBack = %v; want %v", tc.number, got, tc.rolledBack)
		}
	}
}
