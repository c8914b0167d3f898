package sql

import (
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/unitofwork/orm/internal/meta"
)

// Dialect is what differs between SQL databases: quoting, placeholders,
// types, paging, error classification and a set of capabilities the engine
// asks about. The engine never checks a dialect's name.
type Dialect interface {
	// Name names the database in messages.
	Name() string
	// AppendIdent appends name quoted as an identifier, doubling any quote
	// character inside it.
	AppendIdent(b []byte, name string) []byte
	// AppendPlaceholder appends the n-th (1-based) bind placeholder. c is
	// the column the value is for (Type Unknown when the engine does not
	// know it, as in raw SQL), for dialects that type placeholders.
	AppendPlaceholder(b []byte, n int, c Column) []byte
	// Has reports whether the database has capability c.
	Has(c Capability) bool
	// MaxParams is the most bind parameters one statement may carry.
	MaxParams() int
	// ColumnType is the SQL type of c, without NULL or key clauses.
	ColumnType(c Column) string
	// AutoKey is the whole definition, after the column name, of a
	// database-generated primary key column.
	AutoKey(c Column) string
	// Paging is the clause limiting a SELECT; limit 0 means no limit.
	Paging(limit, offset int) string
	// Classify returns what err, a driver's error, stands for: an
	// *orm.ConstraintError, or an error wrapping err that matches
	// orm.ErrRetryable or orm.ErrReadOnly; nil when it is none of those.
	Classify(err error) error
}

// AppendQuoted appends name quoted with q, doubling any q inside it: the
// identifier quoting of every SQL database, with " or `.
func AppendQuoted(b []byte, name string, q byte) []byte {
	b = append(b, q)
	for i := 0; i < len(name); i++ {
		if name[i] == q {
			b = append(b, q)
		}
		b = append(b, name[i])
	}
	return append(b, q)
}

// Capability is a feature some databases have.
type Capability uint32

// The capabilities.
const (
	// Returning: INSERT … RETURNING hands back generated keys.
	Returning Capability = 1 << iota
	// IfNotExistsIndex: CREATE INDEX IF NOT EXISTS is understood.
	IfNotExistsIndex
	// UpdateFrom: UPDATE … FROM (VALUES …) AS v, whose columns are named
	// column1, column2, …, joins a batch of new values by key.
	UpdateFrom
	// UpdateJoin: UPDATE t JOIN (SELECT ? AS column1, … UNION ALL SELECT …)
	// AS v ON … SET … joins a batch of new values by key.
	UpdateJoin
	// TxAbortsOnError: a failed statement spoils the whole transaction, so
	// a flush inside a transaction runs in a savepoint even when it sends
	// one statement.
	TxAbortsOnError
	// DropCascade: DROP TABLE … CASCADE drops what depends on the table.
	DropCascade
	// OnConflictDoNothing: INSERT … ON CONFLICT DO NOTHING skips rows whose
	// key exists (what pivot inserts use).
	OnConflictDoNothing
	// OnDuplicateKeyUpdate: INSERT … ON DUPLICATE KEY UPDATE c = c skips
	// them, where ON CONFLICT is not understood.
	OnDuplicateKeyUpdate
	// EmptyRows: INSERT INTO t () VALUES (), () inserts rows of defaults,
	// many in one statement (MySQL, MariaDB).
	EmptyRows
	// DefaultRows: INSERT INTO t (k) VALUES (DEFAULT), (DEFAULT) does
	// (PostgreSQL). With neither, an entity whose only column is its
	// generated key takes one INSERT INTO t DEFAULT VALUES per row.
	DefaultRows
	// UpdateReturning: UPDATE … RETURNING hands back the rows updated (a
	// dialect with Returning has DELETE … RETURNING too).
	UpdateReturning
	// Glob: LIKE ignores case, so a Like filter compiles to GLOB, which
	// does not (SQLite). Without it, Like compiles to LIKE … ESCAPE '!'.
	Glob
)

