package sql

import (
	"fmt"

	"github.com/unitofwork/orm/internal/backend"
)

// pivotStmt compiles the INSERT (skipping links that exist) or the DELETE
// of the pivot rows of links, a chunk of a PivotInsert or PivotDelete.
func pivotStmt(d Dialect, bt *backend.Batch, links []backend.Link) (stmt, error) {
	rel := bt.Rel
	opk, tpk := rel.Owner.PK[0], rel.Target.PK[0]
	sb := &builder{d: d, args: make([]any, 0, 2*len(links))}
	insert := bt.Kind == backend.PivotInsert
	if insert {
		sb.sql("INSERT INTO ").ident(rel.Pivot).sql(" (").ident(rel.JoinColumn).sql(", ").
			ident(rel.InverseJoinColumn).sql(") VALUES ")
	} else {
		sb.sql("DELETE FROM ").ident(rel.Pivot).sql(" WHERE ")
	}
	for i, l := range links {
		ov, err := opk.Value(l.Owner)
		if err != nil {
			return stmt{}, err
		}
		tv, err := tpk.Value(l.Target)
		if err != nil {
			return stmt{}, err
		}
		switch {
		case insert && i > 0:
			sb.sql(", ")
		case i > 0:
			sb.sql(" OR ")
		}
		if insert {
			sb.sql("(").arg(ov, opk).sql(", ").arg(tv, tpk).sql(")")
		} else {
			sb.sql("(").ident(rel.JoinColumn).sql(" = ").arg(ov, opk).sql(" AND ").
				ident(rel.InverseJoinColumn).sql(" = ").arg(tv, tpk).sql(")")
		}
	}
	if insert {
		switch {
		case d.Has(OnConflictDoNothing):
			sb.sql(" ON CONFLICT DO NOTHING")
		case d.Has(OnDuplicateKeyUpdate):
			sb.sql(" ON DUPLICATE KEY UPDATE ").ident(rel.JoinColumn).sql(" = ").ident(rel.JoinColumn)
		}
	}
	return sb.stmt(), nil
}

// pivotClearStmt compiles the DELETE of every pivot row naming one of
// rows, a chunk of removed entities, on the side of the relation the
// PivotClear batch bt says.
func pivotClearStmt(d Dialect, bt *backend.Batch, rows []backend.Row) (stmt, error) {
	rel, m := bt.Rel, bt.Entity
	col := rel.JoinColumn
	if bt.Target {
		col = rel.InverseJoinColumn
	}
	pk := m.PK[0]
	sb := &builder{d: d, args: make([]any, 0, len(rows))}
	sb.sql("DELETE FROM ").ident(rel.Pivot).sql(" WHERE ").ident(col)
	if len(rows) == 1 {
		sb.sql(" = ")
	} else {
		sb.sql(" IN (")
	}
	for i, r := range rows {
		v, err := pk.Value(r.Key)
		if err != nil {
			return stmt{}, fmt.Errorf("orm: %s.%s: %w", m.Name, pk.Name, err)
		}
		if i > 0 {
			sb.sql(", ")
		}
		sb.arg(v, pk)
	}
	if len(rows) > 1 {
		sb.sql(")")
	}
	return sb.stmt(), nil
}
