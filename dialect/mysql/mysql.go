package mysql

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/internal/uuid"
	"github.com/unitofwork/orm/sql"
)

// Option configures the dialect.
type Option func(*Dialect)

// WithoutReturning makes the dialect behave as on MySQL even on a MariaDB
// server that has INSERT … RETURNING: generated keys come from
// LastInsertId and the server's auto_increment_increment.
func WithoutReturning() Option { return func(d *Dialect) { d.returning = false } }

// WithBinaryUUID stores UUIDs in BINARY(16) columns, as on MySQL, even on a
// MariaDB server that has the UUID type (10.7 and later): for a schema
// shared with MySQL or made on an older server.
func WithBinaryUUID() Option { return func(d *Dialect) { d.uuidType = false } }

// Open connects to the MySQL or MariaDB server at dsn (the driver's format,
// user:password@tcp(host:3306)/db), with the settings the ORM relies on:
// clientFoundRows (UPDATE reports matched rows, which version checks count),
// parseTime, times in UTC, and the utf8mb4 character set.
func Open(ctx context.Context, dsn string, opts ...Option) (*sql.Backend, error) {
	cfg, err := driver.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("orm: mysql: %w", err)
	}
	cfg.ClientFoundRows = true
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.Collation = "utf8mb4_general_ci"
	conn, err := driver.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("orm: mysql: %w", err)
	}
	db := stdsql.OpenDB(conn)
	b, err := newBackend(ctx, db, opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	return b, nil
}

// New returns a backend on a *sql.DB the caller opened with the
// go-sql-driver/mysql driver. It checks that the DSN set clientFoundRows=true
// and parseTime=true and that the connection uses utf8mb4, and says which is
// missing.
func New(ctx context.Context, db *stdsql.DB, opts ...Option) (*sql.Backend, error) {
	c, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("orm: mysql: %w", err)
	}
	defer c.Close()
	var now any
	var charset string
	if err := c.QueryRowContext(ctx, "SELECT NOW(), @@character_set_connection").Scan(&now, &charset); err != nil {
		return nil, fmt.Errorf("orm: mysql: %w", err)
	}
	if _, ok := now.(time.Time); !ok {
		return nil, errors.New("orm: mysql: the DSN must set parseTime=true")
	}
	if charset != "utf8mb4" {
		return nil, fmt.Errorf("orm: mysql: the connection uses %s; set charset=utf8mb4 (or a utf8mb4 collation) in the DSN", charset)
	}
	if _, err := c.ExecContext(ctx, "CREATE TEMPORARY TABLE orm_found_rows (id INT PRIMARY KEY, v INT)"); err != nil {
		return nil, fmt.Errorf("orm: mysql: %w", err)
	}
	defer c.ExecContext(ctx, "DROP TEMPORARY TABLE orm_found_rows")
	if _, err := c.ExecContext(ctx, "INSERT INTO orm_found_rows VALUES (1, 1)"); err != nil {
		return nil, fmt.Errorf("orm: mysql: %w", err)
	}
	res, err := c.ExecContext(ctx, "UPDATE orm_found_rows SET v = 1 WHERE id = 1")
	if err != nil {
		return nil, fmt.Errorf("orm: mysql: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, errors.New("orm: mysql: the DSN must set clientFoundRows=true (version checks count matched rows)")
	}
	return newBackend(ctx, db, opts)
}

func newBackend(ctx context.Context, db *stdsql.DB, opts []Option) (*sql.Backend, error) {
	var version string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return nil, fmt.Errorf("orm: mysql: %w", err)
	}
	var d Dialect
	// A server without the variable (not InnoDB) rolls back statements only.
	_ = db.QueryRowContext(ctx, "SELECT @@innodb_rollback_on_timeout").Scan(&d.rollbackOnTimeout)
	if strings.Contains(strings.ToLower(version), "mariadb") {
		d.mariadb = true
		var major, minor int
		fmt.Sscanf(version, "%d.%d", &major, &minor)
		d.returning = major > 10 || (major == 10 && minor >= 5)
		d.skipLocked = major > 10 || (major == 10 && minor >= 6)
		d.uuidType = major > 10 || (major == 10 && minor >= 7)
	}
	for _, o := range opts {
		o(&d)
	}
	return sql.New(db, d), nil
}

// Dialect is the MySQL and MariaDB dialect.
type Dialect struct {
	mariadb   bool
	returning bool // MariaDB 10.5 and later, unless WithoutReturning
	// skipLocked: a MariaDB server has SKIP LOCKED (10.6 and later).
	skipLocked bool
	// uuidType: UUIDs are stored in MariaDB's UUID type (10.7 and later,
	// unless WithBinaryUUID), else in BINARY(16).
	uuidType bool
	// rollbackOnTimeout: innodb_rollback_on_timeout is on, so a lock wait
	// timeout rolls back the whole transaction, not just the statement.
	rollbackOnTimeout bool
}

