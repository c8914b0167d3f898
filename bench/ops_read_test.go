package bench

import (
	"fmt"
	"testing"

	"github.com/unitofwork/orm"
)

// seedParents stores 100 parents with 10 children each.
func seedParents(b *testing.B, e *env) {
	e.reset(b, 0)
	s := e.orm.Session()
	for range 100 {
		p := &Parent{Name: "parent"}
		s.Persist(p)
		for range 10 {
			s.Persist(&Child{Title: "child", Parent: orm.RefTo(p)})
		}
	}
	if err := s.Flush(ctx); err != nil {
		b.Fatal(err)
	}
}

// populate reads 100 parents and their 10 children each.
var populate = op{"populate100x10", []impl{
	{"orm", func(b *testing.B, e *env) func() error {
		seedParents(b, e)
		return func() error {
			ps, err := orm.Repo[Parent](e.orm.Session()).Find(ctx, nil, orm.Limit(100), orm.Populate("Children"))
			if err != nil {
				return err
			}
			return check(ps[99].Children.Len(), 10, check(len(ps), 100, nil))
		}
	}},
	{"pgx", func(b *testing.B, e *env) func() error {
		if e.pool == nil {
			return nil
		}
		seedParents(b, e)
		return populateRaw(func(q string, args ...any) (rows, func(), error) {
			r, err := e.pool.Query(ctx, q, args...)
			return r, func() { r.Close() }, err
		}, `SELECT "id", "name" FROM "parents" ORDER BY "id" LIMIT 100`,
			`SELECT "id", "title", "parent_id" FROM "children" WHERE "parent_id" = ANY($1)`,
			func(ids []int64) []any { return []any{ids} })
	}},
	{"database-sql", func(b *testing.B, e *env) func() error {
		seedParents(b, e)
		return populateRaw(func(q string, args ...any) (rows, func(), error) {
			r, err := e.sqlDB.QueryContext(ctx, q, args...)
			return r, func() { r.Close() }, err
		}, e.q(`SELECT "id", "name" FROM "parents" ORDER BY "id" LIMIT 100`),
			e.q(`SELECT "id", "title", "parent_id" FROM "children" WHERE "parent_id" IN (`+placeholders(e, 1, 100)+")"),
			func(ids []int64) []any {
				args := make([]any, len(ids))
				for i, id := range ids {
					args[i] = id
				}
				return args
			})
	}},
	{"bun", func(b *testing.B, e *env) func() error {
		seedParents(b, e)
		return func() error {
			var ps []*PeerParent
			err := e.bun.NewSelect().Model(&ps).Relation("Children").Order("id").Limit(100).Scan(ctx)
			return check(len(ps[99].Children), 10, check(len(ps), 100, err))
		}
	}},
	{"gorm", func(b *testing.B, e *env) func() error {
		seedParents(b, e)
		return func() error {
			var ps []*PeerParent
			err := e.gorm.Preload("Children").Order("id").Limit(100).Find(&ps).Error
			return check(len(ps[99].Children), 10, check(len(ps), 100, err))
		}
	}},
}}

// populateRaw reads 100 parents with parents, then their children with
// children (whose arguments args makes of the parents' keys), through query,
// and puts each child in its parent's slice.
func populateRaw(query func(q string, args ...any) (rows, func(), error), parents, children string, args func(ids []int64) []any) func() error {
	return func() error {
		rs, closeRows, err := query(parents)
		if err != nil {
			return err
		}
		var ps []*PeerParent
		byID := map[int64]*PeerParent{}
		var ids []int64
		for rs.Next() {
			p := new(PeerParent)
			if err := rs.Scan(&p.ID, &p.Name); err != nil {
				closeRows()
				return err
			}
			ps = append(ps, p)
			byID[p.ID] = p
			ids = append(ids, p.ID)
		}
		closeRows()
		if err := rs.Err(); err != nil {
			return err
		}
		rs, closeRows, err = query(children, args(ids)...)
		if err != nil {
			return err
		}
		defer closeRows()
		for rs.Next() {
			c := new(PeerChild)
			if err := rs.Scan(&c.ID, &c.Title, &c.ParentID); err != nil {
				return err
			}
			p := byID[c.ParentID]
			p.Children = append(p.Children, c)
		}
		return check(len(ps[99].Children), 10, check(len(ps), 100, rs.Err()))
	}
}

// getManaged reads an entity the Session already holds: an identity-map
// hit, which sends nothing. No peer keeps an identity map.
var getManaged = op{"getmanaged", []impl{
	{"orm", func(b *testing.B, e *env) func() error {
		ids := e.reset(b, 1)
		r := orm.Repo[Model](e.orm.Session())
		if _, err := r.Get(ctx, ids[0]); err != nil {
			b.Fatal(err)
		}
		return func() error {
			_, err := r.Get(ctx, ids[0])
			return err
		}
	}},
}}

// cleanFlush flushes a Session holding n unchanged entities: the tracker
// compares each with its snapshot and sends nothing.
func cleanFlush(n int) op {
	return op{fmt.Sprintf("cleanflush%dk", n/1000), []impl{
		{"orm", func(b *testing.B, e *env) func() error {
			e.reset(b, n)
			s := e.orm.Session()
			ms, err := orm.Repo[Model](s).Find(ctx, nil)
			if err != nil || len(ms) != n {
				b.Fatal(check(len(ms), n, err))
			}
			return func() error { return s.Flush(ctx) }
		}},
	}}
}