// ListDialect is implemented by dialects that bind a set of values as one
// argument, so that In and NotIn accept lists of any length: an array on
// PostgreSQL, a JSON array on SQLite and MySQL/MariaDB.
type ListDialect interface {
	// ListArg returns values, driver values for column c none of which is
	// nil, as one argument, or false when it cannot (values of a kind it
	// does not handle): the engine then binds one parameter each.
	ListArg(c Column, values []any) (any, bool)
	// AppendInList appends what follows a column to test that it is one
	// of the set bound as the n-th argument, or with not that it is none
	// of them: " = ANY($1::bigint[])", " NOT IN (SELECT … FROM json_each(?))".
	AppendInList(b []byte, n int, c Column, not bool) []byte
}

// ArrayDialect is implemented by dialects that bind a column of values,
// NULLs among them, as one array argument (PostgreSQL): a batched UPDATE
// then sends one parameter per column, not one per value.
type ArrayDialect interface {
	// ArrayArg returns values, driver values for column c (nil for NULL),
	// as one argument, or false when it cannot.
	ArrayArg(c Column, values []any) (any, bool)
	// AppendArray appends the placeholder of the n-th argument, an array
	// of column c's type.
	AppendArray(b []byte, n int, c Column) []byte
}

// Column describes a column to a Dialect: the kind of value the engine
// binds and reads for it.
type Column struct {
	Type Type
	// Size is the byte size of the Go integer or float the field holds
	// (1, 2, 4 or 8); 8 for a type of its own that stores one (a
	// driver.Valuer).
	Size int
	// Indexed is set for a column of a key, a unique constraint or an
	// index: text there needs a bounded type on some databases.
	Indexed bool
	// Length is the most characters a text column holds (orm:"size:n"),
	// 0 for no limit.
	Length int
	// Declared is the SQL type the field names (orm:"type:…"), which
	// CreateSchema writes as it is; empty for the dialect's choice.
	Declared string
	// Decimal is set for a decimal: a Scanner and Valuer, its driver value
	// text, with a numeric Declared type.
	Decimal bool
}

// Type is the kind of value a column holds.
type Type uint8

// The column types.
const (
	Unknown Type = iota // a placeholder of raw SQL
	Int
	Uint
	Float
	Bool
	String
	Bytes
	Time
	JSON
	// UUID: 16 bytes, bound as the dialect's UUIDValue gives them (see
	// the optional interfaces below).
	UUID
)

// column describes field f to the dialect; a foreign key is described as
// the key it refers to.
func column(f *meta.Field) Column {
	if f == nil {
		return Column{}
	}
	if f.Kind == meta.KindRef {
		f = f.Rel.Target.PK[0]
	}
	c := Column{Type: columnTypes[f.StorageKind()], Size: int(f.Elem.Size()), Indexed: f.PK || f.Unique || f.IndexName != "",
		Length: f.Length, Declared: f.SQLType, Decimal: f.Decimal}
	if f.Kind == meta.KindScanner {
		c.Size = 8
	}
	return c
}

// columnTypes maps a field's storage kind to its column type; a storage
// kind is never a Scanner, a Ref or an array (meta.Field.Storage).
var columnTypes = [meta.KindUUID + 1]Type{
	meta.KindInt: Int, meta.KindUint: Uint, meta.KindFloat: Float, meta.KindBool: Bool,
	meta.KindString: String, meta.KindBytes: Bytes, meta.KindTime: Time, meta.KindJSON: JSON,
	meta.KindUUID: UUID,
}

// uuidValuer is a dialect that binds UUIDs as something other than their
// 16 bytes.
type uuidValuer interface {
	UUIDValue(u [16]byte) any
}

// uuidArg returns the driver value the dialect binds for v, the value of
// a UUID column (the 16 bytes meta.Field.Value gives, or nil).
func uuidArg(d Dialect, v any) any {
	b, ok := v.([]byte)
	if !ok || len(b) != 16 {
		return v
	}
	if uv, ok := d.(uuidValuer); ok {
		return uv.UUIDValue([16]byte(b))
	}
	return v
}

// Refusal is a set of values a database cannot store exactly, which a
// flush refuses, naming the field, before it sends anything.
type Refusal uint8

