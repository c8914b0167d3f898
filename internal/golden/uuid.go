package golden

import (
	"context"

	"github.com/unitofwork/orm"
)

// UUID is a UUID type of the program's own: any [16]byte array type maps
// to the database's UUID column.
type UUID [16]byte

// Maker has a UUID key.
type Maker struct {
	ID   UUID
	Name string
}

// Gizmo has a UUID key, a nullable UUID, a Ref to a Maker (a UUID foreign
// key) and many-to-many resellers (a pivot of two UUID columns).
type Gizmo struct {
	ID        UUID
	Serial    *UUID `orm:"index"`
	Maker     orm.Ref[Maker]
	Resellers orm.Collection[Maker] `orm:"m2m"`
}

// uuidOf is the UUID whose last bytes are n, first byte 0x01.
func uuidOf(n int) UUID { return UUID{0: 0x01, 6: 0x70, 8: 0x80, 14: byte(n >> 8), 15: byte(n)} }

func gizmoRow(n int, serial *UUID) []any {
	id, maker := uuidOf(n), uuidOf(1000)
	var s any
	if serial != nil {
		s = serial[:]
	}
	return []any{id[:], s, maker[:]}
}

// uuidCases are the statements of UUID columns: an insert of keys the
// program set (generated keys are random), with a foreign key and pivot
// rows; filters on the key, a nullable UUID and a Ref, a long In list
// bound as one argument; updates by CASE and by a joined list of values.
func uuidCases() []test {
	long := make([]any, 101)
	for i := range long {
		long[i] = uuidOf(i)
	}
	serial := uuidOf(7)
	return []test{
		{name: "insert_uuid", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			m, r := &Maker{ID: uuidOf(1000), Name: "acme"}, &Maker{ID: uuidOf(1001), Name: "shop"}
			g := &Gizmo{ID: uuidOf(1), Serial: &serial, Maker: orm.RefTo(m)}
			g.Resellers.Add(r)
			return flush(ctx, db, g, &Gizmo{ID: uuidOf(2), Maker: orm.RefTo(m)})
		}},
		{name: "insert_uuid_arrays", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			// More rows than a VALUES list is used for, keys the program
			// made: nothing comes back, so no ordinality and no sort.
			ms := make([]any, 17)
			for i := range ms {
				ms[i] = &Maker{ID: uuidOf(i), Name: "m"}
			}
			return flush(ctx, db, ms...)
		}},
		{name: "select_uuid", run: find[Gizmo](orm.And(orm.Eq("ID", uuidOf(1)), orm.Eq("Serial", &serial), orm.In("Maker", uuidOf(1000), uuidOf(1001))), orm.OrderBy("ID"))},
		{name: "select_uuid_in_long", run: find[Gizmo](orm.Or(orm.In("ID", long...), orm.NotIn("Serial", long...)))},
		{name: "update_uuid_case", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			s, gs, err := loaded[Gizmo](ctx, db, f, gizmoRow(1, nil), gizmoRow(2, &serial))
			if err != nil {
				return err
			}
			gs[0].Serial, gs[1].Serial = &serial, nil
			return s.Flush(ctx)
		}},
		{name: "update_uuid_join", run: func(ctx context.Context, db *orm.DB, f *Fake) error {
			rows := make([][]any, 17)
			for i := range rows {
				rows[i] = gizmoRow(i+1, nil)
			}
			s, gs, err := loaded[Gizmo](ctx, db, f, rows...)
			if err != nil {
				return err
			}
			for i, g := range gs {
				s := uuidOf(100 + i)
				g.Serial = &s
			}
			return s.Flush(ctx)
		}},
	}
}
