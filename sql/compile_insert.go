package sql

import (
	"fmt"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// insertStmt compiles the multi-row INSERT of rows, a chunk of the Insert
// batch bt, RETURNING the generated keys where the dialect can. A foreign
// key a row marks Null is written as NULL, for a Fixup to set.
// Its text comes from t when t has seen the shape (t may be nil).
func insertStmt(d Dialect, t *texts, bt *backend.Batch, rows []backend.Row) (stmt, error) {
	k := insertShape(d, bt, len(rows))
	return t.compile(d, k, len(rows)*len(bt.Fields), func(sb *builder) error {
		return insertInto(sb, bt, rows)
	})
}

// insertShape is the shape of the INSERT of n rows of bt.
func insertShape(d Dialect, bt *backend.Batch, n int) shape {
	fields, ok := fieldSet(bt.Fields)
	if !ok {
		return shape{}
	}
	k := shape{m: bt.Entity, fields: fields, rows: n}
	if bt.Generated && d.Has(Returning) {
		k.flags |= shapeReturning
	}
	if len(bt.Defaults) > 0 {
		k.flags |= shapeDefaults
	}
	return k
}

// insertInto writes the INSERT of insertStmt into sb.
func insertInto(sb *builder, bt *backend.Batch, rows []backend.Row) error {
	m, d := bt.Entity, sb.d
	sb.sql("INSERT INTO ").ident(m.Table)
	if len(bt.Fields) == 0 {
		defaultRows(sb, m, len(rows))
	} else {
		sb.sql(" (").columns(bt.Fields).sql(") VALUES ")
	}
	for i, r := range rows {
		if len(bt.Fields) == 0 {
			break
		}
		if i > 0 {
			sb.sql(", ")
		}
		sb.sql("(")
		for j, f := range bt.Fields {
			if j > 0 {
				sb.sql(", ")
			}
			var v any
			if r.Null == nil || !r.Null.Has(f.Pos) {
				var err error
				if v, err = f.Value(r.Ptr); err != nil {
					return fmt.Errorf("orm: insert %s: field %s: %w", m.Name, f.Name, err)
				}
			}
			sb.arg(v, f)
		}
		sb.sql(")")
	}
	switch {
	case len(bt.Defaults) > 0 && d.Has(Returning):
		sb.sql(" RETURNING ").columns(m.Fields) // the defaults, and the key
	case bt.Generated && d.Has(Returning):
		sb.sql(" RETURNING ").ident(m.Auto.Column)
	}
	return nil
}

// defaultRows appends the VALUES of n rows of nothing but the generated
// key: many in one statement where the dialect can, else one row (the
// engine then sends one statement per row; see insertStatements).
func defaultRows(sb *builder, m *meta.Entity, n int) {
	row := "(DEFAULT)"
	switch {
	case sb.d.Has(EmptyRows):
		sb.sql(" () VALUES ")
		row = "()"
	case sb.d.Has(DefaultRows):
		sb.sql(" (").ident(m.Auto.Column).sql(") VALUES ")
	default:
		sb.sql(" DEFAULT VALUES")
		return
	}
	for i := range n {
		if i > 0 {
			sb.sql(", ")
		}
		sb.sql(row)
	}
}

// insertStatements is how many statements an INSERT of n rows of bt takes:
// one per row of nothing but a generated key where the dialect cannot
// insert several such rows at once, else one.
func insertStatements(d Dialect, bt *backend.Batch, n int) int {
	if len(bt.Fields) == 0 && !d.Has(EmptyRows) && !d.Has(DefaultRows) {
		return n
	}
	return 1
}

// advanceKeyStmt compiles the statement moving the generator of the key
// of bt's entity past the largest explicit key bt inserts, for a dialect
// whose generator does not (a keyAdvancer), and returns that key.
func advanceKeyStmt(d Dialect, bt *backend.Batch) (stmt, int64) {
	sb := &builder{d: d}
	top := advanceKey(sb, bt)
	return sb.stmt(), top
}

// advanceKey appends the SELECT moving the generator of the key of bt's
// entity past the largest explicit key of bt's rows, and returns that key.
func advanceKey(sb *builder, bt *backend.Batch) int64 {
	m := bt.Entity
	top := m.Auto.Int(bt.Rows[0].Ptr)
	for _, r := range bt.Rows[1:] {
		top = max(top, m.Auto.Int(r.Ptr))
	}
	text, args := sb.d.(keyAdvancer).AdvanceKey(m.Table, m.Auto.Column, top)
	sb.raw(text, args)
	return top
}
