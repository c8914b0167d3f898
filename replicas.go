package orm

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/unitofwork/orm/internal/backend"
)

// WithReplicas sends reads outside a transaction to the replicas, in
// turn, and everything else to the backend Open was given, the primary:
//
//	db, err := orm.Open(primary, orm.WithReplicas(r1, r2), orm.Entities(&User{}))
//
// What goes to the primary: Flush and every other write, Transaction and
// every read inside it (so locking reads too), [Session.Refresh], raw SQL
// (sql.Exec, sql.Select), reads with [Primary], and — read-your-writes —
// every read of a Session after it sent a write of its own: a Flush that
// had something to write (even one that failed), an UpdateWhere or
// DeleteWhere, an Upsert, raw SQL, a Transaction. Such a Session reads
// what it wrote, whatever the replicas' lag (Clear does not change that);
// a new Session (one per request) reads from the replicas again. A
// Session that never writes may read rows older than another Session's
// last commit, by the replicas' lag: pass [Primary] to the reads that
// must not.
//
// A replica that refuses a connection or fails with a connection-level
// error (not an answer of the database, such as a syntax error) is skipped
// for ten seconds, and the read runs on the next replica, or on the
// primary when none is left; a read that already handed rows to the
// Session fails instead, as it cannot be run twice. The replicas must be
// of the primary's dialect (a mix of Open and New backends is fine) and
// hold its schema; one metadata registry serves all. Close closes them
// with the primary. MongoDB routes its own reads with the readPreference
// of its connection string (readPreference=secondaryPreferred, say), so
// WithReplicas on a MongoDB backend is an error.
func WithReplicas(replicas ...Backend) Option {
	return func(db *DB) { db.pendingReplicas = append(db.pendingReplicas, replicas...) }
}

// Primary sends a read to the primary even where it would go to a replica
// ([WithReplicas]), with the loads its Populate makes: for a read that
// must see every commit. Without replicas it changes nothing.
func Primary() QueryOption { return func(o *queryOptions) { o.primary = true } }

// replicaDownFor is how long a replica that failed at the connection level
// is left out.
const replicaDownFor = 10 * time.Second

// replica is one backend of WithReplicas.
type replica struct {
	b    backend.Backend
	env  backend.Env  // the DB's, telling the query hook which replica ran
	down atomic.Int64 // skipped until then (Unix nanoseconds)
}

// openReplicas checks the backends given to WithReplicas and makes them
// the DB's replicas.
func (db *DB) openReplicas() error {
	if len(db.pendingReplicas) == 0 {
		return nil
	}
	kind := func(b backend.Backend) string {
		if k, ok := b.(interface{ Kind() string }); ok {
			return k.Kind()
		}
		return ""
	}
	want := kind(db.backend)
	if want == "mongodb" {
		return errors.New("orm: WithReplicas: MongoDB routes reads itself: set readPreference in the connection string (such as readPreference=secondaryPreferred)")
	}
	for i, p := range db.pendingReplicas {
		if p == nil {
			return fmt.Errorf("orm: WithReplicas: replica %d is nil", i+1)
		}
		b := backend.Of(p)
		if got := kind(b); got != want || want == "" {
			return fmt.Errorf("orm: WithReplicas: replica %d is a %s backend, the primary %s: replicas must be of the primary's dialect", i+1, orUnknown(got), orUnknown(want))
		}
		r := &replica{b: b, env: db.env}
		if db.env.Observe != nil {
			n := i + 1
			r.env.Observe = func(ctx context.Context, stmt string, args []any, rows int64, d time.Duration, err error) {
				db.observeOn(n, ctx, stmt, args, rows, d, err)
			}
		}
		db.replicas = append(db.replicas, r)
	}
	db.pendingReplicas = nil
	return nil
}

func orUnknown(kind string) string {
	if kind == "" {
		return "non-SQL"
	}
	return kind
}

// primaryKey marks a context whose reads go to the primary (Primary).
type primaryKey struct{}

// readOn returns ctx marked for the primary when o asks for it, and there
// are replicas to avoid.
func (s *Session) readOn(ctx context.Context, o *queryOptions) context.Context {
	if o.primary && len(s.db.replicas) > 0 {
		return context.WithValue(ctx, primaryKey{}, true)
	}
	return ctx
}

// replicated reports whether a read of the Session goes to a replica:
// there are some, and neither a transaction, a write of its own nor
// Primary sends it to the primary.
func (s *Session) replicated(ctx context.Context) bool {
	return len(s.db.replicas) > 0 && s.tx == nil && !s.wrote && ctx.Value(primaryKey{}) == nil
}

// read runs fn, a read, on a replica where the Session may read from one,
// else on the primary. fn reports through delivered whether it handed rows
// on, after which a failure cannot be sent elsewhere.
func (s *Session) read(ctx context.Context, fn func(b backend.Backend, sc backend.Scope, delivered *bool) error) error {
	db := s.db
	var delivered bool
	if !s.replicated(ctx) {
		return fn(db.backend, s.scope(), &delivered)
	}
	n := uint64(len(db.replicas))
	first := db.nextReplica.Add(1)
	for i := range n {
		r := db.replicas[(first+i)%n]
		now := time.Now().UnixNano()
		if r.down.Load() > now {
			continue
		}
		err := fn(r.b, backend.Scope{Env: &r.env}, &delivered)
		if err == nil || delivered || ctx.Err() != nil || !unreachable(r.b, err) {
			return err
		}
		r.down.Store(now + int64(replicaDownFor))
	}
	return fn(db.backend, s.scope(), &delivered)
}

// unreachable reports whether err, from a read on b, says the server
// could not be reached or the connection failed.
func unreachable(b backend.Backend, err error) bool {
	var hp *backend.HookPanic
	if errors.As(err, &hp) {
		return false
	}
	u, ok := b.(interface{ Unreachable(error) bool })
	return ok && u.Unreachable(err)
}
