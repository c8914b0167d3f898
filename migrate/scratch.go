package migrate

import (
	"context"
	"crypto/rand"
	stdsql "database/sql"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"strings"

	atlas "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"
	_ "modernc.org/sqlite" // the scratch database of a SQLite one
)

// scratch is how a dialect inspects a schema and builds the entities' one
// apart from the live one: a schema of its own on PostgreSQL, a database
// of its own on MySQL and MariaDB, an in-memory database for SQLite. Both
// are inspected by the same Atlas driver, so that what CreateSchema makes
// diffs empty against itself whatever the database normalizes.
type scratch interface {
	open(db *stdsql.DB) (atlas.Driver, error)
	current(ctx context.Context, db *stdsql.DB) (string, error)
	build(ctx context.Context, db *stdsql.DB, live *schema.Schema, ddl []string) (*schema.Schema, func(), error)
}

func scratchFor(dialect string) (scratch, error) {
	switch dialect {
	case "sqlite":
		return sqliteScratch{}, nil
	case "postgres":
		return pgScratch{}, nil
	case "mysql", "mariadb":
		return mysqlScratch{}, nil
	}
	return nil, fmt.Errorf("orm/migrate: no migrations for dialect %q", dialect)
}

// scratchName is a fresh name for a scratch schema or database.
func scratchName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "orm_scratch_" + hex.EncodeToString(b)
}

// run sends the statements on c.
func run(ctx context.Context, c *stdsql.Conn, stmts ...string) error {
	for _, st := range stmts {
		if _, err := c.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
	}
	return nil
}

type sqliteScratch struct{}

func (sqliteScratch) open(db *stdsql.DB) (atlas.Driver, error) { return sqlite.Open(db) }

func (sqliteScratch) current(context.Context, *stdsql.DB) (string, error) { return "main", nil }

func (s sqliteScratch) build(ctx context.Context, _ *stdsql.DB, _ *schema.Schema, ddl []string) (*schema.Schema, func(), error) {
	dev, err := stdsql.Open("sqlite", "file:"+scratchName()+"?mode=memory")
	if err != nil {
		return nil, nil, err
	}
	dev.SetMaxOpenConns(1)
	done := func() { _ = dev.Close() }
	c, err := dev.Conn(ctx)
	if err != nil {
		return nil, done, err
	}
	err = run(ctx, c, append([]string{"PRAGMA foreign_keys = ON"}, ddl...)...)
	_ = c.Close()
	if err != nil {
		return nil, done, err
	}
	drv, err := sqlite.Open(dev)
	if err != nil {
		return nil, done, err
	}
	want, err := drv.InspectSchema(ctx, "main", nil)
	return want, done, err
}

type pgScratch struct{}

func (pgScratch) open(db *stdsql.DB) (atlas.Driver, error) { return postgres.Open(db) }

func (pgScratch) current(ctx context.Context, db *stdsql.DB) (name string, err error) {
	err = db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&name)
	return name, err
}

func (p pgScratch) build(ctx context.Context, db *stdsql.DB, _ *schema.Schema, ddl []string) (*schema.Schema, func(), error) {
	name := scratchName()
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
		return nil, nil, err
	}
	done := func() { _, _ = db.ExecContext(context.WithoutCancel(ctx), "DROP SCHEMA "+name+" CASCADE") }
	want, err := buildIn(ctx, db, p, name, "SET search_path TO "+name, "RESET search_path", ddl)
	return want, done, err
}

// buildIn runs the statements on one connection of db, moved into the
// scratch schema or database name by enter and back by leave, and inspects
// what they made.
func buildIn(ctx context.Context, db *stdsql.DB, s scratch, name, enter, leave string, ddl []string) (*schema.Schema, error) {
	c, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	err = run(ctx, c, append([]string{enter}, ddl...)...)
	if lerr := run(context.WithoutCancel(ctx), c, leave); lerr != nil {
		_ = c.Raw(func(any) error { return driver.ErrBadConn }) // keep the connection out of the pool
	}
	_ = c.Close()
	if err != nil {
		return nil, err
	}
	drv, err := s.open(db)
	if err != nil {
		return nil, err
	}
	return drv.InspectSchema(ctx, name, nil)
}

type mysqlScratch struct{}

func (mysqlScratch) open(db *stdsql.DB) (atlas.Driver, error) { return mysql.Open(db) }

func (mysqlScratch) current(ctx context.Context, db *stdsql.DB) (name string, err error) {
	err = db.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&name)
	if err == nil && name == "" {
		err = fmt.Errorf("no database is selected: name one in the DSN")
	}
	return name, err
}

func (m mysqlScratch) build(ctx context.Context, db *stdsql.DB, live *schema.Schema, ddl []string) (*schema.Schema, func(), error) {
	var charset, collation string
	err := db.QueryRowContext(ctx, "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", live.Name).Scan(&charset, &collation)
	if err != nil {
		return nil, nil, err
	}
	name := scratchName()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET "+charset+" COLLATE "+collation); err != nil {
		return nil, nil, err
	}
	done := func() { _, _ = db.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE "+name) }
	want, err := buildIn(ctx, db, m, name, "USE "+name, "USE `"+strings.ReplaceAll(live.Name, "`", "``")+"`", ddl)
	return want, done, err
}
