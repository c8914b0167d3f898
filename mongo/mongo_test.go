package mongo_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/mongo"
	"github.com/unitofwork/orm/mongo/internal/ferretserver"
	"github.com/unitofwork/orm/ormtest"
)

var (
	embedded    sync.Once
	embeddedURI string
	embeddedErr error
)

// serverURI returns ORM_MONGO_URI, or starts an embedded FerretDB (the
// MongoDB wire protocol on an SQLite store in a temporary directory) once
// for the test binary.
func serverURI(t testing.TB) string {
	if uri := os.Getenv("ORM_MONGO_URI"); uri != "" {
		return uri
	}
	embedded.Do(func() {
		dir, err := os.MkdirTemp("", "ferretdb")
		if err != nil {
			embeddedErr = err
			return
		}
		embeddedURI, _, embeddedErr = ferretserver.Start(context.Background(), dir) // until the binary exits
	})
	if embeddedErr != nil {
		t.Fatalf("starting the embedded FerretDB: %v", embeddedErr)
	}
	return embeddedURI
}

var (
	ferretOnce sync.Once
	ferret     bool
	ferretErr  error
)

// onFerretDB reports whether the tests' server is FerretDB: the embedded
// one, or one at ORM_MONGO_URI whose buildInfo says so (CI's race run
// serves FerretDB from a process of its own, mongo/internal/ferretdb).
func onFerretDB(t testing.TB) bool {
	if os.Getenv("ORM_MONGO_URI") == "" {
		return true
	}
	ferretOnce.Do(func() {
		var info bson.M
		ferretErr = open(t).(*mongo.Backend).Database().RunCommand(context.Background(), bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info)
		_, ferret = info["ferretdbVersion"]
	})
	if ferretErr != nil {
		t.Fatalf("buildInfo, to tell FerretDB from MongoDB: %v", ferretErr)
	}
	return ferret
}

// open uses a database of its own for one test and drops it afterwards.
func open(t testing.TB) orm.Backend {
	ctx := context.Background()
	var buf [6]byte
	rand.Read(buf[:])
	name := "orm_test_" + hex.EncodeToString(buf[:])
	b, err := mongo.Open(ctx, serverURI(t), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := b.Database().Drop(ctx); err != nil {
			t.Errorf("dropping database %s: %v", name, err)
		}
		b.Close()
	})
	return b
}

func TestConformance(t *testing.T) {
	b := open(t).(*mongo.Backend)
	// MongoDB has no locking reads (SELECT … FOR UPDATE).
	opts := []ormtest.Option{ormtest.Without(ormtest.SQL, ormtest.Savepoints, ormtest.Locks, ormtest.RowLocks), ormtest.TimePrecision(time.Millisecond)}
	if !b.Transactions() {
		opts = append(opts, ormtest.Without(ormtest.Transactions))
	}
	if onFerretDB(t) {
		opts = append(opts, ormtest.WriteBatch(99)) // FerretDB stalls on 100+ updates a command
		// FerretDB's duplicate key errors name no index, its $inc reads
		// and writes a document apart, losing concurrent increments, and it
		// has no Decimal128.
		opts = append(opts, ormtest.Without(ormtest.UniqueNames, ormtest.AtomicUpdates, ormtest.Decimals))
	}
	name := "mongodb"
	if onFerretDB(t) {
		name = "ferretdb"
	}
	t.Run(name, func(t *testing.T) { ormtest.Run(t, open, opts...) })
}

// TestWithReplicasRefused: MongoDB routes reads by its readPreference, so
// WithReplicas on it is an error that says so.
func TestWithReplicasRefused(t *testing.T) {
	b := open(t)
	_, err := orm.Open(b, orm.WithReplicas(open(t)))
	if err == nil || !strings.Contains(err.Error(), "readPreference") {
		t.Errorf("Open with replicas = %v; want an error pointing at readPreference", err)
	}
}
