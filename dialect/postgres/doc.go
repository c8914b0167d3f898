// Package postgres is the PostgreSQL dialect, on the pgx driver
// (github.com/jackc/pgx/v5) and its connection pool.
//
// # Opening
//
//	b, err := postgres.Open(ctx, "postgres://user@localhost:5432/app?sslmode=disable")
//	db, err := orm.Open(b, orm.Entities(&User{}))
//
// [FromPool] wraps a *pgxpool.Pool the program already has, [New] a
// *sql.DB opened with pgx's database/sql driver.
//
// Open and FromPool send statements through pgx directly, not through
// database/sql: measured on PostgreSQL 15 over loopback, a read by key took
// 91 µs natively against 109 µs through database/sql (raw pgx: 85 µs), and
// reading 100 rows 347 µs against 498 µs (raw pgx: 255 µs).
//
// # Types
//
//	Go                          column            notes
//	int8, int16, uint8          smallint
//	int32, uint16               integer
//	int, int64, uint32, uint64  bigint            uint64 above 2^63-1 is an error naming the field
//	float32 / float64           real / double     NaN, ±Inf and -0 round-trip
//	bool                        boolean
//	string                      text              a NUL byte or invalid UTF-8 is refused before anything is sent,
//	                                              naming the field (store such text as []byte)
//	[]byte                      bytea             nil is NULL, empty stays empty
//	time.Time                   timestamptz       microseconds; read back in time.UTC, whatever time.Local is
//	[16]byte array (a UUID)     uuid              any [16]byte type (github.com/google/uuid's too), bound as a
//	                                              [16]byte; a zero key is a UUIDv7, made by the Session
//	orm:"json"                  jsonb             compared by value, not by text; read as text, so numbers are exact
//	Ref[T]                      T's key type      a foreign key to T
//
// # Statements
//
// Parameters are $1, $2, …, cast to the column's type (PostgreSQL cannot
// infer the type of a parameter in a VALUES list or a CASE branch). A flush
// updates up to 16 rows of a type with UPDATE … SET col = CASE WHEN …, more
// with UPDATE … FROM unnest($1::bigint[], $2::text[], …), one array
// parameter per column whatever the number of rows (NULLs are NULL
// elements); a batch that writes a decimal or JSON column uses UPDATE …
// FROM (VALUES …) instead. An INSERT of more than 16 rows is INSERT …
// SELECT … FROM unnest($1::text[], …) WITH ORDINALITY ORDER BY the
// ordinality, RETURNING the generated keys: the rows go in in the order of
// the arrays, so the keys increase in that order and are handed out in it
// (at 1,000 rows 1.02 × pgx's multi-row INSERT, against 1.28 for a VALUES
// list); one that returns nothing (keys the program made) leaves out the
// ordinality and the sort. In lists of more than a few values are
// = ANY($n::type[]). One statement carries at most 65,535 parameters.
//
// A flush of several statements none of which needs an answer from an
// earlier one — no key for the database to generate (UUIDv7, explicit
// keys), no version to check, outside a transaction — is sent as one pgx
// batch in pipeline mode, BEGIN and COMMIT included: one round trip for
// the whole flush (a flush of 3 types × 10 inserts, 10 updates and 10
// deletes: 0.50 ms, against 1.27 ms for its 11 round trips). The query
// hook is told of every statement as before; a statement the server
// refuses stops the batch and rolls it back, and its error names the
// statement's table; a connection lost after the batch went out is an
// *orm.CommitUnknownError, since the COMMIT went with it. Other flushes
// send statement by statement. Inside a transaction every
// flush runs in a savepoint, because a failed statement spoils a PostgreSQL
// transaction. Serialization failures (40001), deadlocks (40P01) and locks
// not available (55P03: NOWAIT, lock_timeout) match orm.ErrRetryable; the
// last match orm.ErrLocked too.
//
// # Error classes
//
// What each SQLSTATE becomes (Dialect.Classify; TestErrorClasses holds the
// table to the code):
//
//	SQLSTATE  meaning                                   error
//	23505     unique_violation                          *orm.ConstraintError (Unique)
//	23503     foreign_key_violation                     *orm.ConstraintError (ForeignKey)
//	23502     not_null_violation                        *orm.ConstraintError (NotNull)
//	23514     check_violation                           *orm.ConstraintError (Check)
//	40001     serialization_failure                     orm.ErrRetryable
//	40P01     deadlock_detected                         orm.ErrRetryable
//	55P03     lock_not_available                        orm.ErrLocked, orm.ErrRetryable
//	25006     read_only_sql_transaction (also a standby) orm.ErrReadOnly
//	40003     statement_completion_unknown (CockroachDB) *orm.CommitUnknownError: never retried
//
// # Locks
//
// orm.ForUpdate is FOR UPDATE, orm.ForShare FOR SHARE, orm.SkipLocked
// SKIP LOCKED and orm.NoWait NOWAIT. A locking read that joins other tables
// (ordering through a Ref, which is a LEFT JOIN PostgreSQL refuses to lock
// the nullable side of) locks only the queried table's rows: FOR UPDATE OF
// "car". A NOWAIT read that meets a locked row fails with 55P03, which
// aborts the transaction like any failed statement: to go on after it, run
// the read in a nested Transaction (a savepoint).
//
// # Keys
//
// A generated key is an identity column (GENERATED BY DEFAULT AS IDENTITY),
// so explicit keys can be inserted too. The identity's sequence does not
// move for them, so a flush that inserts explicit keys sends, in its
// transaction, one statement per entity type that moves the sequence to the
// largest of them when it is not past it already (see
// [Dialect.AdvanceKey]); a flush inserting both inserts the explicit keys
// first. Entities whose only column is their key are inserted as
// INSERT INTO t (id) VALUES (DEFAULT), (DEFAULT) … RETURNING id.
package postgres
