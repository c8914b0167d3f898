// Package backend is the contract between the Unit of Work core and the
// database backends: the core hands a backend a query to run or an ordered
// flush plan to execute atomically; the backend compiles them to its own
// language, runs them, and reads and writes entities only through the
// metadata's field accessors. The core never builds SQL; a backend never
// decides what changed.
package backend

import (
	"context"
	"time"
	"unsafe"

	"github.com/unitofwork/orm/internal/meta"
)

// Backend is implemented by every database backend.
type Backend interface {
	// Select runs q and calls each with every row, hydrated into a new
	// entity, and, for a query through a pivot (q.Via), the owner key the
	// row is linked to. An error from each stops the query and is returned.
	Select(ctx context.Context, s Scope, q *Query, each func(p unsafe.Pointer, link any) error) error
	// Count returns the number of rows q matches, ignoring its order and paging.
	Count(ctx context.Context, s Scope, q *Query) (int64, error)
	// Flush executes the plan's batches in order, atomically: all or nothing.
	Flush(ctx context.Context, s Scope, p *Plan) error
	// Begin starts a transaction, or a savepoint inside s.Tx when it is set.
	Begin(ctx context.Context, s Scope, opts TxOptions) (Tx, error)
	// CreateSchema creates the tables and indexes of the entities.
	CreateSchema(ctx context.Context, s Scope, es []*meta.Entity) error
	// DropSchema drops the tables of the entities.
	DropSchema(ctx context.Context, s Scope, es []*meta.Entity) error
	// Write runs a set-based write by filter, an UPDATE or a DELETE, and
	// returns the number of rows it wrote.
	Write(ctx context.Context, s Scope, w *Write) (int64, error)
	// Upsert inserts u's rows or, where a row with the same Conflict
	// values exists, updates it, atomically.
	Upsert(ctx context.Context, s Scope, u *Upsert) error
	// Close releases the backend's connections.
	Close() error
}

// Write is a set-based write of the rows of Entity that Where matches: an
// update of Set, or a delete when Set is empty.
type Write struct {
	Entity *meta.Entity
	Where  *Cond // nil matches every row
	Set    []Assign
	// Rows, when set, asks for the rows written: the backend calls it with
	// each, as a new entity, once the write has taken effect (before its
	// transaction commits, when it runs in one of its own). For an update
	// the entity holds the row as the write left it, every field read;
	// for a delete, only its key. The rows are exactly those written,
	// read in the write's transaction (RETURNING, or by reading their keys
	// first and writing those rows only).
	Rows func(p unsafe.Pointer) error
}

// Assign is one column an update writes: Field = Value, or Field = Field +
// Value when Add is set (a numeric field). Value is a driver value.
type Assign struct {
	Field *meta.Field
	Value any
	Add   bool
}

// Upsert is an insert-or-update of rows of one entity type.
type Upsert struct {
	Entity *meta.Entity
	// Rows are the entities written, their values read from them. A row
	// whose generated key (Entity.Auto) is zero is inserted without it.
	Rows []unsafe.Pointer
	// Conflict are the fields of the primary key or of a unique index
	// that identify an existing row; every row has them set, and no two
	// rows share their values.
	Conflict []*meta.Field
	// Update are the fields an existing row takes from its row in Rows;
	// its version, if the entity has one, is incremented too. A new row
	// gets every field, its version as the entity holds it.
	Update []*meta.Field
	// Each is called, once the write has taken effect, with every row as
	// the database now holds it (a new entity, every field read), and the
	// index in Rows of the row it was written from.
	Each func(i int, p unsafe.Pointer) error

	matcher *Matcher // built once: see Matcher
}

// EntityChecker is implemented by backends that cannot store every entity
// the metadata allows: CheckEntity returns a *meta.Error saying why m
// cannot be stored there, which Open reports.
type EntityChecker interface {
	CheckEntity(m *meta.Entity) error
}

// KeyGenerator is implemented by backends that make keys on the client,
// such as MongoDB's ObjectIDs: GenerateKey sets the empty key of a new
// entity and reports whether it did.
type KeyGenerator interface {
	GenerateKey(m *meta.Entity, p unsafe.Pointer) bool
}

// TimePrecision is implemented by backends that say the precision their
// database keeps times at: the core truncates the times it sets itself
// (createdAt and updatedAt stamps) to it, so that they read back as they
// were set. Without it, the core takes a microsecond.
type TimePrecision interface {
	TimePrecision() time.Duration
}

// Scope is the context of one backend call: the DB's settings and the
// transaction the Session is in, if any.
type Scope struct {
	Env *Env
	Tx  Tx
}

// SessionScope is set by package orm: for s, an *orm.Session, it returns
// the implementation of the Session's backend and the Scope a call on it
// runs in (with the Session's open transaction, inside Transaction), and
// marks the Session busy until done is called, so that a concurrent call
// fails with orm.ErrConcurrentUse. It is how package sql runs raw SQL in a
// Session.
var SessionScope func(s any) (impl Backend, sc Scope, done func(), err error)

