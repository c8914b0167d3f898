package sql

import (
	"context"
	"fmt"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// CreateSchema creates each entity's table, then foreign keys the dialect
// adds separately, then pivot tables and indexes, skipping what exists:
// with IF NOT EXISTS where the database has it, else by taking the error
// saying it exists for done.
func (b *engine) CreateSchema(ctx context.Context, s backend.Scope, es []*meta.Entity) error {
	exists, _ := b.d.(interface{ Exists(err error) bool })
	for _, stmt := range createStmts(b.d, es) {
		_, err := b.exec(ctx, s, b.pool, stmt, nil)
		if err != nil && (exists == nil || !exists.Exists(err)) {
			return fmt.Errorf("orm: create schema: %w", err)
		}
	}
	return nil
}

// DropSchema drops each entity's table and pivot tables if they exist,
// pivots first, then tables in reverse order, in one transaction with
// foreign keys checked at its end where the dialect can defer them.
func (b *engine) DropSchema(ctx context.Context, s backend.Scope, es []*meta.Entity) error {
	stmts := dropStmts(b.d, es)
	return b.atomic(ctx, s, len(stmts) > 1, func(c conn) error {
		for _, stmt := range stmts {
			if _, err := b.exec(ctx, s, c, stmt, nil); err != nil {
				return fmt.Errorf("orm: drop schema: %w", err)
			}
		}
		return nil
	})
}

// init hands the migrate module the statements CreateSchema sends.
func init() {
	backend.SchemaDDL = func(v any, es []*meta.Entity) ([]string, error) {
		b, ok := v.(*Backend)
		if !ok {
			return nil, fmt.Errorf("orm: %T is not a SQL backend", v)
		}
		return createStmts(b.e.d, es), nil
	}
}
