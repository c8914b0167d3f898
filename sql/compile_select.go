package sql

import (
	"fmt"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// selectStmt compiles q: the entity's columns (and, for a read through a
// pivot, the owner key each row is linked to), joins for ordering by
// fields of related entities, the condition, the order and the paging.
func selectStmt(d Dialect, t *texts, q *backend.Query) (stmt, error) {
	k, args := selectShape(q)
	if k.m == nil {
		sb := &builder{d: d, buf: make([]byte, 0, 64+24*len(q.Entity.Fields))} // one allocation for the common statement
		err := selectText(sb, q)
		return sb.stmt(), err
	}
	if text, ok := t.cached(k); ok { // as compile does, with a builder that stays on the stack
		sb := builder{d: d, argsOnly: true, args: make([]any, 0, args)}
		err := selectText(&sb, q)
		return stmt{text: text, args: sb.args}, err
	}
	return t.compile(d, k, args, func(sb *builder) error { return selectText(sb, q) })
}

// selectShape is the shape of the common reads, whose text is cached: by
// key or by equal fields (an Eq, or an And of Eqs in field order), or of
// every row, with or without a Limit, and nothing else. A zero shape for
// the rest. It also returns how many arguments the statement binds.
func selectShape(q *backend.Query) (shape, int) {
	if q.Via != nil || len(q.Order) > 0 || q.Offset > 0 || q.Lock.Mode != backend.NoLock {
		return shape{}, 0
	}
	k := shape{m: q.Entity, rows: q.Limit, flags: shapeSelect}
	switch c := q.Where; {
	case c == nil:
		return k, 0
	case c.Op == backend.OpEq:
		set, ok := fieldSet([]*meta.Field{c.Field})
		if !ok {
			return shape{}, 0
		}
		k.fields = set
		return k, 1
	case c.Op == backend.OpAnd && len(c.Conds) > 1:
		fs := make([]*meta.Field, len(c.Conds))
		for i, sub := range c.Conds {
			if sub.Op != backend.OpEq {
				return shape{}, 0
			}
			fs[i] = sub.Field
		}
		set, ok := fieldSet(fs)
		if !ok {
			return shape{}, 0
		}
		k.fields, k.flags = set, shapeSelect|shapeAnd
		return k, len(fs)
	}
	return shape{}, 0
}

// selectText writes the SELECT of q.
func selectText(sb *builder, q *backend.Query) error {
	m, d := q.Entity, sb.d
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
	aliases := orderJoins(sb, q)
	if err := selectWhere(sb, q); err != nil {
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
		sb.sql(" ").sql(d.Paging(q.Limit, q.Offset))
	}
	return lockClause(sb, q, joins)
}

// lockClause appends the row-lock clause of a locking read, naming the
// queried table when the SELECT joins others. A dialect that locks the
// whole database instead (WriteLock) appends nothing.
func lockClause(sb *builder, q *backend.Query, joins bool) error {
	if q.Lock.Mode == backend.NoLock {
		return nil
	}
	d, ok := sb.d.(locker)
	if !ok {
		if _, ok := sb.d.(writeLocker); ok {
			return nil
		}
		return fmt.Errorf("orm: %s: a locking read of %s: the database has no row locks", sb.d.Name(), q.Entity.Name)
	}
	of := ""
	if joins {
		of = q.Entity.Table
	}
	l := Lock{Share: q.Lock.Mode == backend.LockShare, SkipLocked: q.Lock.Wait == backend.SkipLocked, NoWait: q.Lock.Wait == backend.NoWait}
	b, err := d.AppendLock(sb.buf, l, of)
	if err != nil {
		return fmt.Errorf("orm: a locking read of %s: %w", q.Entity.Name, err)
	}
	sb.buf = b
	return nil
}

// orderJoins appends one LEFT JOIN per step of each order term's path
// through to-one relations, and returns the table or alias each term's
// field is read from.
func orderJoins(sb *builder, q *backend.Query) []string {
	m := q.Entity
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
	return aliases
}

// selectWhere appends the WHERE clause of q: its condition and, for a read
// through a pivot, the owners the rows must be linked to.
func selectWhere(sb *builder, q *backend.Query) error {
	v := q.Via
	if v == nil {
		return where(sb, q.Where)
	}
	sb.sql(" WHERE ").qcol(v.Rel.Pivot, v.Rel.JoinColumn)
	inList(sb, v.Rel.Owner.PK[0], v.Owners, false)
	if q.Where == nil {
		return nil
	}
	sb.sql(" AND ")
	return cond(sb, q.Where)
}

// countStmt compiles the count of the rows q matches.
func countStmt(d Dialect, q *backend.Query) (stmt, error) {
	sb := &builder{d: d}
	sb.sql("SELECT COUNT(*) FROM ").ident(q.Entity.Table)
	if err := where(sb, q.Where); err != nil {
		return stmt{}, err
	}
	return sb.stmt(), nil
}

// lockConflictStmt compiles the read of the current key and version of
// rows, to find which one a versioned statement found stale.
func lockConflictStmt(d Dialect, m *meta.Entity, rows []backend.Row) (stmt, []*meta.Field, error) {
	fields := append(append(make([]*meta.Field, 0, len(m.PK)+1), m.PK...), m.Version)
	sb := &builder{d: d}
	sb.sql("SELECT ").columns(fields).sql(" FROM ").ident(m.Table).sql(" WHERE ")
	if err := keysWhere(sb, m, rows, false); err != nil {
		return stmt{}, nil, err
	}
	return sb.stmt(), fields, nil
}
