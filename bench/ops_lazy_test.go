package bench

import (
	"testing"

	"github.com/unitofwork/orm"
)

func init() { ops = append(ops, lazyRefs) }

// lazyRefs reads 100 children, then loads each one's parent in a loop:
// batched, the ORM sends one query for the parents; Unbatched, one per
// parent not yet loaded (10 here); pgx reads the children and then their
// parents with = ANY.
var lazyRefs = op{"lazy100refs", []impl{
	{"orm", func(b *testing.B, e *env) func() error { return lazyLoop(b, e) }},
	{"orm-unbatched", func(b *testing.B, e *env) func() error { return lazyLoop(b, e, orm.Unbatched()) }},
	{"pgx", func(b *testing.B, e *env) func() error {
		if e.pool == nil {
			return nil
		}
		seedParents(b, e)
		return func() error {
			r, err := e.pool.Query(ctx, `SELECT "id", "title", "parent_id" FROM "children" ORDER BY "id" LIMIT 100`)
			if err != nil {
				return err
			}
			type child struct {
				id, parent int64
				title      string
				p          *Parent
			}
			cs := make([]*child, 0, 100)
			var ids []int64
			seen := map[int64]bool{}
			for r.Next() {
				c := &child{}
				if err := r.Scan(&c.id, &c.title, &c.parent); err != nil {
					return err
				}
				cs = append(cs, c)
				if !seen[c.parent] {
					seen[c.parent] = true
					ids = append(ids, c.parent)
				}
			}
			r.Close()
			if err := r.Err(); err != nil {
				return err
			}
			r, err = e.pool.Query(ctx, `SELECT "id", "name" FROM "parents" WHERE "id" = ANY($1)`, ids)
			if err != nil {
				return err
			}
			byID := map[int64]*Parent{}
			for r.Next() {
				p := &Parent{}
				if err := r.Scan(&p.ID, &p.Name); err != nil {
					return err
				}
				byID[p.ID] = p
			}
			r.Close()
			for _, c := range cs {
				c.p = byID[c.parent]
			}
			return check(len(byID), 10, check(len(cs), 100, r.Err()))
		}
	}},
}}

// lazyLoop is the ORM's lazyRefs: Find 100 children, then Parent.Load on
// each with opts.
func lazyLoop(b *testing.B, e *env, opts ...orm.QueryOption) func() error {
	seedParents(b, e)
	return func() error {
		s := e.orm.Session()
		cs, err := orm.Repo[Child](s).Find(ctx, nil, orm.OrderBy("ID"), orm.Limit(100))
		if err != nil {
			return err
		}
		for _, c := range cs {
			if _, err := c.Parent.Load(ctx, opts...); err != nil {
				return err
			}
		}
		return check(len(cs), 100, nil)
	}
}
