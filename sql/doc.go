// Package sql is the SQL backend engine: it compiles the Unit of Work's
// queries and flush plans into statements, batches and chunks them under the
// database's bind-parameter limit, scans rows into entities through the
// metadata's field accessors, and runs everything on database/sql.
//
// What differs between databases is a [Dialect]: quoting, placeholders,
// column types, paging, error classification, and capabilities the engine
// asks about ([Returning], [UpdateFrom]) instead of checking a database's
// name. The dialect packages (dialect/sqlite, …) open a [Backend]; programs
// rarely use this package directly.
//
// # Statement shapes
//
// A flush sends, per entity type, one multi-row INSERT (RETURNING the
// generated keys where the database can), one UPDATE and one DELETE … WHERE
// key IN (…). The UPDATE writes only changed columns: up to 16 rows as
// CASE WHEN key = ? THEN ? … ELSE col END, more rows as
// UPDATE … FROM (VALUES …) joined by key where the dialect has [UpdateFrom],
// because CASE WHEN costs grow with the square of the rows. Two or more
// statements, or a versioned batch, run in one transaction (a savepoint
// inside a Session's transaction).
package sql
