package sql

import (
	"fmt"
	"unsafe"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// where appends the WHERE clause of c, if any.
func where(sb *builder, c *backend.Cond) error {
	if c == nil {
		return nil
	}
	sb.sql(" WHERE ")
	return cond(sb, c)
}

// listMin is the longest list of values In and NotIn bind one parameter
// each; a longer one travels as one argument, when the dialect can
// (ListDialect), so that no list is too long for the database. Where the
// argument is a native array (an ArrayDialect: PostgreSQL), lists of more
// than arrayListMin values do, so that lists of every such length share
// one statement text, which PostgreSQL prepares once, not once a length.
const (
	listMin      = 100
	arrayListMin = caseMaxRows
)

var cmpOps = map[backend.Op]string{
	backend.OpEq: " = ", backend.OpNe: " <> ", backend.OpGt: " > ", backend.OpGte: " >= ",
	backend.OpLt: " < ", backend.OpLte: " <= ",
}

// cond appends condition c.
func cond(sb *builder, c *backend.Cond) error {
	switch c.Op {
	case backend.OpEq, backend.OpNe, backend.OpGt, backend.OpGte, backend.OpLt, backend.OpLte:
		sb.col(c.Field).sql(cmpOps[c.Op]).arg(c.Value, c.Field)
	case backend.OpLike:
		p, _ := c.Value.(string)
		if sb.d.Has(Glob) {
			sb.col(c.Field).sql(" GLOB ").arg(globPattern(p), c.Field)
		} else {
			sb.col(c.Field).sql(" LIKE ").arg(likePattern(p), c.Field).sql(" ESCAPE '!'")
		}
	case backend.OpIsNull:
		sb.col(c.Field).sql(" IS NULL")
	case backend.OpIn, backend.OpNotIn:
		if len(c.Values) == 0 {
			sb.sql(truth(c.Op == backend.OpNotIn))
			return nil
		}
		inList(sb.col(c.Field), c.Field, c.Values, c.Op == backend.OpNotIn)
	case backend.OpAnd, backend.OpOr:
		return connective(sb, c)
	case backend.OpNot:
		return not(sb, c.Conds[0])
	case backend.OpRaw:
		sb.sql("(").raw(c.Raw, c.Values).sql(")")
	case backend.OpPath:
		return pathCond(sb, c)
	default:
		return fmt.Errorf("orm: %s: unsupported condition %d", sb.d.Name(), c.Op)
	}
	return nil
}

// inList appends what tests that the column just written is one of values,
// or with not none of them: one argument for a long list where the dialect
// binds lists, else one placeholder each.
func inList(sb *builder, f *meta.Field, values []any, not bool) {
	most := listMin
	if _, ok := sb.d.(ArrayDialect); ok {
		most = arrayListMin
	}
	if ld, ok := sb.d.(ListDialect); ok && len(values) > most {
		c := column(f)
		if f.Storage == meta.KindUUID {
			vs := make([]any, len(values))
			for i, v := range values {
				vs[i] = uuidArg(sb.d, v)
			}
			values = vs
		}
		if arg, ok := ld.ListArg(c, values); ok {
			sb.args = append(sb.args, arg)
			sb.buf = ld.AppendInList(sb.buf, len(sb.args), c, not)
			return
		}
	}
	if not {
		sb.sql(" NOT")
	}
	sb.sql(" IN (")
	for i, v := range values {
		if i > 0 {
			sb.sql(", ")
		}
		sb.arg(v, f)
	}
	sb.sql(")")
}

// truth is the SQL condition that is always v.
func truth(v bool) string {
	if v {
		return "1 = 1"
	}
	return "1 = 0"
}

// connective appends an AND or OR of conditions; an empty AND is true, an
// empty OR false.
func connective(sb *builder, c *backend.Cond) error {
	and := c.Op == backend.OpAnd
	if len(c.Conds) == 0 {
		sb.sql(truth(and))
		return nil
	}
	sep := " OR "
	if and {
		sep = " AND "
	}
	sb.sql("(")
	for i, sub := range c.Conds {
		if i > 0 {
			sb.sql(sep)
		}
		if err := cond(sb, sub); err != nil {
			return err
		}
	}
	sb.sql(")")
	return nil
}

// not appends the complement of sub: every row sub does not match, those
// where it is unknown included.
func not(sb *builder, sub *backend.Cond) error {
	switch {
	case sub.Op == backend.OpIsNull:
		sb.col(sub.Field).sql(" IS NOT NULL")
		return nil
	case twoValued(sub):
		sb.sql("NOT (")
		if err := cond(sb, sub); err != nil {
			return err
		}
		sb.sql(")")
		return nil
	}
	// NOT would leave the rows where sub is unknown out.
	sb.sql("(")
	if err := cond(sb, sub); err != nil {
		return err
	}
	sb.sql(") IS NOT TRUE")
	return nil
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

// pathCond appends a condition on related entities as a subquery:
//
//	Ref:        "fk" IN (SELECT "id" FROM "target" WHERE …)
//	one-to-many: "id" IN (SELECT "fk" FROM "child" WHERE …)
//	m2m:        "id" IN (SELECT "pivot"."owner_id" FROM "pivot" JOIN "target" ON … WHERE …)
func pathCond(sb *builder, c *backend.Cond) error {
	rel, outer := c.Rel, sb.qual
	inner := &builder{d: sb.d, buf: sb.buf, args: sb.args, qual: rel.Target.Table}
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
	if err := cond(inner, c.Conds[0]); err != nil {
		return err
	}
	inner.sql(")")
	sb.buf, sb.args = inner.buf, inner.args
	return nil
}

// keyCond appends the condition matching the primary key (and, when
// versioned, the expected version) of the row whose key is read from p.
func keyCond(sb *builder, m *meta.Entity, p unsafe.Pointer, versioned bool) error {
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

// keysWhere appends the condition matching every row by key (and version):
// "id" IN (…) for a single unversioned key, else one term per row.
func keysWhere(sb *builder, m *meta.Entity, rows []backend.Row, versioned bool) error {
	if len(rows) == 1 {
		return keyCond(sb, m, rows[0].Key, versioned)
	}
	if len(m.PK) == 1 && !versioned {
		f := m.PK[0]
		sb.ident(f.Column).sql(" IN (")
		for i, r := range rows {
			if i > 0 {
				sb.sql(", ")
			}
			v, err := f.Value(r.Key)
			if err != nil {
				return err
			}
			sb.arg(v, f)
		}
		sb.sql(")")
		return nil
	}
	for i, r := range rows {
		if i > 0 {
			sb.sql(" OR ")
		}
		if err := keyCond(sb, m, r.Key, versioned); err != nil {
			return err
		}
	}
	return nil
}
