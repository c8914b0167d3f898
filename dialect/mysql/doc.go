// Package mysql is the MySQL and MariaDB dialect, on the
// go-sql-driver/mysql driver. One package serves both: [Open] reads the
// server's version and uses INSERT … RETURNING on MariaDB 10.5 and later;
// elsewhere, or with [WithoutReturning], a multi-row INSERT's keys are the
// first key LastInsertId reports plus multiples of auto_increment_increment,
// read on the INSERT's connection and in its transaction just before it
// (one SELECT more per multi-row INSERT; none for a single row), so
// clusters that step keys by more than one get the keys the server gave,
// even after a Galera node leaves or joins and the step changes. The step
// read and the INSERT are two statements: a membership change between
// them, a window of one round trip, would still give wrong keys, which is
// why client-side keys are the recommendation for a cluster (SCALING.md).
// UUIDs are stored in MariaDB's UUID type from 10.7, else (or with
// [WithBinaryUUID]) in BINARY(16). For a cluster, UUIDv7 keys, which the
// Session makes, depend on no server state at all.
//
// # Opening
//
//	b, err := mysql.Open(ctx, "root@tcp(127.0.0.1:3306)/app")
//	db, err := orm.Open(b, orm.Entities(&User{}))
//
// Open sets clientFoundRows (UPDATE reports the rows it matched, which
// optimistic-lock checks count), parseTime, UTC times and utf8mb4. [New]
// wraps a *sql.DB the program opened, after checking those settings.
//
// # Types
//
//	Go                          column                  notes
//	int8 … int64                TINYINT … BIGINT
//	uint8 … uint64              … UNSIGNED              uint64 above 2^63-1 is refused, as on every backend
//	float32 / float64           DOUBLE                  exact, through both protocols (a FLOAT reads back
//	                                                    with 6 digits without arguments); NaN and ±Inf
//	                                                    are refused before anything is sent; -0 may read as 0
//	bool                        BOOLEAN
//	string                      LONGTEXT, VARCHAR(255)  VARCHAR for keys, unique and indexed fields;
//	                                                    invalid UTF-8 is refused before anything is
//	                                                    sent; a NUL byte is kept; comparisons are
//	                                                    exact (utf8mb4_bin)
//	[]byte                      LONGBLOB                nil is NULL, empty stays empty
//	time.Time                   DATETIME(6)             microseconds, stored and read in UTC; years 1 to 9999
//	[16]byte array (a UUID)     UUID, BINARY(16)        MariaDB 10.7 and later: UUID, bound as its text
//	                                                    (see WithBinaryUUID); MySQL and older MariaDB:
//	                                                    BINARY(16), bound as CAST(? AS BINARY); a zero
//	                                                    key is a UUIDv7, made by the Session
//	orm:"json"                  JSON
//	Ref[T]                      T's key type            a foreign key to T
//
// # Statements
//
// Identifiers are quoted with backticks (embedded backticks doubled);
// parameters are ?, sent as prepared-statement arguments. A flush updates up
// to 16 rows of a type with UPDATE … SET col = CASE WHEN …, more with
// UPDATE t JOIN (SELECT … UNION ALL SELECT …) AS v ON … SET …. An entity
// whose only column is its generated key is inserted as
// INSERT INTO t () VALUES (), (), ….
//
// # Locks
//
// orm.ForUpdate is FOR UPDATE; orm.ForShare is FOR SHARE on MySQL 8 and
// LOCK IN SHARE MODE on MariaDB; orm.SkipLocked is SKIP LOCKED (MariaDB
// 10.6 and later: on an older server a SkipLocked read is an error before
// anything is sent), orm.NoWait is NOWAIT. On MySQL, a locking read that
// joins other tables (ordering through a Ref) locks only the queried
// table's rows (FOR UPDATE OF t); MariaDB, which has no OF, locks the
// joined rows it reads too. A NOWAIT read that meets a locked row fails
// with 3572 on MySQL and with 1205 (lock wait timeout) on MariaDB; both
// match orm.ErrLocked. The failed read is undone alone: the transaction
// goes on, unless innodb_rollback_on_timeout is on (see below).
//
// # Errors
//
// What each error number becomes (Dialect.Classify; TestErrorClasses holds
// the table to the code):
//
//	number            meaning                                   error
//	1062, 1586        duplicate key                             *orm.ConstraintError (Unique)
//	1451, 1452, …     foreign key fails                         *orm.ConstraintError (ForeignKey)
//	1048, 1364        NULL or no default in a NOT NULL column   *orm.ConstraintError (NotNull)
//	3819, 4025        CHECK constraint violated                 *orm.ConstraintError (Check)
//	1213              deadlock (also a Galera certification)    orm.ErrRetryable
//	1205, 3572        lock wait timeout, NOWAIT                 orm.ErrLocked, orm.ErrRetryable
//	8002, 8005, 9007  TiDB write conflicts                      orm.ErrRetryable
//	1792              write in a READ ONLY transaction          orm.ErrReadOnly
//	1290              server running with --read-only           orm.ErrReadOnly
//
// Deadlocks (1213) and lock wait timeouts (1205) match orm.ErrRetryable;
// lock wait timeouts and NOWAIT failures (3572) match orm.ErrLocked too. A
// deadlock rolls the whole transaction back on the server (so does a lock
// wait timeout with innodb_rollback_on_timeout, and so do TiDB's write
// conflicts): nothing more is sent in it,
// not even ROLLBACK TO SAVEPOINT for a nested Transaction or a flush's
// savepoint, and every later statement and the COMMIT fail with the
// deadlock, so orm.Retry runs the whole transaction again. A
// [orm.ConstraintError] names what the server's message names: the key,
// foreign key or CHECK constraint, or the NOT NULL column, and the table
// where the message gives it.
package mysql
