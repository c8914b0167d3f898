package sql

import (
	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// writeStmt compiles the set-based write w: UPDATE … SET of w.Set, or
// DELETE when it is empty, of the rows w.Where matches and, when keys is
// set, of those rows only, RETURNING every column when returning is set.
func writeStmt(d Dialect, w *backend.Write, keys []backend.Row, returning bool) (stmt, error) {
	m := w.Entity
	sb := &builder{d: d}
	if len(w.Set) == 0 {
		sb.sql("DELETE FROM ").ident(m.Table)
	} else {
		sb.sql("UPDATE ").ident(m.Table).sql(" SET ")
		for i, a := range w.Set {
			if i > 0 {
				sb.sql(", ")
			}
			sb.ident(a.Field.Column).sql(" = ")
			if a.Add {
				sb.ident(a.Field.Column).sql(" + ")
			}
			sb.arg(a.Value, a.Field)
		}
	}
	if w.Where != nil || keys != nil {
		sb.sql(" WHERE ")
	}
	if w.Where != nil {
		if keys != nil {
			sb.sql("(")
		}
		if err := cond(sb, w.Where); err != nil {
			return stmt{}, err
		}
		if keys != nil {
			sb.sql(") AND ")
		}
	}
	if keys != nil {
		if err := keysWhere(sb, m, keys, false); err != nil {
			return stmt{}, err
		}
	}
	if returning {
		sb.sql(" RETURNING ").columns(m.Fields)
	}
	return sb.stmt(), nil
}

// keysStmt compiles the read of the primary keys of the rows q matches,
// with q's lock.
func keysStmt(d Dialect, q *backend.Query) (stmt, error) {
	m := q.Entity
	sb := &builder{d: d}
	sb.sql("SELECT ").columns(m.PK).sql(" FROM ").ident(m.Table)
	if err := where(sb, q.Where); err != nil {
		return stmt{}, err
	}
	if err := lockClause(sb, q, false); err != nil {
		return stmt{}, err
	}
	return sb.stmt(), nil
}

// upsertStmt compiles the insert-or-update of rows of u, which all have
// the columns fields: INSERT … ON CONFLICT (…) DO UPDATE SET c = excluded.c
// or, where ON CONFLICT is not understood, INSERT … ON DUPLICATE KEY UPDATE
// c = VALUES(c) (MySQL and MariaDB, where any unique index conflicts);
// RETURNING every column when returning is set. With nothing to update,
// the first conflict column is written as it is, so that the existing row
// is still returned.
//
// With advance set (explicit keys into a table whose key generator does
// not move past them, keyAdvancer), the RETURNING clause ends with the
// generator's move as a scalar subquery: one statement, which the
// database evaluates once.
func upsertStmt(d Dialect, t *texts, u *backend.Upsert, fields []*meta.Field, rows []backend.Row, returning, advance bool) (stmt, error) {
	bt := &backend.Batch{Kind: backend.Insert, Entity: u.Entity, Fields: fields}
	k := upsertShape(d, bt, u, len(rows), returning, advance)
	return t.compile(d, k, len(rows)*len(fields)+6, func(sb *builder) error {
		if err := insertInto(sb, bt, rows); err != nil {
			return err
		}
		upsertClauses(sb, u, rows, returning, advance)
		return nil
	})
}

// upsertShape is the shape of an upsert of n rows of u, bt the insert it
// starts with.
func upsertShape(d Dialect, bt *backend.Batch, u *backend.Upsert, n int, returning, advance bool) shape {
	k := insertShape(d, bt, n)
	conflict, ok := fieldSet(u.Conflict)
	update, ok2 := fieldSet(u.Update)
	if k.m == nil || !ok || !ok2 {
		return shape{}
	}
	k.conflict, k.update, k.flags = conflict, update, k.flags|shapeUpsert
	if returning {
		k.flags |= shapeReturning
	}
	if advance {
		k.flags |= shapeAdvance
	}
	return k
}

// upsertClauses writes what follows the INSERT of an upsert: the update on
// conflict, and what it returns.
func upsertClauses(sb *builder, u *backend.Upsert, rows []backend.Row, returning, advance bool) {
	m, d := u.Entity, sb.d
	update := u.Update
	if len(update) == 0 && m.Version == nil {
		update = u.Conflict[:1]
	}
	conflict := d.Has(OnConflictDoNothing)
	if conflict {
		sb.sql(" ON CONFLICT (").columns(u.Conflict).sql(") DO UPDATE SET ")
	} else {
		sb.sql(" ON DUPLICATE KEY UPDATE ")
	}
	for i, f := range update {
		if i > 0 {
			sb.sql(", ")
		}
		sb.ident(f.Column).sql(" = ")
		if conflict {
			sb.sql("excluded.").ident(f.Column)
		} else {
			sb.sql("VALUES(").ident(f.Column).sql(")")
		}
	}
	if v := m.Version; v != nil {
		if len(update) > 0 {
			sb.sql(", ")
		}
		sb.ident(v.Column).sql(" = ")
		if conflict {
			sb.ident(m.Table).sql(".")
		}
		sb.ident(v.Column).sql(" + 1")
	}
	if returning {
		sb.sql(" RETURNING ").columns(m.Fields)
		if advance {
			sb.sql(", (")
			advanceKey(sb, &backend.Batch{Entity: m, Rows: rows})
			sb.sql(")")
		}
	}
}
