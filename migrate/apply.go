package migrate

import (
	"context"
	stdsql "database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"time"

	atlas "ariga.io/atlas/sql/migrate"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/sql"
)

// table records the migrations applied.
const table = "orm_migrations"

// State is one migration as Status sees it.
type State struct {
	Version   int64
	Name      string
	Applied   bool
	AppliedAt time.Time // when Applied
	Modified  bool      // applied, and its up file changed since
	Missing   bool      // applied, and no file has it any more
}

// applied is a row of orm_migrations.
type applied struct {
	version  int64
	name     string
	checksum string
	at       time.Time
}

// Up applies the migrations of fsys (the files Plan.Write writes, in the
// root of fsys) that the database has not applied, in version order, and
// returns their names. Each file runs in a transaction where the database
// has transactional DDL (PostgreSQL, SQLite); MySQL and MariaDB commit each
// DDL statement on its own, so a file that fails there leaves the
// statements before the failure applied and the file not recorded. Each
// file applied is recorded in orm_migrations with its checksum; an applied
// file edited since is an error, and nothing is applied. Processes calling
// Up at once take turns: an advisory lock (pg_advisory_lock, GET_LOCK) or
// SQLite's write lock, and the one that comes second finds nothing to do.
//
// On MongoDB Up applies no files: it creates the collections and indexes
// the entities declare that the database lacks (db.CreateSchema, which is
// idempotent) and returns them, as `index "idx_book_author_id" on
// collection "book"`.
func Up(ctx context.Context, db *orm.DB, migrations fs.FS) ([]string, error) {
	if missing, ok, err := missingSchema(ctx, db); ok || err != nil {
		if err == nil && len(missing) > 0 {
			err = db.CreateSchema(ctx)
		}
		if err != nil {
			return nil, err
		}
		return missing, nil
	}
	list, err := files(migrations)
	if err != nil {
		return nil, err
	}
	var done []string
	err = withLock(ctx, db, migrations, func(a *applier) error {
		for _, f := range list {
			ok, err := a.apply(ctx, f, list)
			if err != nil {
				return err
			}
			if ok {
				done = append(done, f.String())
			}
		}
		return nil
	})
	return done, err
}