var _ sql.Dialect = Dialect{}

// Name returns "mariadb" or "mysql".
func (d Dialect) Name() string {
	if d.mariadb {
		return "mariadb"
	}
	return "mysql"
}

// AppendIdent quotes name with backticks.
func (Dialect) AppendIdent(b []byte, name string) []byte {
	return sql.AppendQuoted(b, name, '`')
}

// AppendPlaceholder appends "?"; for a decimal, CAST(? AS DECIMAL(65,30)),
// as MySQL reads a decimal's text compared with a DECIMAL column as a
// double, inexact beyond 2^53; and CAST(? AS BINARY) for bytes and for a
// UUID stored as BINARY(16): the server takes a parameter's bytes for text
// in the connection's character set, which a value standing alone (a
// column of the SELECT an UPDATE joins) keeps, and bytes are seldom valid
// UTF-8.
func (d Dialect) AppendPlaceholder(b []byte, _ int, c sql.Column) []byte {
	if c.Decimal {
		return append(b, "CAST(? AS DECIMAL(65,30))"...)
	}
	if c.Type == sql.Bytes || c.Type == sql.UUID && !d.uuidType {
		return append(b, "CAST(? AS BINARY)"...)
	}
	return append(b, '?')
}

// Has reports the server's capabilities.
func (d Dialect) Has(c sql.Capability) bool {
	caps := sql.UpdateJoin | sql.OnDuplicateKeyUpdate | sql.EmptyRows
	if d.returning {
		caps |= sql.Returning
	}
	if d.mariadb {
		caps |= sql.IfNotExistsIndex
	}
	return c&caps == c
}

// AutoIncrementStep reads the connection's auto_increment_increment, which
// the engine does before each multi-row INSERT on the LastInsertId path
// (MySQL, or WithoutReturning): the server may change it at any time.
func (Dialect) AutoIncrementStep() string { return "SELECT @@auto_increment_increment" }

// MaxParams is the protocol's limit of 65,535 placeholders.
func (Dialect) MaxParams() int { return 65535 }

// ColumnType maps a field to a MySQL column type. Strings that are keys,
// unique or indexed are VARCHAR(255); other strings LONGTEXT. UUIDs are
// UUID on MariaDB 10.7 and later, else BINARY(16).
func (d Dialect) ColumnType(c sql.Column) string {
	ints := map[int]string{1: "TINYINT", 2: "SMALLINT", 4: "INT", 8: "BIGINT"}
	switch c.Type {
	case sql.UUID:
		if d.uuidType {
			return "UUID"
		}
		return "BINARY(16)"
	case sql.Int:
		return ints[c.Size]
	case sql.Uint:
		return ints[c.Size] + " UNSIGNED"
	case sql.Float:
		// float32 too: a FLOAT column reads back with six significant
		// digits through the text protocol (a query without arguments),
		// while a DOUBLE holds every float32 exactly.
		return "DOUBLE"
	case sql.Bool:
		return "BOOLEAN"
	case sql.Bytes:
		return "LONGBLOB"
	case sql.Time:
		return "DATETIME(6)"
	case sql.JSON:
		return "JSON"
	}
	switch {
	case c.Length > 0:
		return "VARCHAR(" + strconv.Itoa(c.Length) + ")"
	case c.Indexed:
		return "VARCHAR(255)"
	}
	return "LONGTEXT"
}

// AutoKey makes the column AUTO_INCREMENT.
func (d Dialect) AutoKey(c sql.Column) string {
	return d.ColumnType(c) + " NOT NULL AUTO_INCREMENT PRIMARY KEY"
}

// Paging returns LIMIT … OFFSET ….
func (Dialect) Paging(limit, offset int) string {
	l := "18446744073709551615"
	if limit > 0 {
		l = strconv.Itoa(limit)
	}
	if offset > 0 {
		return "LIMIT " + l + " OFFSET " + strconv.Itoa(offset)
	}
	return "LIMIT " + l
}

// TableOptions makes tables InnoDB with binary utf8mb4 collation, so string
// comparisons are exact as on the other databases.
func (Dialect) TableOptions() string {
	return "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
}

// ForeignKey adds a foreign key (unless it exists, on MariaDB; on MySQL,
// which has no IF NOT EXISTS for it, the server's duplicate error is taken
// for done: [Dialect.Exists]).
func (d Dialect) ForeignKey(table, name, column, refTable, refColumn string) string {
	q := func(s string) string { return string(d.AppendIdent(nil, s)) }
	ifNot := ""
	if d.mariadb {
		ifNot = "IF NOT EXISTS "
	}
	return "ALTER TABLE " + q(table) + " ADD CONSTRAINT " + q(name) + " FOREIGN KEY " + ifNot + "(" + q(column) +
		") REFERENCES " + q(refTable) + " (" + q(refColumn) + ")"
}

