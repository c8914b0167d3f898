package sql

import (
	"fmt"
	"unsafe"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// insertStmt compiles the multi-row INSERT of rows, a chunk of the Insert
// batch bt, RETURNING the generated keys where the dialect can. A foreign
// key a row marks Null is written as NULL, for a Fixup to set.
// Its text comes from t when t has seen the shape (t may be nil).
func insertStmt(d Dialect, t *texts, bt *backend.Batch, rows []backend.Row) (stmt, error) {
	if ad, ok := d.(ArrayDialect); ok && len(rows) > caseMaxRows && len(bt.Fields) > 0 {
		if st, ok, err := insertFromArrays(d, ad, t, bt, rows); ok || err != nil {
			return st, err
		}
	}
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

// insertFromArrays compiles, for a dialect that binds a column of values
// as one array (PostgreSQL), the INSERT of rows as
//
//	INSERT INTO "t" ("a", "b", …) SELECT "column1", "column2", …
//	FROM unnest($1::text[], $2::bigint[], …) WITH ORDINALITY AS "orm_v"("column1", "column2", …, "orm_n")
//	ORDER BY "orm_n" RETURNING …
//
// one parameter per column whatever the number of rows, and one text for
// every number of rows. ORDER BY the ordinality inserts the rows in the
// order of the arrays, so the keys the database generates increase in
// that order, as for a VALUES list (insertReturning sorts them and hands
// them out in row order). An INSERT that returns nothing (keys the
// program made, no defaults) has neither ORDINALITY nor ORDER BY: the
// database would sort the rows for nobody. It reports false when a
// column's values cannot be one array (the VALUES list then serves).
func insertFromArrays(d Dialect, ad ArrayDialect, t *texts, bt *backend.Batch, rows []backend.Row) (stmt, bool, error) {
	m := bt.Entity
	ptrs := make([]unsafe.Pointer, len(rows))
	for i, r := range rows {
		ptrs[i] = r.Ptr
	}
	a := arrayer{d: d, ad: ad}
	args := make([]any, len(bt.Fields))
	for j, f := range bt.Fields {
		var written func(i int) bool // a foreign key a row writes as NULL, for a Fixup
		for _, r := range rows {
			if r.Null != nil && r.Null.Has(f.Pos) {
				pos := f.Pos
				written = func(i int) bool { return rows[i].Null == nil || !rows[i].Null.Has(pos) }
				break
			}
		}
		arg, ok, err := a.column(f, ptrs, written)
		if err != nil {
			return stmt{}, false, fmt.Errorf("orm: insert %s: field %s: %w", m.Name, f.Name, err)
		}
		if !ok {
			return stmt{}, false, nil
		}
		args[j] = arg
	}
	k := insertShape(d, bt, 0)
	if k.m != nil {
		k.flags |= shapeArrays
	}
	st, err := t.compile(d, k, 0, func(sb *builder) error {
		insertArrays(sb, ad, bt)
		return nil
	})
	st.args = args
	return st, true, err
}

// arrayer makes the array arguments of a statement that binds a column
// of values as one array.
type arrayer struct {
	d      Dialect
	ad     ArrayDialect
	values []any // reused column to column
}

// column returns field f of the entities at ptrs as one array argument,
// NULL where has reports false (a nil has: every entity has a value),
// or false when the dialect cannot bind the values as one array. A plain
// int64, int, string, bool or float64 field without NULLs is read straight
// into a typed slice (directArray), and so is a plain [16]byte UUID where
// the dialect binds its 16 bytes (uuidArray); the others go through their
// driver values and the dialect's ArrayArg.
func (a *arrayer) column(f *meta.Field, ptrs []unsafe.Pointer, has func(i int) bool) (any, bool, error) {
	if has == nil {
		if arg, ok := directArray(f, ptrs); ok {
			return arg, true, nil
		}
		if arg, ok := a.uuidArray(f, ptrs); ok {
			return arg, true, nil
		}
	}
	if cap(a.values) < len(ptrs) {
		a.values = make([]any, len(ptrs))
	}
	values := a.values[:len(ptrs)]
	for i, p := range ptrs {
		values[i] = nil
		if has != nil && !has(i) {
			continue
		}
		v, err := f.Value(p)
		if err != nil {
			return nil, false, err
		}
		if f.Storage == meta.KindUUID {
			v = uuidArg(a.d, v)
		}
		values[i] = v
	}
	arg, ok := a.ad.ArrayArg(column(f), values)
	return arg, ok, nil
}

// uuidArray returns the UUID field f of the entities at ptrs as one
// [][16]byte read straight from them, when f is a plain [16]byte array
// type and the dialect binds a UUID as its 16 bytes: what ArrayArg makes of
// their driver values, without a driver value each. Else false.
func (a *arrayer) uuidArray(f *meta.Field, ptrs []unsafe.Pointer) (any, bool) {
	if f.Storage != meta.KindUUID || f.Kind != meta.KindArray || f.Ptr || f.In != nil || f.Type.Size() != 16 {
		return nil, false
	}
	uv, ok := a.d.(uuidValuer)
	if !ok {
		return nil, false
	}
	if _, ok := uv.UUIDValue([16]byte{}).([16]byte); !ok {
		return nil, false
	}
	out := make([][16]byte, len(ptrs))
	for i, p := range ptrs {
		out[i] = *(*[16]byte)(f.Addr(p))
	}
	return out, true
}

// directArray returns field f of the entities at ptrs as one typed slice
// read straight from them, without a driver value each, when f is a plain
// int64, int, string, bool or float64 field; else false.
func directArray(f *meta.Field, ptrs []unsafe.Pointer) (any, bool) {
	switch f.DirectDest(ptrs[0]).(type) {
	case *int64:
		return gather[int64](f, ptrs), true
	case *int:
		out := make([]int64, len(ptrs))
		for i, p := range ptrs {
			out[i] = int64(*(*int)(f.Addr(p)))
		}
		return out, true
	case *string:
		return gather[string](f, ptrs), true
	case *bool:
		return gather[bool](f, ptrs), true
	case *float64:
		return gather[float64](f, ptrs), true
	}
	return nil, false
}

// gather reads field f, of type T, of every entity at ptrs (directArray
// has checked the type once, on the first entity).
func gather[T any](f *meta.Field, ptrs []unsafe.Pointer) []T {
	out := make([]T, len(ptrs))
	for i, p := range ptrs {
		out[i] = *(*T)(f.Addr(p))
	}
	return out
}

// insertArrays writes the text of insertFromArrays into sb.
func insertArrays(sb *builder, ad ArrayDialect, bt *backend.Batch) {
	m := bt.Entity
	sb.sql("INSERT INTO ").ident(m.Table).sql(" (").columns(bt.Fields).sql(") SELECT ")
	for j := range bt.Fields {
		if j > 0 {
			sb.sql(", ")
		}
		sb.ident(valuesColumn(j + 1))
	}
	sb.sql(" FROM unnest(")
	for j, f := range bt.Fields {
		if j > 0 {
			sb.sql(", ")
		}
		if !sb.argsOnly {
			sb.buf = ad.AppendArray(sb.buf, j+1, column(f))
		}
	}
	// Only an INSERT that returns keys needs the rows in the arrays' order.
	ordered := returns(sb.d, bt)
	sb.sql(")")
	if ordered {
		sb.sql(" WITH ORDINALITY")
	}
	sb.sql(" AS ").ident(valuesAlias).sql("(")
	for j := range bt.Fields {
		if j > 0 {
			sb.sql(", ")
		}
		sb.ident(valuesColumn(j + 1))
	}
	if ordered {
		sb.sql(", ").ident("orm_n").sql(") ORDER BY ").ident("orm_n")
		returning(sb, bt)
		return
	}
	sb.sql(")")
}

// insertInto writes the INSERT of insertStmt into sb.
func insertInto(sb *builder, bt *backend.Batch, rows []backend.Row) error {
	m := bt.Entity
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
	returning(sb, bt)
	return nil
}

// returning appends the RETURNING clause of an INSERT of bt, if it has one.
func returning(sb *builder, bt *backend.Batch) {
	m := bt.Entity
	switch {
	case !returns(sb.d, bt):
	case len(bt.Defaults) > 0:
		sb.sql(" RETURNING ").columns(m.Fields) // the defaults, and the key
	default:
		sb.sql(" RETURNING ").ident(m.Auto.Column)
	}
}

// returns reports whether an INSERT of bt in dialect d has a RETURNING
// clause: the database fills in defaults or generates the key, and d
// returns them.
func returns(d Dialect, bt *backend.Batch) bool {
	return (len(bt.Defaults) > 0 || bt.Generated) && d.Has(Returning)
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
