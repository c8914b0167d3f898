// Package mongo is the MongoDB backend: the same entities, Session,
// filters and relations as the SQL dialects, on the official driver
// (go.mongodb.org/mongo-driver/v2). It is a module of its own, so SQL users
// never download the MongoDB driver.
//
// # Opening
//
//	b, err := mongo.Open(ctx, "mongodb://localhost:27017", "app")
//	db, err := orm.Open(b, orm.Entities(&User{}))
//
// [New] wraps a *mongo.Client the program already has.
//
// # Documents
//
// An entity type is a collection named like its SQL table. The primary key
// is _id (a composite key is an _id document of its parts); other fields
// are keys named like their columns. An integer key the database would
// generate is reserved in blocks from the orm_counters collection: one
// findOneAndUpdate per insert batch, reported to hooks as NEXTVAL, so the
// entity types of the SQL tests run unchanged. A batch of such entities
// inserted with explicit keys first raises the counter to the largest of
// them ($max, reported as SETVAL), so later generated keys never collide
// with them. A Ref holds the target's key;
// a one-to-many collection is a query on that key; a many-to-many relation
// is an array of target keys on the owning side, named like the field
// (Tags → "tags"). A UUID (any [16]byte array type) is BSON binary data of
// the UUID subtype, 4, and a zero UUID key is a UUIDv7 the Session makes
// (a zero bson.ObjectID key, a new ObjectID). Times are stored as BSON dates, in milliseconds, and read
// back in time.UTC. JSON fields are stored as their JSON text. Strings must
// be valid UTF-8, and on FerretDB floats must be finite numbers (it refuses
// infinities and drops the connection on NaN): a flush holding anything
// else is refused before anything is sent, naming the field and value.
//
// # Flush
//
// Per collection: one insertMany, one ordered bulk write of updateOne
// {$set: changed fields} (with the expected version in the filter and
// $inc of the version), one deleteMany {_id: {$in: …}}, and $addToSet /
// $pullAll on the owners' arrays for many-to-many changes. Hooks see each
// command with an SQL-like verb (SELECT, INSERT, UPDATE, DELETE) and the
// collection, so logs and statement-count tests read alike on every backend.
//
// # Transactions and what a failed flush leaves
//
// On a replica set or sharded cluster a flush of two or more commands runs
// in a transaction, and Session.Transaction works (without nesting: MongoDB
// has no savepoints). A standalone server and FerretDB have no transactions:
// there a flush is compensated. As it writes, it records how to undo each
// write — delete what it inserted, set updated fields back to their
// snapshot values (only on documents still marked with this flush's token,
// so another writer's later change is never undone), re-insert what it
// deleted (from the snapshot, or read just before deleting) and reverse
// array changes — and when a write fails it undoes the earlier ones in
// reverse order, leaving the Session retryable as on SQL. The guarantee is
// weaker than a transaction's: other clients can see the partial flush
// while it runs, and if an undo itself fails (the server went away) the
// error says so and the database may hold part of the flush. Keys reserved
// from orm_counters are not given back.
//
// # Filters
//
// Filters compile to query documents. A value always sits under an
// operator ($eq, $in, $gt, …), so data never becomes an operator; a value
// of the wrong type for its field is an error before anything is sent; $where
// is never emitted. Like becomes an anchored regular expression. Conditions
// through relations run one extra query per step. Raw takes an Extended
// JSON filter document and no arguments.
//
// # FerretDB
//
// The tests run against ORM_MONGO_URI when it is set, else against an
// embedded FerretDB 1.24 (the MongoDB wire protocol on SQLite) started by
// the test binary. go run ./internal/ferretdb -dir DIR serves the same one
// as a process of its own and prints its URI; the tests see from
// buildInfo that a server at ORM_MONGO_URI is FerretDB and leave out what
// it cannot do. FerretDB stalls on update commands of 100 statements or
// more, so on FerretDB (detected from buildInfo) the backend sends at
// most 99 per command.
package mongo