// Exists reports whether err says that what a schema statement creates
// exists already: a foreign key (1826) or an index (1061) of that name, on
// MySQL, which has no IF NOT EXISTS for them.
func (Dialect) Exists(err error) bool {
	var me *driver.MySQLError
	return errors.As(err, &me) && (me.Number == 1826 || me.Number == 1061)
}

// DropSchemaAround turns foreign-key checks off while DropSchema drops.
func (Dialect) DropSchemaAround() (before, after []string) {
	return []string{"SET FOREIGN_KEY_CHECKS = 0"}, []string{"SET FOREIGN_KEY_CHECKS = 1"}
}

// ServerError reports whether err is the server's answer to a statement,
// after which the transaction's fate is known: not a lost connection, and
// not a connection the server killed or is shutting down (1053, 1317, 1927).
func (Dialect) ServerError(err error) bool {
	var me *driver.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	switch me.Number {
	case 1053, 1317, 1927:
		return false
	}
	return true
}

// ConnectionLost reports whether err says the connection to the server went
// away after a statement was, or may have been, sent: the driver's invalid
// connection, a network failure, or the server killing the connection or
// shutting down.
func (Dialect) ConnectionLost(err error) bool {
	var me *driver.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1053 || me.Number == 1927
	}
	var ne net.Error
	return errors.Is(err, driver.ErrInvalidConn) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// TxRolledBack reports whether err, from a statement inside a transaction,
// means the server rolled the whole transaction back: a deadlock (1213, also
// a Galera certification failure), and a lock wait timeout (1205) when
// innodb_rollback_on_timeout was on when the backend was opened. Nothing
// more is sent in that transaction — not even ROLLBACK TO SAVEPOINT, which
// would fail with 1305 — and it fails with err, orm.ErrRetryable.
func (d Dialect) TxRolledBack(err error) bool {
	var me *driver.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	return me.Number == 1213 || me.Number == 1205 && d.rollbackOnTimeout || tidbConflict(me.Number)
}

// tidbConflict reports whether n is one of TiDB's write conflicts, after
// which it has rolled the transaction back: 8002 (a SELECT FOR UPDATE it
// cannot retry), 8005 (a write conflict at COMMIT), 9007 (a write conflict).
func tidbConflict(n uint16) bool { return n == 8002 || n == 8005 || n == 9007 }

// The parts of the server's messages that name what a violation broke.
var (
	// 1062: "Duplicate entry 'a' for key 'tag_code'" (MySQL 8: 'tag.tag_code')
	dupKey = regexp.MustCompile(`for key '([^']+)'\.?$`)
	// 1451, 1452: "… a foreign key constraint fails (`db`.`car`, CONSTRAINT `fk` FOREIGN KEY …"
	fkFails = regexp.MustCompile("fails \\(`[^`]*`\\.`([^`]+)`, CONSTRAINT `([^`]+)`")
	// 1048: "Column 'name' cannot be null"; 1364: "Field 'name' doesn't have a default value"
	columnName = regexp.MustCompile(`^(?:Column|Field) '([^']+)'`)
	// 4025 (MariaDB): "CONSTRAINT `c` failed for `db`.`t`"
	checkFailed = regexp.MustCompile("^CONSTRAINT `([^`]+)` failed for `[^`]*`\\.`([^`]+)`")
	// 3819 (MySQL): "Check constraint 'c' is violated."
	checkViolated = regexp.MustCompile(`^Check constraint '([^']+)' is violated`)
)