// The values a database may refuse.
const (
	RefuseNaN         Refusal = 1 << iota // a float NaN
	RefuseInf                             // ±Inf
	RefuseNUL                             // a NUL byte in text
	RefuseInvalidUTF8                     // text that is not valid UTF-8
	RefuseLongDecimal                     // a decimal of more than 15 significant digits (SQLite's REAL)
)

// The engine hands a Refusal to the metadata's checks as it is.
var _ = [1]struct{}{}[RefuseNaN^Refusal(meta.RefuseNaN)|RefuseInf^Refusal(meta.RefuseInf)|
	RefuseNUL^Refusal(meta.RefuseNUL)|RefuseInvalidUTF8^Refusal(meta.RefuseInvalidUTF8)|
	RefuseLongDecimal^Refusal(meta.RefuseLongDecimal)]

// Optional dialect interfaces, checked by type assertion:
//
//   - interface{ UUIDValue(u [16]byte) any }: the driver value bound for
//     a UUID column (meta's [16]byte fields): the text form for a column
//     of MariaDB's UUID type, the array itself for pgx. Without it, the 16
//     bytes as a []byte (a BLOB, a BINARY(16)).
//   - interface{ AutoIncrementStep() string }: for dialects without
//     Returning, the query (one row, one integer) reading the distance
//     between the keys one multi-row INSERT gets (the connection's
//     auto_increment_increment), run on the INSERT's connection and in its
//     transaction before each multi-row INSERT; 1 when absent.
//   - interface{ ForeignKey(table, name, column, refTable, refColumn string) string }:
//     the statement adding a foreign key after the tables exist; without
//     it, foreign keys are declared inline with REFERENCES.
//   - interface{ Exists(err error) bool }: whether err, from a schema
//     statement of CreateSchema, says that what it creates exists
//     already, for statements the database has no IF NOT EXISTS for
//     (PostgreSQL's ADD CONSTRAINT); CreateSchema goes on after it.
//   - interface{ DropSchemaAround() (before, after []string) }: statements
//     run in the same transaction around DropSchema's DROP TABLEs.
//   - interface{ TableOptions() string }: appended to CREATE TABLE.
//   - interface{ Refuses() Refusal }: the values the database cannot
//     store exactly, which a flush refuses before it sends anything; none
//     when absent.
//   - interface{ TimePrecision() time.Duration }: the precision the
//     database keeps times at, to which the core truncates the createdAt
//     and updatedAt stamps it sets; a microsecond when absent.
//   - interface{ AdvanceKey(table, column string, key int64) (string, []any) }:
//     the SELECT, with ? placeholders, and its arguments, that moves the
//     generator of table's key column past key unless it is past it
//     already. An upsert that returns its rows runs it as a scalar
//     subquery of its RETURNING clause, in the same statement; the engine
//     sends it in the flush's transaction after an INSERT of explicit keys
//     into a table whose key the database generates (key is the largest
//     of them), so later generated keys never collide with them. Without
//     it, the database is taken to move its counter itself, as SQLite's
//     rowid and MySQL's AUTO_INCREMENT do.
//   - interface{ TxRolledBack(err error) bool }: whether err, from a
//     statement inside a transaction, means the database rolled the whole
//     transaction back (MySQL's deadlock). The engine then sends nothing
//     more in it — no ROLLBACK TO SAVEPOINT, no COMMIT: every later
//     statement, savepoint and commit of that transaction fails with err,
//     so it reaches the Session's Transaction (and Retry) whatever the
//     function in between does with it. A lost connection counts too.
//     Without it, a failed statement leaves the transaction to the
//     savepoints (PostgreSQL aborts the transaction on any error, but
//     ROLLBACK TO SAVEPOINT recovers it).
//   - interface{ ReadOnlySwitch() (on, off string) }: for a database
//     whose transactions cannot be read-only themselves (SQLite), the
//     statements that make a connection refuse writes and accept them
//     again (PRAGMA query_only = 1, = 0). A backend made by [New] runs each
//     read-only transaction on a connection of its own, switched by on
//     before its BEGIN and by off after its end, however it ends. Without
//     it, the driver begins a read-only transaction (BEGIN READ ONLY,
//     START TRANSACTION READ ONLY).
//   - interface{ ServerError(err error) bool }: whether err is the
//     database's own answer (so a failed COMMIT is known to be rolled
//     back); without it, every failed COMMIT is reported as an
//     *orm.CommitUnknownError.
//   - interface{ AppendLock(b []byte, l Lock, of string) ([]byte, error) }:
//     appends the clause that makes a SELECT lock the rows it returns,
//     after its paging (" FOR UPDATE SKIP LOCKED"), or returns an error
//     when the database lacks what l asks. of is set on a SELECT that
//     joins other tables: the table whose rows to lock, for databases
//     that can say so (PostgreSQL refuses FOR UPDATE on the nullable side
//     of an outer join unless told: FOR UPDATE OF "car").
//   - interface{ WriteLock(table string) string }: for a database without
//     row locks, the statement that takes its write lock for the rest of
//     the transaction and changes nothing; the engine sends it in a
//     transaction's first locking read, before the SELECT, which then
//     gets no clause. It returns "" when every transaction takes the
//     write lock at BEGIN already. A dialect with neither of these
//     refuses locking reads.

