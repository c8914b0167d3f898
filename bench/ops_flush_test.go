package bench

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/unitofwork/orm"
)

func init() { ops = append(ops, flushThree, insertClientKeys(100), insertClientKeys(1000)) }

// Note, Label and Event are three entity types with client-side (UUIDv7)
// keys, for the flush that touches three types.
type Note struct {
	ID   uuid.UUID
	Name string
	N    int64
}

// TableName names the notes table.
func (Note) TableName() string { return "notes" }

// Label is the second type of flush3types.
type Label struct {
	ID   uuid.UUID
	Name string
	N    int64
}

// TableName names the labels table.
func (Label) TableName() string { return "labels" }

// Event is the third type of flush3types.
type Event struct {
	ID   uuid.UUID
	Name string
	N    int64
}

// TableName names the events table.
func (Event) TableName() string { return "events" }

// flushThree is one flush touching three types: of each, 10 new rows (keys
// made by the client), 10 changed and 10 removed. The ORM flushes one
// long-lived Session; pgx-batch sends the same nine statements, in BEGIN …
// COMMIT, as one pgx batch (one round trip).
var flushThree = op{"flush3types", []impl{
	{"orm", func(b *testing.B, e *env) func() error {
		e.reset(b, 0)
		s := e.orm.Session()
		steps := []func() error{
			churn(s, func(i int) *Note { return &Note{Name: "note", N: int64(i)} }, func(x *Note) { x.N++ }),
			churn(s, func(i int) *Label { return &Label{Name: "label", N: int64(i)} }, func(x *Label) { x.N++ }),
			churn(s, func(i int) *Event { return &Event{Name: "event", N: int64(i)} }, func(x *Event) { x.N++ }),
		}
		if err := s.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		return func() error {
			for _, step := range steps {
				if err := step(); err != nil {
					return err
				}
			}
			return s.Flush(ctx)
		}
	}},
	{"pgx-batch", func(b *testing.B, e *env) func() error {
		if e.pool == nil {
			return nil
		}
		e.reset(b, 0)
		tables := []string{"notes", "labels", "events"}
		live := make([][][16]byte, len(tables))
		n := int64(0)
		var last uint64
		fresh := func(t int) ([][16]byte, []string, []int64) {
			ids, names, ns := counted(&last, 10), make([]string, 10), make([]int64, 10)
			for i := range ids {
				names[i], ns[i] = "row", n
			}
			live[t] = append(live[t], ids...)
			return ids, names, ns
		}
		insert := func(bt *pgx.Batch, t int) {
			ids, names, ns := fresh(t)
			bt.Queue(fmt.Sprintf(`INSERT INTO %q ("id", "name", "n") SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[])`, tables[t]), ids, names, ns)
		}
		seed := &pgx.Batch{}
		for t := range tables {
			insert(seed, t)
			insert(seed, t)
		}
		if err := e.pool.SendBatch(ctx, seed).Close(); err != nil {
			b.Fatal(err)
		}
		return func() error {
			n++
			bt := &pgx.Batch{}
			bt.Queue("BEGIN")
			for t, table := range tables {
				insert(bt, t)
				ns := make([]int64, 10)
				for i := range ns {
					ns[i] = n
				}
				bt.Queue(fmt.Sprintf(`UPDATE %q AS t SET "n" = v.n FROM unnest($1::uuid[], $2::bigint[]) AS v(id, n) WHERE t."id" = v.id`, table), live[t][10:20], ns)
				bt.Queue(fmt.Sprintf(`DELETE FROM %q WHERE "id" = ANY($1)`, table), live[t][:10])
				live[t] = live[t][10:]
			}
			bt.Queue("COMMIT")
			return e.pool.SendBatch(ctx, bt).Close()
		}
	}},
}}

// churn persists 20 entities made by mk in s (flushed by the caller), and
// returns a step that removes the oldest 10 of those it holds, changes the
// next 10 with bump, and persists 10 new ones.
func churn[T any](s *orm.Session, mk func(int) *T, bump func(*T)) func() error {
	var live []*T
	add := func() {
		for i := range 10 {
			x := mk(i)
			s.Persist(x)
			live = append(live, x)
		}
	}
	add()
	add()
	return func() error {
		for _, x := range live[:10] {
			if err := s.Remove(x); err != nil {
				return err
			}
		}
		for _, x := range live[10:20] {
			bump(x)
		}
		live = live[10:]
		add()
		return nil
	}
}

// insertClientKeys inserts n new Notes whose keys the client makes, so
// that no key comes back: the ORM flushes n Persists (the Session makes
// UUIDv7s); pgx sends one multi-row INSERT, one INSERT … SELECT FROM
// unnest (one array per column), or COPY, with keys from counted.
func insertClientKeys(n int) op {
	var last uint64
	fresh := func() ([][16]byte, []string, []int64) {
		ids, names, ns := counted(&last, n), make([]string, n), make([]int64, n)
		for i := range ids {
			names[i], ns[i] = "note", int64(i)
		}
		return ids, names, ns
	}
	return op{fmt.Sprintf("insertuuid%d", n), []impl{
		{"orm", func(b *testing.B, e *env) func() error {
			e.reset(b, 0)
			return func() error {
				s := e.orm.Session()
				for i := range n {
					s.Persist(&Note{Name: "note", N: int64(i)})
				}
				return s.Flush(ctx)
			}
		}},
		{"pgx", func(b *testing.B, e *env) func() error {
			if e.pool == nil {
				return nil
			}
			e.reset(b, 0)
			var sb strings.Builder
			sb.WriteString(`INSERT INTO "notes" ("id", "name", "n") VALUES `)
			for i := range n {
				if i > 0 {
					sb.WriteString(", ")
				}
				fmt.Fprintf(&sb, "($%d, $%d, $%d)", 3*i+1, 3*i+2, 3*i+3)
			}
			q := sb.String()
			return func() error {
				ids, names, ns := fresh()
				args := make([]any, 0, 3*n)
				for i := range ids {
					args = append(args, ids[i], names[i], ns[i])
				}
				_, err := e.pool.Exec(ctx, q, args...)
				return err
			}
		}},
		{"pgx-unnest", func(b *testing.B, e *env) func() error {
			if e.pool == nil {
				return nil
			}
			e.reset(b, 0)
			return func() error {
				ids, names, ns := fresh()
				_, err := e.pool.Exec(ctx, `INSERT INTO "notes" ("id", "name", "n") SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[])`, ids, names, ns)
				return err
			}
		}},
		{"pgx-copy", func(b *testing.B, e *env) func() error {
			if e.pool == nil {
				return nil
			}
			e.reset(b, 0)
			return func() error {
				ids, names, ns := fresh()
				rows := make([][]any, n)
				for i := range rows {
					rows[i] = []any{ids[i], names[i], ns[i]}
				}
				copied, err := e.pool.CopyFrom(ctx, pgx.Identifier{"notes"}, []string{"id", "name", "n"}, pgx.CopyFromRows(rows))
				return check(int(copied), n, err)
			}
		}},
	}}
}

// counted returns n new keys for the raw implementations, numbered on from
// *last in their last 8 bytes. They are [16]byte, which pgx binds as a
// binary uuid, as the ORM binds its keys (a uuid.UUID would go as text,
// through its Value method), and they come from a counter, not
// uuid.NewV7, which reads crypto/rand for each: the ORM makes UUIDv7s of
// its own, and pays for them.
func counted(last *uint64, n int) [][16]byte {
	ids := make([][16]byte, n)
	for i := range ids {
		*last++
		binary.BigEndian.PutUint64(ids[i][8:], *last)
	}
	return ids
}
