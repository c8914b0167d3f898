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
		return func() error {
			rows, err := e.pool.Query(ctx, `SELECT "id", "name" FROM "parents" ORDER BY "id" LIMIT 100`)
			if err != nil {
				return err
			}
			var ps []*PeerParent
			byID := map[int64]*PeerParent{}
			var ids []int64
			for rows.Next() {
				p := new(PeerParent)
				if err := rows.Scan(&p.ID, &p.Name); err != nil {
					rows.Close()
					return err
				}
				ps = append(ps, p)
				byID[p.ID] = p
				ids = append(ids, p.ID)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			rows, err = e.pool.Query(ctx, `SELECT "id", "title", "parent_id" FROM "children" WHERE "parent_id" = ANY($1)`, ids)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				c := new(PeerChild)
				if err := rows.Scan(&c.ID, &c.Title, &c.ParentID); err != nil {
					return err
				}
				p := byID[c.ParentID]
				p.Children = append(p.Children, c)
			}
			return check(len(ps[99].Children), 10, check(len(ps), 100, rows.Err()))
		}
	}},
	{"database-sql", func(b *testing.B, e *env) func() error {
		seedParents(b, e)
		q1 := e.q(`SELECT "id", "name" FROM "parents" ORDER BY "id" LIMIT 100`)
		q2 := e.q(`SELECT "id", "title", "parent_id" FROM "children" WHERE "parent_id" IN (` + placeholders(e, 1, 100) + ")")
		return func() error {
			rows, err := e.sqlDB.QueryContext(ctx, q1)
			if err != nil {
				return err
			}
			var ps []*PeerParent
			byID := map[int64]*PeerParent{}
			var ids []any
			for rows.Next() {
				p := new(PeerParent)
				if err := rows.Scan(&p.ID, &p.Name); err != nil {
					rows.Close()
					return err
				}
				ps = append(ps, p)
				byID[p.ID] = p
				ids = append(ids, p.ID)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			rows, err = e.sqlDB.QueryContext(ctx, q2, ids...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				c := new(PeerChild)
				if err := rows.Scan(&c.ID, &c.Title, &c.ParentID); err != nil {
					return err
				}
				p := byID[c.ParentID]
				p.Children = append(p.Children, c)
			}
			return check(len(ps[99].Children), 10, check(len(ps), 100, rows.Err()))
		}
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
