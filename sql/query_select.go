package sql

import (
	"context"
	"fmt"
	"unsafe"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// Select runs q and hydrates each row into a new entity.
func (b *engine) Select(ctx context.Context, s backend.Scope, q *backend.Query, each func(p unsafe.Pointer, link any) error) error {
	m := q.Entity
	sb := &builder{d: b.d, buf: make([]byte, 0, 64+24*len(m.Fields))} // one allocation for the common statement
	joins := q.Via != nil
	for _, o := range q.Order {
		joins = joins || len(o.Path) > 0
	}
	if joins {
		sb.qual = m.Table
	}
	sb.sql("SELECT ").columns(m.Fields)
	if q.Via != nil {
		sb.sql(", ").qcol(q.Via.Rel.Pivot, q.Via.Rel.JoinColumn)
	}
	sb.sql(" FROM ").ident(m.Table)
	if v := q.Via; v != nil {
		sb.sql(" JOIN ").ident(v.Rel.Pivot).sql(" ON ").qcol(v.Rel.Pivot, v.Rel.InverseJoinColumn).
			sql(" = ").qcol(m.Table, m.PK[0].Column)
	}
	// Order by fields of to-one relations: one LEFT JOIN per path step.
	aliases := make([]string, len(q.Order))
	for i, o := range q.Order {
		from := m.Table
		for j, rel := range o.Path {
			alias := fmt.Sprintf("orm_o%d_%d", i, j)
			sb.sql(" LEFT JOIN ").ident(rel.Target.Table).sql(" AS ").ident(alias).sql(" ON ").
				qcol(alias, rel.Target.PK[0].Column).sql(" = ").qcol(from, rel.Field.Column)
			from = alias
		}
		aliases[i] = from
	}
	where := q.Where
	if v := q.Via; v != nil {
		sb.sql(" WHERE ").qcol(v.Rel.Pivot, v.Rel.JoinColumn)
		ld, list := b.d.(ListDialect)
		var arg any
		if list && len(v.Owners) > listMin {
			arg, list = ld.ListArg(column(v.Rel.Owner.PK[0]), v.Owners)
		}
		if list && arg != nil {
			sb.args = append(sb.args, arg)
			sb.buf = ld.AppendInList(sb.buf, len(sb.args), column(v.Rel.Owner.PK[0]), false)
		} else {
			sb.sql(" IN (")
			for i, o := range v.Owners {
				if i > 0 {
					sb.sql(", ")
				}
				sb.arg(o, nil)
			}
			sb.sql(")")
		}
		if q.Where != nil {
			sb.sql(" AND ")
			if err := b.cond(sb, q.Where); err != nil {
				return err
			}
		}
		where = nil
	}
	if err := b.where(sb, where); err != nil {
		return err
	}
	for i, o := range q.Order {
		if i == 0 {
			sb.sql(" ORDER BY ")
		} else {
			sb.sql(", ")
		}
		if joins {
			sb.qcol(aliases[i], o.Field.Column)
		} else {
			sb.ident(o.Field.Column)
		}
		if o.Desc {
			sb.sql(" DESC")
		}
	}
	if q.Limit > 0 || q.Offset > 0 {
		sb.sql(" ").sql(b.d.Paging(q.Limit, q.Offset))
	}
	// Plain fields are scanned straight into the next entity; the others
	// through a driver value and Field.Store.
	n := len(m.Fields)
	if q.Via != nil {
		n++
	}
	buf := make([]any, 2*n)
	vals, dest := buf[:n:n], buf[n:]
	for i := range dest {
		dest[i] = &vals[i]
	}
	direct := make([]int, 0, n) // fields scanned straight into the entity, decided once
	p := m.New()
	for i, f := range m.Fields {
		if d := f.DirectDest(p); d != nil {
			dest[i] = d
			direct = append(direct, i)
		}
	}
	next := func() {
		p = m.New()
		for _, i := range direct {
			dest[i] = m.Fields[i].DirectDest(p)
		}
	}
	if q.Via != nil {
		dest[n-1] = &vals[n-1]
	}
	return b.query(ctx, s, b.conn(s), sb.String(), sb.args, dest, func() error {
		for i, f := range m.Fields {
			if dest[i] != &vals[i] {
				continue // scanned directly
			}
			if err := f.Store(p, vals[i]); err != nil {
				return fmt.Errorf("orm: reading %s.%s (column %s): %w", m.Name, f.Name, f.Column, err)
			}
			vals[i] = nil
		}
		var link any
		if q.Via != nil {
			link = vals[n-1]
		}
		row := p
		next()
		return each(row, link)
	})
}

// Count returns the number of rows q matches.
func (b *engine) Count(ctx context.Context, s backend.Scope, q *backend.Query) (int64, error) {
	sb := &builder{d: b.d}
	sb.sql("SELECT COUNT(*) FROM ").ident(q.Entity.Table)
	if err := b.where(sb, q.Where); err != nil {
		return 0, err
	}
	var n int64
	err := b.query(ctx, s, b.conn(s), sb.String(), sb.args, []any{&n}, func() error { return nil })
	return n, err
}

// where appends the WHERE clause of c, if any.
func (b *engine) where(sb *builder, c *backend.Cond) error {
	if c == nil {
		return nil
	}
	sb.sql(" WHERE ")
	return b.cond(sb, c)
}

// listMin is the longest list of values In and NotIn bind one parameter
// each; a longer one travels as one argument, when the dialect can
// (ListDialect), so that no list is too long for the database.
const listMin = 100

var cmpOps = map[backend.Op]string{
	backend.OpEq: " = ", backend.OpNe: " <> ", backend.OpGt: " > ", backend.OpGte: " >= ",
	backend.OpLt: " < ", backend.OpLte: " <= ",
}

// twoValued reports whether c is true or false on every row, never
// unknown, so that NOT (c) is its complement: comparisons of fields that
// cannot be NULL, IS NULL, and the connectives over them. Raw SQL and
// subqueries (a NULL foreign key, a NULL in the subquery's result) may be
// unknown.
func twoValued(c *backend.Cond) bool {
	switch c.Op {
	case backend.OpIsNull:
		return true
	case backend.OpAnd, backend.OpOr, backend.OpNot:
		for _, sub := range c.Conds {
			if !twoValued(sub) {
				return false
			}
		}
		return true
	case backend.OpRaw, backend.OpPath:
		return false
	}
	return c.Field != nil && !c.Field.Nullable
}

// likePattern rewrites a Like pattern (backslash escapes) for LIKE …
// ESCAPE '!': an escape character that needs no escaping in any SQL
// string literal, whatever the server's quoting mode.
func likePattern(p string) string {
	out := make([]byte, 0, len(p)+4)
	for i := 0; i < len(p); i++ {
		ch := p[i]
		if ch == '\\' && i+1 < len(p) {
			i++
			ch = p[i]
			if ch == '%' || ch == '_' {
				out = append(out, '!', ch)
				continue
			}
		}
		if ch == '!' {
			out = append(out, '!')
		}
		out = append(out, ch)
	}
	return string(out)
}

// globPattern rewrites a Like pattern for SQLite's GLOB, which is
// case-sensitive where its LIKE is not: * and ? are the wildcards, and
// [x] matches x literally.
func globPattern(p string) string {
	out := make([]byte, 0, len(p)+4)
	for i := 0; i < len(p); i++ {
		ch := p[i]
		switch {
		case ch == '\\' && i+1 < len(p):
			i++
			ch = p[i]
		case ch == '%':
			out = append(out, '*')
			continue
		case ch == '_':
			out = append(out, '?')
			continue
		}
		if ch == '*' || ch == '?' || ch == '[' {
			out = append(out, '[', ch, ']')
			continue
		}
		out = append(out, ch)
	}
	return string(out)
}

func (b *engine) cond(sb *builder, c *backend.Cond) error {
	switch c.Op {
	case backend.OpEq, backend.OpNe, backend.OpGt, backend.OpGte, backend.OpLt, backend.OpLte:
		sb.col(c.Field).sql(cmpOps[c.Op]).arg(c.Value, c.Field)
	case backend.OpLike:
		p, _ := c.Value.(string)
		if b.d.Has(Glob) {
			sb.col(c.Field).sql(" GLOB ").arg(globPattern(p), c.Field)
		} else {
			sb.col(c.Field).sql(" LIKE ").arg(likePattern(p), c.Field).sql(" ESCAPE '!'")
		}
	case backend.OpIsNull:
		sb.col(c.Field).sql(" IS NULL")
	case backend.OpIn, backend.OpNotIn:
		if len(c.Values) == 0 {
			if c.Op == backend.OpIn {
				sb.sql("1 = 0")
			} else {
				sb.sql("1 = 1")
			}
			return nil
		}
		sb.col(c.Field)
		if ld, ok := b.d.(ListDialect); ok && len(c.Values) > listMin {
			if arg, ok := ld.ListArg(column(c.Field), c.Values); ok {
				sb.args = append(sb.args, arg)
				sb.buf = ld.AppendInList(sb.buf, len(sb.args), column(c.Field), c.Op == backend.OpNotIn)
				return nil
			}
		}
		if c.Op == backend.OpNotIn {
			sb.sql(" NOT")
		}
		sb.sql(" IN (")
		for i, v := range c.Values {
			if i > 0 {
				sb.sql(", ")
			}
			sb.arg(v, c.Field)
		}
		sb.sql(")")
	case backend.OpAnd, backend.OpOr:
		if len(c.Conds) == 0 {
			if c.Op == backend.OpAnd {
				sb.sql("1 = 1")
			} else {
				sb.sql("1 = 0")
			}
			return nil
		}
		sep := " AND "
		if c.Op == backend.OpOr {
			sep = " OR "
		}
		sb.sql("(")
		for i, sub := range c.Conds {
			if i > 0 {
				sb.sql(sep)
			}
			if err := b.cond(sb, sub); err != nil {
				return err
			}
		}
		sb.sql(")")
	case backend.OpNot:
		sub := c.Conds[0]
		switch {
		case sub.Op == backend.OpIsNull:
			sb.col(sub.Field).sql(" IS NOT NULL")
		case twoValued(sub):
			sb.sql("NOT (")
			if err := b.cond(sb, sub); err != nil {
				return err
			}
			sb.sql(")")
		default: // NOT would leave the rows where sub is unknown out
			sb.sql("(")
			if err := b.cond(sb, sub); err != nil {
				return err
			}
			sb.sql(") IS NOT TRUE")
		}
	case backend.OpRaw:
		sb.sql("(").raw(c.Raw, c.Values).sql(")")
	case backend.OpPath:
		return b.pathCond(sb, c)
	default:
		return fmt.Errorf("orm: %s: unsupported condition %d", b.d.Name(), c.Op)
	}
	return nil
}

// pathCond appends a condition on related entities as a subquery:
//
//	Ref:        "fk" IN (SELECT "id" FROM "target" WHERE …)
//	one-to-many: "id" IN (SELECT "fk" FROM "child" WHERE …)
//	m2m:        "id" IN (SELECT "pivot"."owner_id" FROM "pivot" JOIN "target" ON … WHERE …)
func (b *engine) pathCond(sb *builder, c *backend.Cond) error {
	rel, outer := c.Rel, sb.qual
	inner := &builder{d: b.d, buf: sb.buf, args: sb.args, qual: rel.Target.Table}
	owner := func(f *meta.Field) {
		if outer != "" {
			inner.ident(outer).sql(".")
		}
		inner.ident(f.Column)
	}
	switch rel.Kind {
	case meta.RelRef:
		owner(rel.Field)
		inner.sql(" IN (SELECT ").qcol(rel.Target.Table, rel.Target.PK[0].Column).sql(" FROM ").ident(rel.Target.Table)
	case meta.RelHasMany:
		owner(rel.Owner.PK[0])
		inner.sql(" IN (SELECT ").qcol(rel.Target.Table, rel.Inverse.Field.Column).sql(" FROM ").ident(rel.Target.Table)
	case meta.RelManyToMany:
		owner(rel.Owner.PK[0])
		inner.sql(" IN (SELECT ").qcol(rel.Pivot, rel.JoinColumn).sql(" FROM ").ident(rel.Pivot).
			sql(" JOIN ").ident(rel.Target.Table).sql(" ON ").qcol(rel.Target.Table, rel.Target.PK[0].Column).
			sql(" = ").qcol(rel.Pivot, rel.InverseJoinColumn)
	}
	inner.sql(" WHERE ")
	if err := b.cond(inner, c.Conds[0]); err != nil {
		return err
	}
	inner.sql(")")
	sb.buf, sb.args = inner.buf, inner.args
	return nil
}

// keyCond appends the condition matching the primary key (and, when
// versioned, the expected version) of the row whose key is read from p.
func (b *engine) keyCond(sb *builder, m *meta.Entity, p unsafe.Pointer, versioned bool) error {
	n := len(m.PK)
	if versioned {
		n++
	}
	if n > 1 {
		sb.sql("(")
	}
	for i, f := range m.PK {
		if i > 0 {
			sb.sql(" AND ")
		}
		v, err := f.Value(p)
		if err != nil {
			return fmt.Errorf("orm: %s.%s: %w", m.Name, f.Name, err)
		}
		sb.ident(f.Column).sql(" = ").arg(v, f)
	}
	if versioned {
		sb.sql(" AND ").ident(m.Version.Column).sql(" = ").arg(m.Version.Int(p), m.Version)
	}
	if n > 1 {
		sb.sql(")")
	}
	return nil
}