// Env holds a DB's settings that backends need.
type Env struct {
	// Observe is told of every statement sent, BEGIN and COMMIT included.
	Observe func(ctx context.Context, stmt string, args []any, rows int64, d time.Duration, err error)
	// BatchSize caps the rows of one statement; 0 means no cap beyond the
	// database's bind-parameter limit.
	BatchSize int
}

// Tx is an open transaction or savepoint.
type Tx interface {
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// TxOptions are the options of a transaction.
type TxOptions struct {
	Isolation int // database/sql's IsolationLevel values; 0 = the default
	ReadOnly  bool
}

// Query describes a read of one entity type.
type Query struct {
	Entity *meta.Entity
	Where  *Cond // nil matches every row
	Order  []Order
	Limit  int // 0 = no limit
	Offset int
	// Via, when set, reads the entities linked through a many-to-many pivot
	// to any of Via.Owners.
	Via *Via
	// Split lets the backend run the query in parts, each over a part of
	// its one list (Where's OpIn values, or those of the OpIn that is
	// the first condition of an OpAnd Where, or Via.Owners), when the whole
	// list is more than its database takes in one statement: the core sets
	// it on its reads of entities by key (populate, cascades), which list
	// every key at once and have no Limit or Offset. Rows then arrive part
	// by part, each part in Order.
	Split bool
	// Lock, when its Mode is set, makes the read lock the rows it returns
	// until the transaction ends: the core sets it only inside one
	// (Scope.Tx is set), and never on a Split or Via read. A backend
	// without locking reads refuses it before sending anything.
	Lock Lock
}

// Lock is the row lock a locking read takes.
type Lock struct {
	Mode LockMode
	Wait LockWait
}

// LockMode is the kind of row lock a read takes.
type LockMode uint8

// The lock modes.
const (
	NoLock     LockMode = iota // a plain read
	LockUpdate                 // exclusive: SELECT … FOR UPDATE
	LockShare                  // shared: SELECT … FOR SHARE
)

// LockWait is what a locking read does about rows another transaction
// holds locked.
type LockWait uint8

// The wait policies.
const (
	Wait       LockWait = iota // wait until their locks are released
	SkipLocked                 // leave them out of the result
	NoWait                     // fail at once
)

// Parts returns q cut into queries over at most size entries of its list
// each, or nil when q is not Split or its list is no longer than size.
func (q *Query) Parts(size int) []*Query {
	if !q.Split || size < 1 {
		return nil
	}
	var list []any
	in := q.Where // the condition holding the list, when not Via
	if in != nil && in.Op == OpAnd && len(in.Conds) > 0 {
		in = in.Conds[0] // the list ANDed to the type's filters
	}
	switch {
	case q.Via != nil:
		list = q.Via.Owners
	case in != nil && in.Op == OpIn:
		list = in.Values
	}
	if len(list) <= size {
		return nil
	}
	parts := make([]*Query, 0, (len(list)+size-1)/size)
	for start := 0; start < len(list); start += size {
		end := min(start+size, len(list))
		part := *q
		part.Split = false
		if q.Via != nil {
			v := *q.Via
			v.Owners = v.Owners[start:end]
			if len(v.Ptrs) == len(q.Via.Owners) {
				v.Ptrs = v.Ptrs[start:end]
			}
			part.Via = &v
		} else {
			w := *in
			w.Values = w.Values[start:end]
			part.Where = &w
			if in != q.Where {
				and := *q.Where
				and.Conds = append([]*Cond{&w}, q.Where.Conds[1:]...)
				part.Where = &and
			}
		}
		parts = append(parts, &part)
	}
	return parts
}

// Via is a many-to-many read: the rows of Query.Entity whose key stands in
// Rel's pivot beside one of the Owners' keys.
type Via struct {
	Rel    *meta.Relation // Query.Entity is Rel.Target
	Owners []any          // owner keys, as driver values
	// Ptrs are the owner entities, in the order of Owners: where a backend
	// finds the Slots of their Rel collections.
	Ptrs []unsafe.Pointer
}

// Order is one ORDER BY term: Field of the entity Path leads to (through
// to-one relations), or of the queried entity when Path is empty.
type Order struct {
	Path  []*meta.Relation
	Field *meta.Field
	Desc  bool
}

// Op is a condition's operator.
//
// The core hands backends conditions whose meaning does not depend on how
// a database treats NULL in comparisons: the comparisons (OpEq to OpLte,
// OpIn, OpNotIn, OpLike) never match a NULL field (a backend whose native
// operator would, such as MongoDB's $ne, must exclude it), the core adds
// OpIsNull where a filter means to match NULL, their values are never nil,
// and OpNot is the exact complement of its condition: every row the
// condition does not match, those where it is NULL or unknown included.
// The core pushes negations down to the comparisons itself, so OpNot
// arrives over IsNull, Like, Raw and Path conditions only.
//
// OpLike's Value is a string pattern in the ORM's syntax: % any run of
// characters, _ exactly one, a backslash makes the next character literal
// (it never ends the pattern); matching is case-sensitive.
type Op uint8

// The condition operators.
const (
	OpEq Op = iota + 1
	OpNe
	OpGt
	OpGte
	OpLt
	OpLte
	OpIn
	OpNotIn
	OpLike
	OpIsNull
	OpAnd
	OpOr
	OpNot
	OpRaw
	// OpPath holds where the related entities of Rel match Conds[0]: the
	// target of a Ref matches, or any member of a Collection does.
	OpPath
)

// Cond is a resolved filter: field names checked against the metadata and
// values already converted to driver values.
type Cond struct {
	Op     Op
	Field  *meta.Field // comparisons
	Value  any         // comparisons
	Values []any       // OpIn, OpNotIn, OpRaw arguments
	Conds  []*Cond     // OpAnd, OpOr, OpNot
	Raw    string      // OpRaw, with ? placeholders
	Rel    *meta.Relation
}

// Kind is what a batch does.
type Kind uint8

// The batch kinds.
const (
	Insert Kind = iota + 1
	Update
	Delete
	PivotInsert // Rel's pivot rows for Links
	PivotDelete
	// PivotClear deletes every pivot row of Rel that names one of the Rows:
	// owners of Rel, or its targets when Target is set.
	PivotClear
)

// Plan is the ordered list of batches one flush sends.
type Plan struct {
	Batches []*Batch
	// Slots replaces collections' Slots during Flush; nil when there is no
	// Session to tell.
	Slots Slots
}

// Slots is how a backend's Flush replaces the Slot of a collection whose
// owner a batch names: the core journals the value replaced, so that a
// failed flush, or a transaction rolled back later, puts it back.
type Slots interface {
	Set(c *meta.CollData, v any)
}

// Add appends b to the plan.
func (p *Plan) Add(b *Batch) { p.Batches = append(p.Batches, b) }

// Batch is one operation on many rows of one entity type: one statement,
// unless the bind-parameter limit or the batch size splits it.
type Batch struct {
	Kind   Kind
	Entity *meta.Entity
	// Fields are the columns an Insert writes, or the union of the columns an
	// Update changes.
	Fields []*meta.Field
	Rows   []Row
	// Generated is set on an Insert whose keys the database generates: the
	// backend stores each row's new key into Entity.Auto.
	Generated bool
	// Defaults are the fields with a database default that an Insert
	// leaves out of its columns, every row holding them zero: the backend
	// stores the values the database gave them into the entities.
	Defaults []*meta.Field
	// Fixup marks an Update that writes only foreign keys, reading each
	// row's key from the entity itself (Row.Key = Row.Ptr): those an Insert
	// of the same flush left NULL to break a cycle, or that of an unmanaged
	// entity added to a one-to-many collection. It checks and bumps no
	// version.
	Fixup bool
	// Target is set on a PivotClear whose Rows are Rel's targets.
	Target bool
	// Rel and Links are the pivot rows of a PivotInsert or PivotDelete.
	// A PivotInsert skips a link that exists already.
	Rel   *meta.Relation
	Links []Link
}

// Link is one pivot row: an owner and a target entity, whose keys are read
// when the statement is built. Owner is the tracked entity itself, so its
// collections are at hand.
type Link struct {
	Owner, Target unsafe.Pointer
}

// Row is one entity of a batch.
type Row struct {
	Ptr unsafe.Pointer // the entity; values are read from it
	// Key is where the primary key and the expected version are read for
	// Update and Delete: the snapshot taken when the row was loaded.
	Key unsafe.Pointer
	// Changed marks, for an Update, which of the entity's fields changed,
	// by Field.Pos.
	Changed Mask
	// Null marks, for an Insert, the foreign keys written as NULL because a
	// Fixup Update sets them once their targets exist.
	Null Mask
}

// Mask is a set of field positions.
type Mask []uint64

// NewMask returns an empty set able to hold positions below n.
func NewMask(n int) Mask { return make(Mask, (n+63)/64) }

// Set adds position i.
func (m Mask) Set(i int) { m[i/64] |= 1 << (i % 64) }

// Has reports whether position i is in the set.
func (m Mask) Has(i int) bool { return m[i/64]&(1<<(i%64)) != 0 }

// Handle carries a backend's implementation of the contract inside its
// public type, which embeds it through an unexported alias
// (type handle = backend.Handle): the contract's methods stay out of the
// public type's method set and documentation, and only this module can
// implement or call them.
type Handle struct{ impl Backend }

// NewHandle returns the Handle of impl.
func NewHandle(impl Backend) Handle { return Handle{impl} }

func (h Handle) contract() Backend { return h.impl }

// Public is implemented by the public backend types of this module, those
// that embed a Handle.
type Public interface {
	Close() error
	contract() Backend
}

// Of returns the implementation behind a public backend.
func Of(p Public) Backend { return p.contract() }
