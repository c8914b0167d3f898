package sqlite

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/sql"
)

// Open opens the SQLite database file at dsn (created if missing; ":memory:"
// for a private in-memory database) with the settings the ORM relies on:
// foreign keys enforced, a busy timeout, write transactions that take the
// write lock at BEGIN, WAL journaling for files, and timestamps stored as
// sortable UTC text. An in-memory database is limited to one connection, so
// that every statement sees the same database. Double-quoted names are
// identifiers only (SQLITE_DBCONFIG_DQS_DML and _DDL off): a mapped column
// missing from an existing table is an error naming it, not the text of
// its name.
func Open(ctx context.Context, dsn string) (*sql.Backend, error) {
	memory := dsn == "" || dsn == ":memory:" || strings.Contains(dsn, "mode=memory")
	if dsn == "" {
		dsn = ":memory:"
	}
	// A _txlock the caller set may be another than immediate.
	immediate := !strings.Contains(dsn, "_txlock=")
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	// _dqs=0: a double-quoted name is an identifier only, never a string
	// literal, so a mapped column missing from the table is an error.
	dsn += sep + "_dqs=0&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_time_format=sqlite&_txlock=immediate"
	if !memory {
		dsn += "&_pragma=journal_mode(WAL)"
	}
	db, err := stdsql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	if memory {
		db.SetMaxOpenConns(1)
		db.SetConnMaxIdleTime(0)
		db.SetConnMaxLifetime(0)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return sql.New(db, Dialect{immediate: immediate}), nil
}

// New returns a backend on a *sql.DB the caller opened with the
// modernc.org/sqlite driver. Enable foreign keys on it
// (_pragma=foreign_keys(1)) for them to be enforced, and set _dqs=0 so that
// a missing column is an error rather than read as its name's text.
func New(db *stdsql.DB) *sql.Backend { return sql.New(db, Dialect{}) }

// Dialect is SQLite's dialect.
type Dialect struct {
	// immediate: every transaction takes the write lock at BEGIN
	// (_txlock=immediate), as those of Open do.
	immediate bool
}

var _ sql.Dialect = Dialect{}

// Name returns "sqlite".
func (Dialect) Name() string { return "sqlite" }

// AppendIdent quotes name with double quotes.
func (Dialect) AppendIdent(b []byte, name string) []byte {
	return sql.AppendQuoted(b, name, '"')
}

// AppendPlaceholder appends "?".
func (Dialect) AppendPlaceholder(b []byte, _ int, _ sql.Column) []byte { return append(b, '?') }

// Has reports SQLite's capabilities.
func (Dialect) Has(c sql.Capability) bool {
	return c&(sql.Returning|sql.UpdateReturning|sql.IfNotExistsIndex|sql.UpdateFrom|sql.OnConflictDoNothing|sql.Glob) == c
}

// MaxParams is SQLite's default SQLITE_MAX_VARIABLE_NUMBER.
func (Dialect) MaxParams() int { return 32766 }

// ColumnType maps a field to a SQLite column type.
func (Dialect) ColumnType(c sql.Column) string {
	switch c.Type {
	case sql.Int, sql.Uint:
		return "INTEGER"
	case sql.Float:
		return "REAL"
	case sql.Bool:
		return "BOOLEAN"
	case sql.Bytes, sql.UUID:
		return "BLOB"
	case sql.Time:
		return "DATETIME"
	}
	return "TEXT"
}

// DropSchemaAround defers foreign-key checks to the end of DropSchema's
// transaction.
func (Dialect) DropSchemaAround() (before, after []string) {
	return []string{"PRAGMA defer_foreign_keys = ON"}, nil
}

// AutoKey makes the column an alias of the rowid.
func (Dialect) AutoKey(sql.Column) string { return "INTEGER PRIMARY KEY" }

// WriteLock is how a locking read locks on SQLite, which has no row locks:
// the transaction takes the database's write lock, so no other connection
// writes until it ends. The transactions of a backend from Open take it at
// BEGIN (BEGIN IMMEDIATE) and WriteLock returns ""; on one from New it is
// DELETE FROM "t" WHERE 0, which deletes nothing but takes the lock,
// waiting the busy timeout for it.
func (d Dialect) WriteLock(table string) string {
	if d.immediate {
		return ""
	}
	return "DELETE FROM " + string(d.AppendIdent(nil, table)) + " WHERE 0"
}

// Paging returns LIMIT … OFFSET ….
func (Dialect) Paging(limit, offset int) string {
	l := "-1"
	if limit > 0 {
		l = strconv.Itoa(limit)
	}
	if offset > 0 {
		return "LIMIT " + l + " OFFSET " + strconv.Itoa(offset)
	}
	return "LIMIT " + l
}

// ServerError reports whether err comes from the SQLite library itself,
// whose answer to a COMMIT is final, rather than from a failing driver.
func (Dialect) ServerError(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se)
}

