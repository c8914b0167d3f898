package sql

import (
	"slices"
	"strconv"
	"strings"

	"github.com/unitofwork/orm/internal/meta"
)

// createStmts compiles the schema of es: each entity's table, then the
// foreign keys the dialect adds separately, then pivot tables and indexes,
// each skipped when it exists.
func createStmts(d Dialect, es []*meta.Entity) []string {
	var stmts []string
	for _, m := range es {
		stmts = append(stmts, tableDDL(d, m))
	}
	if fk, ok := d.(foreignKeyer); ok {
		for _, m := range es {
			for _, f := range m.Fields {
				if f.Kind == meta.KindRef {
					t := f.Rel.Target
					stmts = append(stmts, fk.ForeignKey(m.Table, "fk_"+m.Table+"_"+f.Column, f.Column, t.Table, t.PK[0].Column))
				}
			}
		}
	}
	for _, m := range es {
		for _, rel := range m.Collections {
			if rel.Kind == meta.RelManyToMany && rel.Owning() {
				stmts = append(stmts, pivotDDL(d, rel)...)
			}
		}
		for _, ix := range indexes(m) {
			sb := &builder{d: d}
			sb.sql("CREATE ")
			if ix.unique {
				sb.sql("UNIQUE ")
			}
			sb.sql("INDEX ")
			if d.Has(IfNotExistsIndex) {
				sb.sql("IF NOT EXISTS ")
			}
			sb.ident(ix.name).sql(" ON ").ident(m.Table).sql(" (").columns(ix.fields).sql(")")
			stmts = append(stmts, sb.String())
		}
	}
	return stmts
}

// dropStmts compiles the drop of the tables of es and their pivot tables,
// pivots first, then tables in reverse order, between the statements the
// dialect runs around them.
func dropStmts(d Dialect, es []*meta.Entity) []string {
	var stmts, after []string
	if d, ok := d.(interface {
		DropSchemaAround() (before, after []string)
	}); ok {
		var before []string
		before, after = d.DropSchemaAround()
		stmts = append(stmts, before...)
	}
	cascade := ""
	if d.Has(DropCascade) {
		cascade = " CASCADE"
	}
	for _, m := range es {
		for _, rel := range m.Collections {
			if rel.Kind == meta.RelManyToMany && rel.Owning() {
				stmts = append(stmts, (&builder{d: d}).sql("DROP TABLE IF EXISTS ").ident(rel.Pivot).sql(cascade).String())
			}
		}
	}
	for _, m := range slices.Backward(es) {
		stmts = append(stmts, (&builder{d: d}).sql("DROP TABLE IF EXISTS ").ident(m.Table).sql(cascade).String())
	}
	stmts = append(stmts, after...)
	return stmts
}

// tableDDL returns the CREATE TABLE statement of m.
func tableDDL(d Dialect, m *meta.Entity) string {
	sb := &builder{d: d}
	sb.sql("CREATE TABLE IF NOT EXISTS ").ident(m.Table).sql(" (")
	for i, f := range m.Fields {
		if i > 0 {
			sb.sql(", ")
		}
		sb.ident(f.Column).sql(" ")
		if f.Auto {
			sb.sql(d.AutoKey(column(f)))
			continue
		}
		sb.sql(columnType(d, column(f)))
		if f.Default != "" {
			sb.sql(" DEFAULT (").sql(f.Default).sql(")")
		}
		if !f.Nullable {
			sb.sql(" NOT NULL")
		}
		if f.Unique && f.UniqueName == "" {
			sb.sql(" UNIQUE")
		}
		if _, separate := d.(foreignKeyer); f.Kind == meta.KindRef && !separate {
			t := f.Rel.Target
			sb.sql(" REFERENCES ").ident(t.Table).sql(" (").ident(t.PK[0].Column).sql(")")
		}
	}
	if m.Auto == nil {
		sb.sql(", PRIMARY KEY (").columns(m.PK).sql(")")
	}
	for _, f := range m.Fields {
		if f.Enum != nil {
			enumCheck(sb, m, f)
		}
	}
	sb.sql(")")
	if d, ok := d.(interface{ TableOptions() string }); ok {
		sb.sql(" ").sql(d.TableOptions())
	}
	return sb.String()
}

// columnType is the SQL type of c: the one its field declares, else the
// dialect's.
func columnType(d Dialect, c Column) string {
	if c.Declared != "" {
		return c.Declared
	}
	return d.ColumnType(c)
}

// enumCheck appends the CHECK constraint allowing the enum field f only
// the values its type lists, named as PostgreSQL names a column's own
// (<table>_<column>_check), as a table constraint, the form every SQL
// dialect takes: CONSTRAINT "t_c_check" CHECK ("c" IN (…)).
func enumCheck(sb *builder, m *meta.Entity, f *meta.Field) {
	sb.sql(", CONSTRAINT ").ident(m.Table + "_" + f.Column + "_check").sql(" CHECK (").ident(f.Column).sql(" IN (")
	for i, s := range f.Enum.Strings {
		if i > 0 {
			sb.sql(", ")
		}
		sb.sql("'").sql(strings.ReplaceAll(s, "'", "''")).sql("'")
	}
	for i, n := range f.Enum.Ints {
		if i > 0 {
			sb.sql(", ")
		}
		sb.sql(strconv.FormatInt(n, 10))
	}
	sb.sql("))")
}

// pivotDDL creates the pivot table of a many-to-many relation: both keys,
// together the primary key, each a foreign key whose rows go with it.
func pivotDDL(d Dialect, rel *meta.Relation) []string {
	o, t := rel.Owner, rel.Target
	sb := &builder{d: d}
	sb.sql("CREATE TABLE IF NOT EXISTS ").ident(rel.Pivot).sql(" (").
		ident(rel.JoinColumn).sql(" ").sql(columnType(d, column(o.PK[0]))).sql(" NOT NULL, ").
		ident(rel.InverseJoinColumn).sql(" ").sql(columnType(d, column(t.PK[0]))).sql(" NOT NULL, PRIMARY KEY (").
		ident(rel.JoinColumn).sql(", ").ident(rel.InverseJoinColumn).sql("), FOREIGN KEY (").
		ident(rel.JoinColumn).sql(") REFERENCES ").ident(o.Table).sql(" (").ident(o.PK[0].Column).
		sql(") ON DELETE CASCADE, FOREIGN KEY (").ident(rel.InverseJoinColumn).sql(") REFERENCES ").
		ident(t.Table).sql(" (").ident(t.PK[0].Column).sql(") ON DELETE CASCADE)")
	if d, ok := d.(interface{ TableOptions() string }); ok {
		sb.sql(" ").sql(d.TableOptions())
	}
	ix := &builder{d: d}
	ix.sql("CREATE INDEX ")
	if d.Has(IfNotExistsIndex) {
		ix.sql("IF NOT EXISTS ")
	}
	ix.ident("idx_" + rel.Pivot + "_" + rel.InverseJoinColumn).sql(" ON ").ident(rel.Pivot).sql(" (").ident(rel.InverseJoinColumn).sql(")")
	return []string{sb.String(), ix.String()}
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
		case f.IndexName == "-" || (f.Kind == meta.KindRef && f.IndexName == "" && !f.Unique):
			add("idx_"+m.Table+"_"+f.Column, false, f) // a unique Ref has its unique index
		case f.IndexName != "":
			add(f.IndexName, false, f)
		}
		if f.Unique && f.UniqueName != "" {
			add(f.UniqueName, true, f)
		}
	}
	return out
}