// Classify maps MySQL error numbers: integrity violations to
// *orm.ConstraintError, deadlocks and TiDB's write conflicts (8002, 8005,
// 9007) to orm.ErrRetryable, a write inside a read-only transaction (1792)
// or on a server running with --read-only (1290) to orm.ErrReadOnly, and a lock not had
// to orm.ErrLocked (which matches orm.ErrRetryable too): MySQL's NOWAIT
// failure (3572) and a lock wait timeout (1205), which is also what
// MariaDB's NOWAIT reports. The server's message gives the error's Constraint (the
// key, foreign key or CHECK constraint, or the column of a NOT NULL
// violation) and, where it says, the Table (for a foreign key, the
// referencing table).
func (Dialect) Classify(err error) error {
	var me *driver.MySQLError
	if !errors.As(err, &me) {
		return nil
	}
	var kind orm.ConstraintKind
	switch me.Number {
	case 1062, 1586:
		kind = orm.Unique
	case 1451, 1452, 1216, 1217:
		kind = orm.ForeignKey
	case 1048, 1364:
		kind = orm.NotNull
	case 3819, 4025:
		kind = orm.Check
	case 1213, 8002, 8005, 9007:
		return fmt.Errorf("%w: %w", orm.ErrRetryable, err)
	case 1290, 1792:
		return fmt.Errorf("%w: %w", orm.ErrReadOnly, err)
	case 1205, 3572:
		return fmt.Errorf("%w: %w", orm.ErrLocked, err)
	default:
		return nil
	}
	ce := &orm.ConstraintError{Kind: kind, Err: err}
	msg := me.Message
	if m := dupKey.FindStringSubmatch(msg); m != nil {
		ce.Constraint = m[1]
		if t, c, ok := strings.Cut(m[1], "."); ok {
			ce.Table, ce.Constraint = t, c
		}
	} else if m := fkFails.FindStringSubmatch(msg); m != nil {
		ce.Table, ce.Constraint = m[1], m[2]
	} else if m := checkFailed.FindStringSubmatch(msg); m != nil {
		ce.Constraint, ce.Table = m[1], m[2]
	} else if m := checkViolated.FindStringSubmatch(msg); m != nil {
		ce.Constraint = m[1]
	} else if m := columnName.FindStringSubmatch(msg); m != nil {
		ce.Constraint = m[1]
	}
	return ce
}

// AppendLock appends FOR UPDATE, or for a shared lock FOR SHARE (MySQL)
// or LOCK IN SHARE MODE (MariaDB); on MySQL, OF the queried table when the
// SELECT joins others (MariaDB locks the joined rows too); then SKIP
// LOCKED, which MariaDB has from 10.6, or NOWAIT.
func (d Dialect) AppendLock(b []byte, l sql.Lock, of string) ([]byte, error) {
	switch {
	case !l.Share:
		b = append(b, " FOR UPDATE"...)
	case d.mariadb:
		b = append(b, " LOCK IN SHARE MODE"...)
	default:
		b = append(b, " FOR SHARE"...)
	}
	if of != "" && !d.mariadb {
		b = d.AppendIdent(append(b, " OF "...), of)
	}
	switch {
	case l.SkipLocked:
		if d.mariadb && !d.skipLocked {
			return nil, errors.New("SkipLocked: SKIP LOCKED needs MariaDB 10.6 or later")
		}
		b = append(b, " SKIP LOCKED"...)
	case l.NoWait:
		b = append(b, " NOWAIT"...)
	}
	return b, nil
}

// Refuses says MySQL and MariaDB have no NaN or infinities, and that their
// utf8mb4 text must be valid UTF-8.
func (Dialect) Refuses() sql.Refusal { return sql.RefuseNaN | sql.RefuseInf | sql.RefuseInvalidUTF8 }

// TimePrecision says MySQL and MariaDB keep times to the microsecond, in
// DATETIME(6) columns.
func (Dialect) TimePrecision() time.Duration { return time.Microsecond }

// UUIDValue binds a UUID as its text form for MariaDB's UUID type, else
// as its 16 bytes, for BINARY(16).
func (d Dialect) UUIDValue(u [16]byte) any {
	if d.uuidType {
		return uuid.Format(u)
	}
	return u[:]
}

// ListArg returns integers, floats, text and booleans as one JSON array,
// read back with JSON_TABLE (MySQL 8.0.4, MariaDB 10.6); UUIDs as one of
// their text forms (UUID) or their hexadecimal text (BINARY(16)).
func (d Dialect) ListArg(c sql.Column, values []any) (any, bool) {
	switch c.Type {
	case sql.Int, sql.Uint, sql.Float, sql.Bool, sql.String:
		return sql.JSONList(values)
	case sql.UUID:
		if d.uuidType {
			return sql.JSONList(values)
		}
		return sql.HexList(values)
	}
	return nil, false
}

// AppendInList appends IN (SELECT v FROM JSON_TABLE(?, …)), or NOT IN, the
// JSON values read as the column's type: UUIDs as CHAR(36), which MariaDB
// compares with its UUID type, or as CHAR(32) unhexed for BINARY(16)
// (JSON_TABLE has neither type).
func (d Dialect) AppendInList(b []byte, _ int, c sql.Column, not bool) []byte {
	if not {
		b = append(b, " NOT"...)
	}
	v, typ := "v", d.ColumnType(c)
	switch {
	case c.Type == sql.UUID && d.uuidType:
		typ = "CHAR(36)"
	case c.Type == sql.UUID:
		v, typ = "UNHEX(v)", "CHAR(32)"
	}
	b = append(b, " IN (SELECT "...)
	b = append(b, v...)
	b = append(b, " FROM JSON_TABLE(?, '$[*]' COLUMNS (v "...)
	b = append(b, typ...)
	return append(b, " PATH '$')) AS orm_list)"...)
}
