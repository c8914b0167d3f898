// Package sql is the SQL backend engine: it compiles the Unit of Work's
// queries and flush plans into statements, batches and chunks them under the
// database's bind-parameter limit, scans rows into entities through the
// metadata's field accessors, and runs everything on database/sql.
//
// What differs between databases is a [Dialect]: quoting, placeholders,
// column types, paging, error classification, and capabilities the engine
// asks about ([Returning], [UpdateFrom]) instead of checking a database's
// name. The dialect packages (dialect/sqlite, …) open a [Backend]; programs
// rarely use this package directly. Every dialect opens the same way,
// Open(ctx, dsn) returning (*sql.Backend, error): the context bounds the
// connection check Open makes; a dialect's own settings follow as
// options (mysql.WithoutReturning), and New wraps a *sql.DB the program
// opened itself.
//
// # Statement shapes
//
// A flush sends, per entity type, one multi-row INSERT (RETURNING the
// generated keys where the database can), one UPDATE and one DELETE … WHERE
// key IN (…). The UPDATE writes only changed columns: up to 16 rows as
// CASE WHEN key = ? THEN ? … ELSE col END, more rows as
// UPDATE … FROM (VALUES …) joined by key where the dialect has [UpdateFrom],
// because CASE WHEN costs grow with the square of the rows (MySQL and
// MariaDB join a UNION ALL of SELECTs instead, [UpdateJoin]; a dialect that
// binds arrays, an [ArrayDialect] such as PostgreSQL, joins
// unnest(array, …), one parameter per column, and inserts more than 16
// rows from such arrays too). Two or more statements, or a versioned
// statement of several rows, run in one transaction (a savepoint inside a
// Session's transaction); where the connection sends batches
// (sqlconn.BatchPool: PostgreSQL) and no statement needs an answer from
// an earlier one, the transaction and its statements go in one round
// trip (flush_pipeline.go).
//
// The text of a statement whose shape was seen before — an INSERT or
// upsert of the same entity, columns and rows, a read by key, by equal
// fields or of every row — comes from a cache on the backend (at most
// 1,024 texts and 4 MiB); only its arguments are collected again.
//
// # Raw SQL
//
// [Exec] and [Select] run SQL the ORM does not write — reports,
// aggregates, one-off maintenance — in an *orm.Session, next to its
// entities:
//
//	err := s.Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
//		n, err := sql.Exec(ctx, s, `UPDATE car SET for_sale = ? WHERE owner_id = ?`, false, id)
//		...
//		rows, err := sql.Select[total](ctx, s, `SELECT owner_id, COUNT(*) AS cars FROM car GROUP BY owner_id`)
//		...
//	})
//
// Inside [orm.Session.Transaction] they run in the Session's transaction,
// so they see what it flushed and roll back with it (and on an in-memory
// SQLite database, which has one connection, they no longer wait for the
// transaction's connection); outside one they run on the pool. Placeholders
// are written ? and become the dialect's own. The query hook and logger see
// them like every statement, and their errors are classified as the ORM's
// (*orm.ConstraintError, orm.ErrRetryable, orm.ErrReadOnly). They bypass
// the Unit of Work: the Session is not flushed before them, rows Select
// returns are not tracked, and managed entities are not brought up to date
// with what Exec changed. Select scans by column name, as sqlx does (a
// field's `db` tag, else the snake_case of its name), with one mapper
// cached for the package, or scans the one column into a T that is not a
// struct (sql.Select[int64] for a COUNT(*)).
//
// A read-only transaction ([orm.ReadOnly]) begins with BEGIN READ ONLY on
// PostgreSQL and START TRANSACTION READ ONLY on MySQL and MariaDB; SQLite
// has none, so it runs on a connection set to PRAGMA query_only for its
// duration (the dialect's ReadOnlySwitch). A write the database refuses in
// one matches orm.ErrReadOnly.
//
// # Layout
//
// The compile_*.go files build statements, as pure functions of a dialect
// and a query or plan batch: compile_select.go (with the read of the
// versions a stale flush finds) and compile_cond.go the reads,
// compile_insert.go, compile_update.go, compile_delete.go and
// compile_pivot.go the writes, compile_schema.go the DDL. flush.go cuts a
// plan into chunks under the bind-parameter limit and runs them, query.go
// runs reads and hydrates rows, schema.go runs the DDL, tx.go holds
// transactions and savepoints, backend.go the Backend, statement
// execution and error handling, raw.go raw SQL in a Session ([Exec],
// [Select]), dialect.go the [Dialect] and its optional interfaces. The
// compile functions are tested through the golden files of the dialect
// packages: what each dialect receives for every statement shape
// (dialect/postgres/testdata/postgres/update_car.sql, …), rewritten by
// go test -update.
package sql
