package sql

import (
	"context"
	"fmt"
	"unsafe"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// Select runs q and hydrates each row into a new entity.
func (b *Backend) Select(ctx context.Context, s backend.Scope, q *backend.Query, each func(p unsafe.Pointer) error) error {
	m := q.Entity
	sb := &builder{d: b.d}
	sb.sql("SELECT ").columns(m.Fields).sql(" FROM ").ident(m.Table)
	if err := b.where(sb, q.Where); err != nil {
		return err
	}
	for i, o := range q.Order {
		if i == 0 {
			sb.sql(" ORDER BY ")
		} else {
			sb.sql(", ")
		}
		sb.ident(o.Field.Column)
		if o.Desc {
			sb.sql(" DESC")
		}
	}
	if q.Limit > 0 || q.Offset > 0 {
		sb.sql(" ").sql(b.d.Paging(q.Limit, q.Offset))
	}
	vals := make([]any, len(m.Fields))
	dest := make([]any, len(m.Fields))
	for i := range vals {
		dest[i] = &vals[i]
	}
	return b.query(ctx, s, b.conn(s), sb.String(), sb.args, dest, func() error {
		p := m.New()
		for i, f := range m.Fields {
			if err := f.Store(p, vals[i]); err != nil {
				return fmt.Errorf("orm: reading %s.%s (column %s): %w", m.Name, f.Name, f.Column, err)
			}
		}
		return each(p)
	})
}

// Count returns the number of rows q matches.
func (b *Backend) Count(ctx context.Context, s backend.Scope, q *backend.Query) (int64, error) {
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
func (b *Backend) where(sb *builder, c *backend.Cond) error {
	if c == nil {
		return nil
	}
	sb.sql(" WHERE ")
	return b.cond(sb, c)
}

var cmpOps = map[backend.Op]string{
	backend.OpEq: " = ", backend.OpNe: " <> ", backend.OpGt: " > ", backend.OpGte: " >= ",
	backend.OpLt: " < ", backend.OpLte: " <= ", backend.OpLike: " LIKE ",
}

func (b *Backend) cond(sb *builder, c *backend.Cond) error {
	switch c.Op {
	case backend.OpEq, backend.OpNe, backend.OpGt, backend.OpGte, backend.OpLt, backend.OpLte, backend.OpLike:
		sb.ident(c.Field.Column).sql(cmpOps[c.Op]).arg(c.Value, c.Field)
	case backend.OpIsNull:
		sb.ident(c.Field.Column).sql(" IS NULL")
	case backend.OpIn, backend.OpNotIn:
		if len(c.Values) == 0 {
			if c.Op == backend.OpIn {
				sb.sql("1 = 0")
			} else {
				sb.sql("1 = 1")
			}
			return nil
		}
		sb.ident(c.Field.Column)
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
		sb.sql("NOT (")
		if err := b.cond(sb, c.Conds[0]); err != nil {
			return err
		}
		sb.sql(")")
	case backend.OpRaw:
		sb.sql("(")
		next := 0
		for i := 0; i < len(c.Raw); i++ {
			if c.Raw[i] == '?' {
				sb.arg(c.Values[next], nil)
				next++
				continue
			}
			sb.buf = append(sb.buf, c.Raw[i])
		}
		sb.sql(")")
	default:
		return fmt.Errorf("orm: %s: unsupported condition %d", b.d.Name(), c.Op)
	}
	return nil
}

// keyCond appends the condition matching the primary key (and, when
// versioned, the expected version) of the row whose key is read from p.
func (b *Backend) keyCond(sb *builder, m *meta.Entity, p unsafe.Pointer, versioned bool) error {
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