// Down undoes the last steps migrations applied, newest first, with their
// down files, and forgets them.
func Down(ctx context.Context, db *orm.DB, migrations fs.FS, steps int) error {
	if steps < 1 {
		return fmt.Errorf("orm/migrate: Down takes at least one step, not %d", steps)
	}
	list, err := files(migrations)
	if err != nil {
		return err
	}
	return withLock(ctx, db, migrations, func(a *applier) error {
		rows, err := a.applied(ctx, a.c)
		if err != nil {
			return err
		}
		if err := verify(rows, list); err != nil {
			return err
		}
		if steps > len(rows) {
			return fmt.Errorf("orm/migrate: Down(%d): only %d migrations are applied", steps, len(rows))
		}
		for _, r := range slices.Backward(rows[len(rows)-steps:]) {
			i := slices.IndexFunc(list, func(f *file) bool { return f.version == r.version })
			if err := a.undo(ctx, list[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// Status returns every migration of fsys and every one the database has
// applied, in version order.
func Status(ctx context.Context, db *orm.DB, migrations fs.FS) ([]State, error) {
	a, err := newApplier(ctx, db, migrations)
	if err != nil {
		return nil, err
	}
	defer a.c.Close()
	list, err := files(migrations)
	if err != nil {
		return nil, err
	}
	var rows []applied
	if exists, err := a.exists(ctx); err != nil {
		return nil, err
	} else if exists {
		if rows, err = a.applied(ctx, a.c); err != nil {
			return nil, err
		}
	}
	byVersion := map[int64]applied{}
	for _, r := range rows {
		byVersion[r.version] = r
	}
	var out []State
	for _, f := range list {
		st := State{Version: f.version, Name: f.name}
		if r, ok := byVersion[f.version]; ok {
			st.Applied, st.AppliedAt, st.Modified = true, r.at, r.checksum != f.checksum
			delete(byVersion, f.version)
		}
		out = append(out, st)
	}
	for _, r := range byVersion {
		out = append(out, State{Version: r.version, Name: r.name, Applied: true, AppliedAt: r.at, Missing: true})
	}
	slices.SortFunc(out, func(a, b State) int { return int(min(max(a.Version-b.Version, -1), 1)) })
	return out, nil
}

// verify refuses applied migrations whose file is gone or was edited.
func verify(rows []applied, list []*file) error {
	for _, r := range rows {
		i := slices.IndexFunc(list, func(f *file) bool { return f.version == r.version })
		switch {
		case i < 0:
			return fmt.Errorf("orm/migrate: migration %d_%s is applied, and no file has it", r.version, r.name)
		case list[i].checksum != r.checksum:
			return fmt.Errorf("orm/migrate: %s was edited after it was applied (checksum %s, applied %s): write a new migration instead", list[i].up, list[i].checksum[:12], r.checksum[:12])
		}
	}
	return nil
}

// applier runs migrations on one connection of the database.
type applier struct {
	c    *stdsql.Conn
	kind string
	fsys fs.FS
}

func newApplier(ctx context.Context, db *orm.DB, migrations fs.FS) (*applier, error) {
	public, _, _, err := backend.DBParts(db)
	if err != nil {
		return nil, err
	}
	b, ok := public.(*sql.Backend)
	if !ok {
		return nil, fmt.Errorf("orm/migrate: %T is not a SQL backend: MongoDB has no migration files (Up creates its collections and indexes)", public)
	}
	c, err := b.DB().Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("orm/migrate: %w", err)
	}
	return &applier{c: c, kind: b.Dialect().Name(), fsys: migrations}, nil
}

// withLock runs fn holding the migrations lock, with orm_migrations created.
func withLock(ctx context.Context, db *orm.DB, migrations fs.FS, fn func(*applier) error) (err error) {
	a, err := newApplier(ctx, db, migrations)
	if err != nil {
		return err
	}
	defer a.c.Close()
	unlock, err := a.lock(ctx)
	if err != nil {
		return fmt.Errorf("orm/migrate: taking the migrations lock: %w", err)
	}
	defer func() {
		if uerr := unlock(); uerr != nil {
			_ = a.c.Raw(func(any) error { return driver.ErrBadConn }) // a connection that may hold the lock is closed
			err = errors.Join(err, uerr)
		}
	}()
	if _, err := a.c.ExecContext(ctx, a.createTable()); err != nil {
		return fmt.Errorf("orm/migrate: creating %s: %w", table, err)
	}
	return fn(a)
}

// lock takes the advisory lock (PostgreSQL, MySQL, MariaDB), for as long
// as the connection holds it; SQLite's write lock, taken per file, does the
// same there.
func (a *applier) lock(ctx context.Context) (func() error, error) {
	bg := context.WithoutCancel(ctx)
	switch a.kind {
	case "postgres":
		if _, err := a.c.ExecContext(ctx, "SELECT pg_advisory_lock(hashtext(current_schema() || '.orm_migrations'))"); err != nil {
			return nil, err
		}
		return func() error {
			_, err := a.c.ExecContext(bg, "SELECT pg_advisory_unlock(hashtext(current_schema() || '.orm_migrations'))")
			return err
		}, nil
	case "mysql", "mariadb":
		var got stdsql.NullInt64
		if err := a.c.QueryRowContext(ctx, "SELECT GET_LOCK(CONCAT('orm_migrations.', DATABASE()), 600)").Scan(&got); err != nil {
			return nil, err
		}
		if got.Int64 != 1 {
			return nil, errors.New("GET_LOCK timed out after 10 minutes")
		}
		return func() error {
			_, err := a.c.ExecContext(bg, "SELECT RELEASE_LOCK(CONCAT('orm_migrations.', DATABASE()))")
			return err
		}, nil
	}
	return func() error { return nil }, nil
}

func (a *applier) createTable() string {
	return "CREATE TABLE IF NOT EXISTS " + table + " (version BIGINT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, checksum VARCHAR(64) NOT NULL, applied_at VARCHAR(40) NOT NULL)"
}

// exists reports whether orm_migrations exists.
func (a *applier) exists(ctx context.Context) (bool, error) {
	q := map[string]string{
		"sqlite":   "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'orm_migrations'",
		"postgres": "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'orm_migrations'",
	}[a.kind]
	if q == "" {
		q = "SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orm_migrations'"
	}
	var n int
	err := a.c.QueryRowContext(ctx, q).Scan(&n)
	return n > 0, err
}

// runner is a connection or a transaction on it.
type runner interface {
	ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error)
}

// applied reads orm_migrations in version order.
func (a *applier) applied(ctx context.Context, r runner) ([]applied, error) {
	rows, err := r.QueryContext(ctx, "SELECT version, name, checksum, applied_at FROM "+table+" ORDER BY version")
	if err != nil {
		return nil, fmt.Errorf("orm/migrate: reading %s: %w", table, err)
	}
	defer rows.Close()
	var out []applied
	for rows.Next() {
		var r applied
		var at string
		if err := rows.Scan(&r.version, &r.name, &r.checksum, &at); err != nil {
			return nil, fmt.Errorf("orm/migrate: reading %s: %w", table, err)
		}
		r.at, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// transactional reports whether the database runs DDL in transactions.
func (a *applier) transactional() bool { return a.kind == "postgres" || a.kind == "sqlite" }

// apply applies f unless the database has, in a transaction where DDL has
// them; it checks every applied migration against fs first.
func (a *applier) apply(ctx context.Context, f *file, list []*file) (bool, error) {
	body, err := a.read(f.up)
	if err != nil {
		return false, err
	}
	ok := false
	err = a.step(ctx, func(r runner) error {
		rows, err := a.applied(ctx, r)
		if err != nil {
			return err
		}
		if err := verify(rows, list); err != nil {
			return err
		}
		if slices.ContainsFunc(rows, func(x applied) bool { return x.version == f.version }) {
			return nil
		}
		if err := a.exec(ctx, r, f.up, body); err != nil {
			return err
		}
		at := time.Now().UTC().Format(time.RFC3339Nano)
		if _, err := r.ExecContext(ctx, "INSERT INTO "+table+" (version, name, checksum, applied_at) VALUES ("+strconv.FormatInt(f.version, 10)+", '"+f.name+"', '"+f.checksum+"', '"+at+"')"); err != nil {
			return fmt.Errorf("orm/migrate: recording %s: %w", f, err)
		}
		ok = true
		return nil
	})
	return ok, err
}

// undo runs f's down file and forgets f.
func (a *applier) undo(ctx context.Context, f *file) error {
	if f.down == "" {
		return fmt.Errorf("orm/migrate: %s has no down file: it cannot be undone", f)
	}
	body, err := a.read(f.down)
	if err != nil {
		return err
	}
	return a.step(ctx, func(r runner) error {
		if err := a.exec(ctx, r, f.down, body); err != nil {
			return err
		}
		if _, err := r.ExecContext(ctx, "DELETE FROM "+table+" WHERE version = "+strconv.FormatInt(f.version, 10)); err != nil {
			return fmt.Errorf("orm/migrate: forgetting %s: %w", f, err)
		}
		return nil
	})
}

// step runs fn in a transaction where the database has transactional DDL
// (SQLite's taking the write lock at once), else on the connection.
func (a *applier) step(ctx context.Context, fn func(runner) error) error {
	if !a.transactional() {
		return fn(a.c)
	}
	begin := "BEGIN"
	if a.kind == "sqlite" {
		begin = "BEGIN IMMEDIATE"
		restore, err := a.foreignKeysOff(ctx)
		if err != nil {
			return err
		}
		defer restore()
		inner := fn
		fn = func(r runner) error {
			if err := inner(r); err != nil {
				return err
			}
			return a.foreignKeyCheck(ctx)
		}
	}
	if _, err := a.c.ExecContext(ctx, begin); err != nil {
		return fmt.Errorf("orm/migrate: %s: %w", begin, err)
	}
	if err := fn(a.c); err != nil {
		if _, rerr := a.c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil {
			_ = a.c.Raw(func(any) error { return driver.ErrBadConn })
			return errors.Join(err, rerr)
		}
		return err
	}
	if _, err := a.c.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("orm/migrate: COMMIT: %w", err)
	}
	return nil
}

// exec runs the statements of a migration file.
func (a *applier) exec(ctx context.Context, r runner, name, body string) error {
	stmts, err := atlas.Stmts(body)
	if err != nil {
		return fmt.Errorf("orm/migrate: %s: %w", name, err)
	}
	for _, st := range stmts {
		if _, err := r.ExecContext(ctx, st.Text); err != nil {
			return fmt.Errorf("orm/migrate: %s: %s: %w", name, st.Text, err)
		}
	}
	return nil
}

func (a *applier) read(name string) (string, error) {
	b, err := fs.ReadFile(a.fsys, name)
	if err != nil {
		return "", fmt.Errorf("orm/migrate: %w", err)
	}
	return string(b), nil
}

// foreignKeysOff turns SQLite's foreign keys off for a migration, as its
// procedure for changing a table asks (a table rebuilt is dropped with rows
// still pointing at it; PRAGMA foreign_keys does nothing inside a
// transaction), and returns what turns them back on.
func (a *applier) foreignKeysOff(ctx context.Context) (func(), error) {
	var on bool
	if err := a.c.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&on); err != nil {
		return nil, fmt.Errorf("orm/migrate: %w", err)
	}
	if !on {
		return func() {}, nil
	}
	if _, err := a.c.ExecContext(ctx, "PRAGMA foreign_keys = off"); err != nil {
		return nil, fmt.Errorf("orm/migrate: %w", err)
	}
	return func() {
		if _, err := a.c.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = on"); err != nil {
			_ = a.c.Raw(func(any) error { return driver.ErrBadConn })
		}
	}, nil
}

// foreignKeyCheck fails a SQLite migration that leaves a row pointing at
// no row, before it commits.
func (a *applier) foreignKeyCheck(ctx context.Context) error {
	rows, err := a.c.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return fmt.Errorf("orm/migrate: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		var table string
		var rowid stdsql.NullInt64
		var parent string
		var fkid int
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return fmt.Errorf("orm/migrate: %w", err)
		}
		return fmt.Errorf("orm/migrate: the migration leaves row %d of %s pointing at no row of %s", rowid.Int64, table, parent)
	}
	return rows.Err()
}