// ReadOnlySwitch returns PRAGMA query_only = 1 and = 0: SQLite has no
// read-only transactions (the driver begins a plain deferred one for
// them), so a read-only transaction runs on a connection made to refuse
// writes for its duration.
func (Dialect) ReadOnlySwitch() (on, off string) {
	return "PRAGMA query_only = 1", "PRAGMA query_only = 0"
}

// Classify maps SQLite's extended constraint codes to *orm.ConstraintError,
// a busy or locked database to orm.ErrRetryable, and a write refused by a
// read-only database or connection (SQLITE_READONLY, what a write inside a
// read-only transaction gets) to orm.ErrReadOnly. The error's Table and
// Constraint are what SQLite's message names: the table and columns of a
// unique violation ("user.email, user.name"), the table and column of a NOT
// NULL one, the name of a named CHECK; a foreign key violation names
// nothing.
func (Dialect) Classify(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return nil
	}
	var kind orm.ConstraintKind
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return fmt.Errorf("%w: %w", orm.ErrRetryable, err)
	case sqlite3.SQLITE_READONLY:
		return fmt.Errorf("%w: %w", orm.ErrReadOnly, err)
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		kind = orm.Unique
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		kind = orm.ForeignKey
	case sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		kind = orm.NotNull
	case sqlite3.SQLITE_CONSTRAINT_CHECK:
		kind = orm.Check
	default:
		return nil
	}
	ce := &orm.ConstraintError{Kind: kind, Err: err}
	if kind == orm.ForeignKey {
		return ce // "FOREIGN KEY constraint failed" names nothing
	}
	// "UNIQUE constraint failed: user.email, user.name (2067)",
	// "NOT NULL constraint failed: user.name (1299)",
	// "CHECK constraint failed: user_age (275)" (a CHECK named with
	// CONSTRAINT user_age CHECK (…); else its expression)
	msg := se.Error()
	if i := strings.Index(msg, "constraint failed: "); i >= 0 {
		rest := msg[i+len("constraint failed: "):]
		if j := strings.LastIndex(rest, " ("); j >= 0 {
			rest = rest[:j]
		}
		if strings.Contains(rest, "constraint failed: ") {
			rest = rest[strings.LastIndex(rest, "constraint failed: ")+len("constraint failed: "):]
		}
		ce.Constraint = rest
		if t, c, ok := strings.Cut(rest, "."); ok && !strings.Contains(t, " ") && kind != orm.Check {
			ce.Table = t
			if kind == orm.NotNull {
				ce.Constraint = c // the column, as the other databases say
			}
		}
	}
	return ce
}

// Refuses says SQLite cannot store NaN (it would store NULL), nor a decimal
// of more than 15 significant digits: a NUMERIC column keeps it as a REAL.
func (Dialect) Refuses() sql.Refusal { return sql.RefuseNaN | sql.RefuseLongDecimal }

// TimePrecision says SQLite keeps times to the nanosecond: they are stored
// as text with every digit of the fraction.
func (Dialect) TimePrecision() time.Duration { return time.Nanosecond }

// ListArg returns integers, floats, text and booleans as one JSON array,
// read back with json_each; UUIDs as a JSON array of their hexadecimal
// text.
func (Dialect) ListArg(c sql.Column, values []any) (any, bool) {
	if c.Type == sql.UUID {
		return sql.HexList(values)
	}
	return sql.JSONList(values)
}

// AppendInList appends IN (SELECT value FROM json_each(?)), or NOT IN;
// for UUIDs, IN (SELECT unhex(value) FROM json_each(?)).
func (Dialect) AppendInList(b []byte, _ int, c sql.Column, not bool) []byte {
	if not {
		b = append(b, " NOT"...)
	}
	if c.Type == sql.UUID {
		return append(b, " IN (SELECT unhex(value) FROM json_each(?))"...)
	}
	return append(b, " IN (SELECT value FROM json_each(?))"...)
}
