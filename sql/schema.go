package sql

import (
	"context"
	"slices"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// CreateSchema creates each entity's table and indexes unless they exist.
func (b *Backend) CreateSchema(ctx context.Context, s backend.Scope, es []*meta.Entity) error {
	for _, m := range es {
		for _, stmt := range b.tableDDL(m) {
			if _, err := b.exec(ctx, s, b.db, stmt, nil); err != nil {
				return failed("create table for", m, err)
			}
		}
	}
	return nil
}

// DropSchema drops each entity's table if it exists, in reverse order.
func (b *Backend) DropSchema(ctx context.Context, s backend.Scope, es []*meta.Entity) error {
	for _, m := range slices.Backward(es) {
		sb := &builder{d: b.d}
		sb.sql("DROP TABLE IF EXISTS ").ident(m.Table)
		if _, err := b.exec(ctx, s, b.db, sb.String(), nil); err != nil {
			return failed("drop table for", m, err)
		}
	}
	return nil
}

// tableDDL returns the CREATE TABLE and CREATE INDEX statements of m.
func (b *Backend) tableDDL(m *meta.Entity) []string {
	sb := &builder{d: b.d}
	sb.sql("CREATE TABLE IF NOT EXISTS ").ident(m.Table).sql(" (")
	for i, f := range m.Fields {
		if i > 0 {
			sb.sql(", ")
		}
		sb.ident(f.Column).sql(" ")
		if f.Auto {
			sb.sql(b.d.AutoKey(f))
			continue
		}
		sb.sql(b.d.ColumnType(f))
		if !f.Nullable {
			sb.sql(" NOT NULL")
		}
		if f.Unique && f.UniqueName == "" {
			sb.sql(" UNIQUE")
		}
	}
	if m.Auto == nil {
		sb.sql(", PRIMARY KEY (").columns(m.PK).sql(")")
	}
	sb.sql(")")
	stmts := []string{sb.String()}
	for _, ix := range indexes(m) {
		sb := &builder{d: b.d}
		sb.sql("CREATE ")
		if ix.unique {
			sb.sql("UNIQUE ")
		}
		sb.sql("INDEX ")
		if b.d.Has(IfNotExistsIndex) {
			sb.sql("IF NOT EXISTS ")
		}
		sb.ident(ix.name).sql(" ON ").ident(m.Table).sql(" (").columns(ix.fields).sql(")")
		stmts = append(stmts, sb.String())
	}
	return stmts
}

type index struct {
	name   string
	unique bool
	fields []*meta.Field
}

// indexes groups the index and composite-unique tags of m's fields.
func indexes(m *meta.Entity) []index {
	var out []index
	add := func(name string, unique bool, f *meta.Field) {
		for i := range out {
			if out[i].name == name {
				out[i].fields = append(out[i].fields, f)
				return
			}
		}
		out = append(out, index{name: name, unique: unique, fields: []*meta.Field{f}})
	}
	for _, f := range m.Fields {
		switch {
		case f.IndexName == "-":
			add("idx_"+m.Table+"_"+f.Column, false, f)
		case f.IndexName != "":
			add(f.IndexName, false, f)
		}
		if f.Unique && f.UniqueName != "" {
			add(f.UniqueName, true, f)
		}
	}
	return out
}
