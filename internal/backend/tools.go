package backend

import (
	"context"

	"github.com/unitofwork/orm/internal/meta"
)

// Tools of this repository outside package orm, such as the migrate module,
// reach what an *orm.DB holds through these; package orm and package sql
// set them. They are not public API.
var (
	// DBParts returns the Backend an *orm.DB was opened with, the backend
	// contract beneath it, and its entity metadata.
	DBParts func(db any) (public any, b Backend, reg *meta.Registry, err error)
	// SchemaDDL returns the statements CreateSchema sends for es on b, a
	// *sql.Backend, in order.
	SchemaDDL func(b any, es []*meta.Entity) ([]string, error)
)

// SchemaChecker is implemented by the backends that have no schema to diff
// (MongoDB): it lists what CreateSchema would create that is missing.
type SchemaChecker interface {
	MissingSchema(ctx context.Context, s Scope, es []*meta.Entity) ([]string, error)
}
