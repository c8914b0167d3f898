package orm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
	"github.com/unitofwork/orm/internal/uuid"
)

// Backend is a database backend, such as the *sql.Backend that
// dialect/sqlite, dialect/postgres and dialect/mysql open, or the
// *mongo.Backend of package mongo. Only this module implements it: the
// contract between the Unit of Work and a backend is internal.
type Backend interface {
	backend.Public
}

// DB holds the entity metadata, the backend and the options. It is safe for
// concurrent use; open one per database and share it. Work with entities
// through a [Session], one per goroutine or request.
type DB struct {
	backend backend.Backend
	public  Backend // what Open was given; Close closes it
	reg     *meta.Registry
	env     backend.Env
	logger  *slog.Logger
	hooks   []func(context.Context, QueryEvent)
	pending []any // entities given to Open, until the registry is built
	// clock is what createdAt and updatedAt stamps read, and precision
	// the backend's for times, which the stamps are truncated to.
	clock     func() time.Time
	precision time.Duration
	// uuids makes the UUIDv7 keys of new entities whose UUID key is zero,
	// increasing in the order they are made.
	uuids uuid.Generator
	// filters are the named filters of each entity type, by entity ID
	// (filters.go); filterNames every name any type has.
	filters        [][]namedFilter
	filterNames    map[string]bool
	pendingFilters []pendingFilter // given to Open, until the registry is built
	// replicas are the backends of WithReplicas (replicas.go), read from
	// in turn from nextReplica.
	replicas        []*replica
	pendingReplicas []Backend
	nextReplica     atomic.Uint64
}

// QueryEvent describes one statement sent to the database, BEGIN, COMMIT and
// ROLLBACK included.
type QueryEvent struct {
	Statement string
	Args      []any
	Rows      int64 // rows affected or returned
	Duration  time.Duration
	Err       error
	// Replica is the server that ran the statement: 0 for the primary
	// (the backend given to Open), n for the nth backend given to
	// [WithReplicas].
	Replica int
}

// Option configures a DB.
type Option func(*DB)

// Entities registers the entity types, each given as a pointer to a zero
// value: orm.Entities(&User{}, &Car{}).
func Entities(entities ...any) Option {
	return func(db *DB) { db.pending = append(db.pending, entities...) }
}

// WithLogger logs every statement at Debug level (text, argument count, rows,
// duration) and failed ones at Error level.
func WithLogger(l *slog.Logger) Option { return func(db *DB) { db.logger = l } }

// WithQueryHook calls fn after every statement sent, with what was sent and
// how it went. fn runs on the goroutine that sent the statement. Several
// WithQueryHook options compose: every hook is called, in the order given.
func WithQueryHook(fn func(ctx context.Context, e QueryEvent)) Option {
	return func(db *DB) {
		if fn != nil {
			db.hooks = append(db.hooks, fn)
		}
	}
}

// WithBatchSize caps the rows one INSERT, UPDATE or DELETE carries; larger
// batches are split. The default is no cap beyond the database's
// bind-parameter limit.
func WithBatchSize(n int) Option { return func(db *DB) { db.env.BatchSize = n } }

// WithClock sets the clock that createdAt and updatedAt stamps read, for
// tests that need known times; the default is time.Now. The time it
// returns is stamped in UTC, truncated to the database's precision.
func WithClock(now func() time.Time) Option { return func(db *DB) { db.clock = now } }

// Open returns a DB on backend b. It builds and validates the metadata of
// every registered entity and returns a *MetadataError naming the type and
// field of the first bad definition.
func Open(b Backend, opts ...Option) (*DB, error) {
	if b == nil {
		return nil, errors.New("orm: Open: nil backend")
	}
	db := &DB{backend: backend.Of(b), public: b}
	for _, o := range opts {
		o(db)
	}
	reg, err := meta.Build(db.pending, probe)
	db.pending = nil
	if c, ok := db.backend.(backend.EntityChecker); ok && err == nil {
		for _, m := range reg.List {
			if err = c.CheckEntity(m); err != nil {
				break
			}
		}
	}
	if err != nil {
		var me *meta.Error
		if errors.As(err, &me) {
			return nil, &MetadataError{Entity: me.Entity, Field: me.Field, Reason: me.Reason}
		}
		return nil, err
	}
	if db.env.BatchSize < 0 {
		return nil, fmt.Errorf("orm: WithBatchSize(%d): the size must be positive", db.env.BatchSize)
	}
	db.reg = reg
	pf := db.pendingFilters
	db.pendingFilters = nil
	if err := db.buildFilters(pf); err != nil {
		return nil, err
	}
	if db.clock == nil {
		db.clock = time.Now
	}
	db.precision = time.Microsecond
	if tp, ok := db.backend.(backend.TimePrecision); ok {
		db.precision = tp.TimePrecision()
	}
	if len(db.hooks) > 0 || db.logger != nil {
		db.env.Observe = db.observe
	}
	if err := db.openReplicas(); err != nil {
		return nil, err
	}
	return db, nil
}

