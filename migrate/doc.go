// Package migrate evolves a live database to the schema the entities
// declare: it diffs the two, writes versioned up and down SQL files, applies
// them under a lock, and reports drift. It is a module of its own
// (github.com/unitofwork/orm/migrate), so that its dependency, Atlas
// (ariga.io/atlas), never reaches programs that do not import it.
//
// # Diff
//
// [Diff] builds the schema the entities declare in a scratch database with
// CreateSchema's own statements — a schema of its own on PostgreSQL, a
// database of its own on MySQL and MariaDB (the user needs the right to
// create one), an in-memory database for SQLite — and inspects it and the
// live one with the same Atlas driver, so that whatever a database
// normalizes (types, defaults, CHECK expressions) a schema CreateSchema made
// diffs empty, and so does one written by hand that the entities map (with
// TableName, column: and type: tags). Atlas plans each change and its
// reverse. Diff looks only at the tables the entities map (pivot tables
// included): it never drops a table; drop one with a file of your own.
//
// A column whose field is tagged orm:"renamedFrom:old" is renamed from old,
// where it would otherwise be dropped and added. A change that drops data —
// a column, or a type change, which may narrow — is Destructive, and
// [Plan.Write] refuses it unless given [AllowDestructive]. A column added
// NOT NULL to a table with rows needs a default (orm:"default:…") or a
// pointer type: the database has no value to give the old rows otherwise.
// On SQLite a change ALTER TABLE cannot make rebuilds the table (create,
// copy, drop, rename), with foreign keys off for the migration and checked
// before it commits, as SQLite's documentation asks.
//
// # Files, Up and Down
//
// [Plan.Write] writes <version>_<name>.up.sql and .down.sql
// (golang-migrate's layout; no down file when a change cannot be undone).
// [Up] applies the files not yet applied, in version order, and records
// version, name, checksum and time in the table orm_migrations; an applied
// file edited since is an error. Each file runs in one transaction on
// PostgreSQL and SQLite, whose DDL is transactional. MySQL and MariaDB
// commit each DDL statement on its own: a file that fails there leaves the
// statements before the failure applied and the file unrecorded, and the
// error names the statement; keep such files to one change each. Processes
// calling Up at once take turns on an advisory lock (pg_advisory_lock,
// GET_LOCK; SQLite's write lock, per file): the second finds nothing left
// to do. [Down] undoes the newest files with their down files; [Status]
// lists every file and every applied version.
//
// # Check
//
// [Check] is the guard for CI or startup: nil when the database matches the
// entities, else an error listing each difference. orm.Open never calls it.
//
// MongoDB has no schema to migrate: db.CreateSchema creates its collections
// and indexes, idempotently. Diff and Check refuse a non-SQL backend.
package migrate