// Lock is the row lock a locking read takes, as a dialect's AppendLock
// receives it.
type Lock struct {
	Share      bool // a shared lock (FOR SHARE); else an exclusive one (FOR UPDATE)
	SkipLocked bool // leave out the rows another transaction holds locked
	NoWait     bool // fail at once on a row another transaction holds locked
}

// locker is a dialect with row locks.
type locker interface {
	AppendLock(b []byte, l Lock, of string) ([]byte, error)
}

// writeLocker is a dialect whose locking reads lock the whole database.
type writeLocker interface {
	WriteLock(table string) string
}

// foreignKeyer is a dialect that adds foreign keys once the tables exist.
type foreignKeyer interface {
	ForeignKey(table, name, column, refTable, refColumn string) string
}

// keyAdvancer is a dialect whose key generator does not move past explicit
// keys by itself.
type keyAdvancer interface {
	AdvanceKey(table, column string, key int64) (string, []any)
}

// refuses is the set of values the dialect says its database cannot store.
func (b *engine) refuses() meta.Refuse {
	if d, ok := b.d.(interface{ Refuses() Refusal }); ok {
		return meta.Refuse(d.Refuses())
	}
	return 0
}

// TimePrecision is the precision the dialect says its database keeps
// times at, else a microsecond: what the core truncates its stamps to.
func (b *engine) TimePrecision() time.Duration {
	if d, ok := b.d.(interface{ TimePrecision() time.Duration }); ok {
		return d.TimePrecision()
	}
	return time.Microsecond
}

// HexList returns values, byte strings, as one JSON array of their
// hexadecimal text, for dialects that read a list of UUIDs (as bytes) with
// a JSON table function and unhex them; false when one is not a []byte.
func HexList(values []any) (any, bool) {
	b := make([]byte, 0, 35*len(values)+2)
	b = append(b, '[')
	for i, v := range values {
		x, ok := v.([]byte)
		if !ok {
			return nil, false
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = hex.AppendEncode(b, x)
		b = append(b, '"')
	}
	return string(append(b, ']')), true
}

// JSONList returns values as one JSON array, for dialects that read a list
// argument with a JSON table function, or false when one is not an
// integer, a finite float, a string or a bool.
func JSONList(values []any) (any, bool) {
	b := make([]byte, 0, 8*len(values))
	b = append(b, '[')
	for i, v := range values {
		if i > 0 {
			b = append(b, ',')
		}
		switch x := v.(type) {
		case int64:
			b = strconv.AppendInt(b, x, 10)
		case uint64:
			b = strconv.AppendUint(b, x, 10)
		case float64:
			if math.IsInf(x, 0) || math.IsNaN(x) {
				return nil, false
			}
			b = strconv.AppendFloat(b, x, 'g', -1, 64)
		case bool:
			b = strconv.AppendBool(b, x)
		case string:
			if !utf8.ValidString(x) {
				return nil, false
			}
			q, _ := json.Marshal(x)
			b = append(b, q...)
		default:
			return nil, false
		}
	}
	return string(append(b, ']')), true
}