func (db *DB) observe(ctx context.Context, stmt string, args []any, rows int64, d time.Duration, err error) {
	db.observeOn(0, ctx, stmt, args, rows, d, err)
}

// observeOn tells the hooks and the logger of a statement that replica
// (0: the primary) ran.
func (db *DB) observeOn(replica int, ctx context.Context, stmt string, args []any, rows int64, d time.Duration, err error) {
	if len(db.hooks) > 0 {
		e := QueryEvent{Statement: stmt, Args: args, Rows: rows, Duration: d, Err: err, Replica: replica}
		for _, hook := range db.hooks {
			hook(ctx, e)
		}
	}
	if db.logger != nil {
		if err != nil {
			db.logger.LogAttrs(ctx, slog.LevelError, "orm: statement failed", slog.String("sql", stmt),
				slog.Int("args", len(args)), slog.Duration("duration", d), slog.String("error", err.Error()))
		} else {
			db.logger.LogAttrs(ctx, slog.LevelDebug, "orm: statement", slog.String("sql", stmt),
				slog.Int("args", len(args)), slog.Int64("rows", rows), slog.Duration("duration", d))
		}
	}
}

// now is the time createdAt and updatedAt fields are stamped with: the
// clock's, in UTC, truncated to the precision the backend keeps times at,
// so that a stamp reads back as it was set.
func (db *DB) now() time.Time { return db.clock().UTC().Truncate(db.precision) }

// newUUID sets the UUID key f of the entity at p to a new UUIDv7, after
// every key the DB made before.
func (db *DB) newUUID(f *meta.Field, p unsafe.Pointer) { *(*[16]byte)(f.Addr(p)) = db.uuids.New() }

// Session returns a new, empty Session. It is cheap.
func (db *DB) Session() *Session {
	return &Session{db: db} // its cell is made with its first stamp
}

// CreateSchema creates the tables, primary keys, unique constraints and
// indexes of every registered entity, skipping those that exist.
func (db *DB) CreateSchema(ctx context.Context) error {
	return repanic(db.backend.CreateSchema(ctx, backend.Scope{Env: &db.env}, db.reg.List))
}

// DropSchema drops the tables of every registered entity that exist.
func (db *DB) DropSchema(ctx context.Context) error {
	return repanic(db.backend.DropSchema(ctx, backend.Scope{Env: &db.env}, db.reg.List))
}

// Close closes the backend, and the replicas of [WithReplicas].
func (db *DB) Close() error {
	err := db.public.Close()
	for _, r := range db.replicas {
		err = errors.Join(err, r.b.Close())
	}
	return err
}

// probe tells Ref and Collection fields apart for the metadata builder,
// and hands it their target's compiled copy (copyOf): a type loaded only
// through relations, never through a Repository, snapshots without
// reflection too.
func probe(t reflect.Type) (meta.RelKind, reflect.Type, func(dst, src unsafe.Pointer)) {
	if t.Kind() != reflect.Struct {
		return meta.RelNone, nil, nil
	}
	type copier interface {
		copyTarget() func(dst, src unsafe.Pointer)
	}
	switch v := reflect.Zero(t).Interface().(type) {
	case interface {
		refTarget() reflect.Type
		copier
	}:
		return meta.RelRef, v.refTarget(), v.copyTarget()
	case interface {
		collTarget() reflect.Type
		copier
	}:
		return meta.RelCollection, v.collTarget(), v.copyTarget()
	}
	return meta.RelNone, nil, nil
}

func notRegistered(t reflect.Type) string {
	return fmt.Sprintf("type %s is not a registered entity (register it with orm.Entities(&%s{}))", t, t.Name())
}

// entity returns the metadata of the struct type t, or an error naming it.
func (db *DB) entity(t reflect.Type) (*meta.Entity, error) {
	if e := db.reg.Lookup(t); e != nil {
		return e, nil
	}
	return nil, fmt.Errorf("orm: %s", notRegistered(t))
}
