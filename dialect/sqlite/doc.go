// Package sqlite is the embedded SQLite dialect, on the pure-Go
// modernc.org/sqlite driver (no cgo).
//
// # Opening
//
// [Open] takes a file path, or ":memory:" for a private in-memory database:
//
//	b, err := sqlite.Open(ctx, filepath.Join(dir, "app.db"))
//	db, err := orm.Open(b, orm.Entities(&User{}))
//
// # Types
//
// Integers are stored as INTEGER, floats as REAL, bools as BOOLEAN (0 or 1),
// strings and JSON fields as TEXT, []byte and UUIDs (any [16]byte array
// type; a zero key is a UUIDv7 the Session makes) as BLOB, the UUID's 16
// bytes, which sort as UUIDs do, and time.Time as DATETIME
// text in UTC with nanoseconds ("2006-01-02 15:04:05.999999999+00:00"),
// which sorts and compares in time order. A time read back is in time.UTC.
// Integers are 64-bit signed (a uint64 above 2^63-1 is refused, as on every
// backend). NaN is refused before anything is sent (SQLite would store
// NULL); ±Inf round-trip; -0 reads back as 0. Strings are stored byte for
// byte, NUL bytes and invalid UTF-8 included. An empty []byte stays empty,
// nil is NULL.
//
// Double-quoted names are identifiers only: a mapped column missing from an
// existing table is an error naming it, never read as a string literal.
//
// # Keys and batches
//
// A database-generated key is an INTEGER PRIMARY KEY (the rowid). Multi-row
// INSERTs return generated keys with RETURNING. One statement carries at
// most 32,766 bind parameters; larger batches are split.
//
// # Read-only transactions
//
// SQLite has no read-only transactions: given database/sql's ReadOnly
// option, the driver just begins a deferred transaction, in which writes
// succeed. So a transaction begun with orm.ReadOnly runs on a connection
// of its own that PRAGMA query_only = 1 makes refuse writes before the
// BEGIN, and PRAGMA query_only = 0 puts back once it ends, whether it
// commits, rolls back or its context ends (a connection that cannot be put
// back is closed, not reused). A write in it fails with SQLITE_READONLY,
// which matches orm.ErrReadOnly. The query hook sees the pair as BEGIN
// READ ONLY. Being deferred, a read-only transaction takes no write lock,
// so on a file database in WAL mode it runs beside a writer.
//
// # Locks
//
// SQLite has no row locks: a transaction that writes holds the whole
// database's write lock until it ends, and readers never wait (WAL). So a
// locking read (orm.ForUpdate, orm.ForShare) holds the write lock: the
// transactions of a backend from [Open] take it at BEGIN (BEGIN IMMEDIATE),
// so the read sends nothing more; on a backend from [New] whose DSN leaves
// transactions deferred, a transaction's first locking read first sends
// DELETE FROM "t" WHERE 0, which deletes nothing but takes the lock. Either
// way, no other transaction writes (or takes a lock) until this one ends:
// two Sessions cannot both read a row for update and then write it.
// orm.SkipLocked skips nothing, as no other transaction holds a lock once
// this one has the database's: the same job-queue code runs on SQLite, one
// transaction at a time. orm.NoWait does not fail at once: the wait for the
// write lock is the busy timeout's (10 s with Open), then the error is
// SQLITE_BUSY, which matches orm.ErrRetryable but not orm.ErrLocked.
package sqlite
