package mongo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// Backend runs the Unit of Work on a MongoDB database. It is safe for
// concurrent use.
type Backend struct {
	handle
	e *engine
}

// handle makes a Backend an orm.Backend without exporting the contract.
type handle = backend.Handle

var (
	_ orm.Backend           = (*Backend)(nil)
	_ backend.TimePrecision = (*engine)(nil)
)

// engine implements the backend contract on a MongoDB database.
type engine struct {
	client *mongo.Client
	db     *mongo.Database
	owned  bool // Close disconnects the client
	txs    bool // the deployment supports transactions
	// maxUpdates caps the statements of one update command; 0 = no cap.
	// FerretDB (seen with 1.24.2) stalls on update commands of 100 or more
	// statements, so the backend sends at most 99 per command there.
	maxUpdates int
	// refuses is what a flush refuses before sending anything: invalid
	// UTF-8 (BSON strings), and on FerretDB NaN and infinities.
	refuses meta.Refuse
	// noDecimals is set on FerretDB, which has no Decimal128 (seen with
	// 1.24: it drops the connection on one).
	noDecimals bool
	checked    sync.Map
}

// Kind names the backend: orm.WithReplicas refuses MongoDB, which routes
// reads by the readPreference of its connection string.
func (b *engine) Kind() string { return "mongodb" }

// Open connects to the MongoDB deployment at uri and uses database. Close
// disconnects the client.
func Open(ctx context.Context, uri, database string) (*Backend, error) {
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		return nil, fmt.Errorf("orm: mongo: %w", err)
	}
	b, err := New(ctx, client, database)
	if err != nil {
		client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	b.e.owned = true
	return b, nil
}

// New returns a backend on a client the caller connected and disconnects.
func New(ctx context.Context, client *mongo.Client, database string) (*Backend, error) {
	var hello bson.M
	if err := client.Database("admin").RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&hello); err != nil {
		return nil, fmt.Errorf("orm: mongo: %w", err)
	}
	_, replica := hello["setName"]
	txs := replica || hello["msg"] == "isdbgrid"
	e := &engine{client: client, db: client.Database(database), txs: txs, refuses: meta.RefuseInvalidUTF8}
	var info bson.M
	if err := client.Database("admin").RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err == nil {
		if _, ferret := info["ferretdbVersion"]; ferret {
			e.maxUpdates = 99
			// FerretDB refuses infinities and drops the connection on NaN,
			// and on a Decimal128.
			e.refuses |= meta.RefuseNaN | meta.RefuseInf
			e.noDecimals = true
		}
	}
	return &Backend{handle: backend.NewHandle(e), e: e}, nil
}

// Transactions reports whether the deployment supports transactions
// (replica sets and sharded clusters). Without them a flush is compensated
// instead, and [orm.Session.Transaction] is refused; see the package
// documentation.
func (b *Backend) Transactions() bool { return b.e.txs }

// Database returns the database the backend uses.
func (b *Backend) Database() *mongo.Database { return b.e.db }

// Close disconnects the client if [Open] connected it.
func (b *Backend) Close() error { return b.e.Close() }

func (b *engine) Close() error {
	if b.owned {
		return b.client.Disconnect(context.Background())
	}
	return nil
}

// coll returns the collection of m, checking once that its field names are
// usable as document keys.
func (b *engine) coll(m *meta.Entity) (*mongo.Collection, error) {
	if _, ok := b.checked.Load(m); !ok {
		for _, f := range m.Fields {
			if !f.PK && (strings.HasPrefix(f.Column, "$") || strings.Contains(f.Column, ".")) {
				return nil, fmt.Errorf("orm: mongo: %s.%s: column %q cannot be a document key (no leading $, no dots)", m.Name, f.Name, f.Column)
			}
		}
		b.checked.Store(m, true)
	}
	return b.db.Collection(m.Table), nil
}

// key is the document key of field f.
func key(m *meta.Entity, f *meta.Field) string {
	if f.PK {
		if len(m.PK) == 1 {
			return "_id"
		}
		return "_id." + f.Column
	}
	return f.Column
}

// observe tells the DB's hook and logger of a command and returns err, or a
// *backend.HookPanic when the hook panicked.
func observe(ctx context.Context, env *backend.Env, stmt string, rows int64, start time.Time, err error) error {
	return backend.Observe(ctx, env, stmt, nil, rows, start, err)
}

func now(env *backend.Env) time.Time { return backend.Now(env) }

// isHookPanic reports whether observe's error is the hook's panic rather
// than the command's own error.
func isHookPanic(err error) bool {
	_, ok := err.(*backend.HookPanic)
	return ok
}

// classify turns a duplicate key error into an *orm.ConstraintError and a
// transient transaction error into orm.ErrRetryable.
func classify(table string, err error) error {
	if err == nil {
		return nil
	}
	// FerretDB reports a unique index violation on update as an internal
	// error carrying SQLite's message.
	if mongo.IsDuplicateKeyError(err) || strings.Contains(err.Error(), "UNIQUE constraint failed") {
		ce := &orm.ConstraintError{Kind: orm.Unique, Table: table, Err: err}
		msg := err.Error()
		if i := strings.Index(msg, "index: "); i >= 0 {
			ce.Constraint, _, _ = strings.Cut(msg[i+len("index: "):], " ")
		}
		return ce
	}
	var le mongo.LabeledError
	if errors.As(err, &le) && le.HasErrorLabel("TransientTransactionError") {
		return fmt.Errorf("%w: %w", orm.ErrRetryable, err)
	}
	return err
}
