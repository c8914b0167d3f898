package sql

import (
	"github.com/unitofwork/orm/internal/backend"
)

// deleteStmt compiles the DELETE of rows, a chunk of a Delete batch, by
// key (and expected version).
func deleteStmt(d Dialect, bt *backend.Batch, rows []backend.Row) (stmt, error) {
	m := bt.Entity
	sb := &builder{d: d}
	sb.sql("DELETE FROM ").ident(m.Table).sql(" WHERE ")
	if err := keysWhere(sb, m, rows, m.Version != nil); err != nil {
		return stmt{}, err
	}
	return sb.stmt(), nil
}
