package migrate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	atlas "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
	"github.com/unitofwork/orm/sql"
)

// Plan is what brings the live database to the schema the entities
// declare: one Change per table added or modified, in the order they apply.
type Plan struct {
	Changes []Change
}

// Change is one step of a Plan.
type Change struct {
	Up          string // the statements that make the change, each ending in ";\n"
	Down        string // the statements that undo it; empty when it cannot be undone
	Destructive bool   // it drops data: a table, a column, or a type that may not hold every value
	Comment     string // what it does, as "add column \"age\" to table \"author\""
}

// Empty reports whether the plan changes nothing: the database matches the
// entities.
func (p *Plan) Empty() bool { return len(p.Changes) == 0 }

// Diff compares the entities registered on db with the live database and
// returns the plan that brings the database to them. Tables no entity maps
// are left alone: Diff never drops a table.
func Diff(ctx context.Context, db *orm.DB) (*Plan, error) {
	t, err := target(ctx, db)
	if err != nil {
		return nil, err
	}
	defer t.close()
	return t.plan(ctx)
}

// schemas are the live database and a scratch copy of the schema the
// entities declare, built by CreateSchema's own statements, inspected alike.
type schemas struct {
	drv  atlas.Driver
	live *schema.Schema
	want *schema.Schema
	m    []*meta.Entity
	kind string // sqlite, postgres, mysql or mariadb
	done func()
}

func (s *schemas) close() {
	if s.done != nil {
		s.done()
	}
}

// target inspects the live database and the scratch one.
func target(ctx context.Context, db *orm.DB) (*schemas, error) {
	public, _, reg, err := backend.DBParts(db)
	if err != nil {
		return nil, err
	}
	b, ok := public.(*sql.Backend)
	if !ok {
		return nil, fmt.Errorf("orm/migrate: Diff: %T is not a SQL backend (on MongoDB, Up creates the collections and indexes, and Check lists those missing)", public)
	}
	ddl, err := backend.SchemaDDL(b, reg.List)
	if err != nil {
		return nil, err
	}
	sdb := b.DB()
	s := &schemas{m: reg.List, kind: b.Dialect().Name()}
	sp, err := scratchFor(s.kind)
	if err != nil {
		return nil, err
	}
	if s.drv, err = sp.open(sdb); err != nil {
		return nil, fmt.Errorf("orm/migrate: %w", err)
	}
	name, err := sp.current(ctx, sdb)
	if err != nil {
		return nil, fmt.Errorf("orm/migrate: reading the current schema: %w", err)
	}
	if s.live, err = s.drv.InspectSchema(ctx, name, nil); err != nil {
		return nil, fmt.Errorf("orm/migrate: inspecting schema %q: %w", name, err)
	}
	want, done, err := sp.build(ctx, sdb, s.live, ddl)
	s.done = done
	if err != nil {
		s.close()
		return nil, fmt.Errorf("orm/migrate: building the entities' schema in a scratch database: %w", err)
	}
	want.Name, want.Attrs = s.live.Name, s.live.Attrs
	s.want = want
	s.live.Tables = slices.DeleteFunc(s.live.Tables, func(t *schema.Table) bool {
		_, mapped := want.Table(t.Name)
		return !mapped || t.Name == table
	})
	return s, nil
}

// plan diffs the live schema against the wanted one and plans each change
// forward and back.
func (s *schemas) plan(ctx context.Context) (*Plan, error) {
	indexes := map[string][]*schema.Index{} // the live ones, which Atlas's MySQL diff trims
	for _, t := range s.live.Tables {
		indexes[t.Name] = slices.Clone(t.Indexes)
	}
	changes, err := s.drv.SchemaDiff(s.live, s.want)
	if err != nil {
		return nil, fmt.Errorf("orm/migrate: %w", err)
	}
	changes = renames(s.m, sameShapes(changes), false)
	switch s.kind {
	case "mysql", "mariadb":
		changes = fkIndexes(indexes, changes)
	case "sqlite":
		rebuildForUnique(changes)
	}
	back, err := s.drv.SchemaDiff(s.want, s.live)
	if err != nil {
		return nil, fmt.Errorf("orm/migrate: %w", err)
	}
	undo := map[string]schema.Change{} // table → the change back, for changes Atlas has no reverse of
	for _, c := range renames(s.m, sameShapes(back), true) {
		if mt, ok := c.(*schema.ModifyTable); ok {
			undo[mt.T.Name] = c
		}
	}
	p := &Plan{}
	for _, c := range changes {
		pc, err := s.change(ctx, c, undo)
		if err != nil {
			return nil, err
		}
		p.Changes = append(p.Changes, pc)
	}
	return p, nil
}

// change plans one schema change, with its reverse: Atlas's where every
// statement of it has one, else the plan of the change back, undo (a table
// SQLite rebuilds, for one).
func (s *schemas) change(ctx context.Context, c schema.Change, undo map[string]schema.Change) (Change, error) {
	pl, err := s.planned(ctx, c)
	if err != nil {
		return Change{}, err
	}
	var up, down []string
	reversible := true
	for _, pc := range pl.Changes {
		up = append(up, pc.Cmd)
		rev, err := pc.ReverseStmts()
		if err != nil || len(rev) == 0 {
			reversible = false
		}
		down = append(slices.Clone(rev), down...)
	}
	out := Change{Up: lines(up), Destructive: destructive(c), Comment: describe(c)}
	if mt, ok := c.(*schema.ModifyTable); ok && !reversible && undo[mt.T.Name] != nil {
		back, err := s.planned(ctx, undo[mt.T.Name])
		if err != nil {
			return Change{}, err
		}
		down, reversible = nil, true
		for _, pc := range back.Changes {
			down = append(down, pc.Cmd)
		}
	}
	if reversible {
		out.Down = lines(down)
	}
	return out, nil
}

// planned plans the statements of one change, its tables unqualified.
func (s *schemas) planned(ctx context.Context, c schema.Change) (*atlas.Plan, error) {
	pl, err := s.drv.PlanChanges(ctx, "", []schema.Change{c}, func(o *atlas.PlanOptions) {
		none := ""
		o.SchemaQualifier = &none
	})
	if err != nil {
		return nil, fmt.Errorf("orm/migrate: planning %s: %w", describe(c), err)
	}
	return pl, nil
}

// lines joins statements, each ending in ";\n".
func lines(stmts []string) string {
	var b strings.Builder
	for _, st := range stmts {
		b.WriteString(strings.TrimSuffix(strings.TrimSpace(st), ";"))
		b.WriteString(";\n")
	}
	return b.String()
}

// destructive reports whether c may lose data: a dropped table or column,
// or a column whose type changes.
func destructive(c schema.Change) bool {
	switch c := c.(type) {
	case *schema.DropTable, *schema.DropColumn:
		return true
	case *schema.ModifyColumn:
		return c.Change.Is(schema.ChangeType) && !widens(c.From.Type.Type, c.To.Type.Type)
	case *schema.ModifyTable:
		return slices.ContainsFunc(c.Changes, destructive)
	}
	return false
}

// describe names a change for comments and for Check's error.
func describe(c schema.Change) string {
	switch c := c.(type) {
	case *schema.AddTable:
		return fmt.Sprintf("add table %q", c.T.Name)
	case *schema.DropTable:
		return fmt.Sprintf("drop table %q", c.T.Name)
	case *schema.ModifyTable:
		var parts []string
		for _, cc := range c.Changes {
			if cc != rebuild {
				parts = append(parts, describe(cc))
			}
		}
		return fmt.Sprintf("table %q: %s", c.T.Name, strings.Join(parts, ", "))
	case *schema.AddColumn:
		return fmt.Sprintf("add column %q", c.C.Name)
	case *schema.DropColumn:
		return fmt.Sprintf("drop column %q", c.C.Name)
	case *schema.ModifyColumn:
		return fmt.Sprintf("modify column %q (%s)", c.To.Name, columnChange(c.Change))
	case *schema.RenameColumn:
		return fmt.Sprintf("rename column %q to %q", c.From.Name, c.To.Name)
	case *schema.AddIndex:
		return fmt.Sprintf("add index %q", c.I.Name)
	case *schema.DropIndex:
		return fmt.Sprintf("drop index %q", c.I.Name)
	case *schema.ModifyIndex:
		return fmt.Sprintf("modify index %q", c.To.Name)
	case *schema.AddForeignKey:
		return fmt.Sprintf("add foreign key %q", c.F.Symbol)
	case *schema.DropForeignKey:
		return fmt.Sprintf("drop foreign key %q", c.F.Symbol)
	case *schema.ModifyForeignKey:
		return fmt.Sprintf("modify foreign key %q", c.To.Symbol)
	case *schema.AddCheck:
		return fmt.Sprintf("add check %q", c.C.Name)
	case *schema.DropCheck:
		return fmt.Sprintf("drop check %q", c.C.Name)
	case *schema.ModifyCheck:
		return fmt.Sprintf("modify check %q", c.To.Name)
	case *schema.AddPrimaryKey:
		return "add primary key"
	case *schema.DropPrimaryKey:
		return "drop primary key"
	case *schema.ModifyPrimaryKey:
		return "modify primary key"
	}
	return fmt.Sprintf("%T", c)
}

// columnChange spells what changes in a column.
func columnChange(k schema.ChangeKind) string {
	var parts []string
	for _, n := range []struct {
		k    schema.ChangeKind
		name string
	}{{schema.ChangeType, "type"}, {schema.ChangeNull, "nullability"}, {schema.ChangeDefault, "default"}, {schema.ChangeAttr, "attributes"}, {schema.ChangeCollate, "collation"}, {schema.ChangeCharset, "charset"}, {schema.ChangeComment, "comment"}, {schema.ChangeGenerated, "generated"}} {
		if k.Is(n.k) {
			parts = append(parts, n.name)
		}
	}
	if len(parts) == 0 {
		return "attributes"
	}
	return strings.Join(parts, ", ")
}

// Check reports whether the live database matches the entities registered
// on db: nil when it does, else an error listing each difference. Call it
// from a test or at startup; orm.Open does not.
func Check(ctx context.Context, db *orm.DB) error {
	var drift []string
	if missing, ok, err := missingSchema(ctx, db); ok || err != nil {
		if err != nil {
			return err
		}
		drift = missing
	} else {
		p, err := Diff(ctx, db)
		if err != nil {
			return err
		}
		for _, c := range p.Changes {
			drift = append(drift, c.Comment)
		}
	}
	if len(drift) == 0 {
		return nil
	}
	errs := make([]error, len(drift))
	for i, d := range drift {
		errs[i] = errors.New(d)
	}
	return fmt.Errorf("orm/migrate: the database does not match the entities:\n%w", errors.Join(errs...))
}

// missingSchema lists, on a backend with no schema to diff (MongoDB), the
// collections and indexes the entities declare that the database lacks;
// ok is false on a SQL backend.
func missingSchema(ctx context.Context, db *orm.DB) (missing []string, ok bool, err error) {
	_, b, reg, err := backend.DBParts(db)
	if err != nil {
		return nil, true, err
	}
	sc, ok := b.(backend.SchemaChecker)
	if !ok {
		return nil, false, nil
	}
	missing, err = sc.MissingSchema(ctx, backend.Scope{}, reg.List)
	return missing, true, err
}

// widens reports whether a column of type from certainly fits every value
// in type to: a longer or unbounded text, a wider integer.
func widens(from, to schema.Type) bool {
	switch f := from.(type) {
	case *schema.StringType:
		t, ok := to.(*schema.StringType)
		if !ok {
			return false
		}
		if unbounded(t.T) {
			return true
		}
		return !unbounded(f.T) && f.Size > 0 && t.Size >= f.Size
	case *schema.IntegerType:
		t, ok := to.(*schema.IntegerType)
		return ok && f.Unsigned == t.Unsigned && intRank(t.T) >= intRank(f.T) && intRank(f.T) > 0
	}
	return false
}

// unbounded reports whether the string type t has no length limit worth
// the name.
func unbounded(t string) bool {
	switch strings.ToLower(t) {
	case "text", "mediumtext", "longtext":
		return true
	}
	return false
}

// intRank orders integer types by width; 0 is one it does not know.
func intRank(t string) int {
	switch strings.ToLower(t) {
	case "tinyint":
		return 1
	case "smallint", "int2":
		return 2
	case "mediumint":
		return 3
	case "int", "integer", "int4":
		return 4
	case "bigint", "int8":
		return 5
	}
	return 0
}

// fkIndexes adds, on MySQL and MariaDB, the drop of the index a dropped
// foreign key leaves behind: Atlas takes such an index for the one the
// server makes for the key and leaves it out of the diff while the key is
// there, so that after the key goes a second diff would find it.
func fkIndexes(live map[string][]*schema.Index, changes []schema.Change) []schema.Change {
	for _, c := range changes {
		mt, ok := c.(*schema.ModifyTable)
		if !ok {
			continue
		}
		for _, cc := range mt.Changes {
			d, ok := cc.(*schema.DropForeignKey)
			if !ok {
				continue
			}
			for _, idx := range live[mt.T.Name] {
				if _, kept := mt.T.Index(idx.Name); !kept && sameColumns(idx, d.F.Columns) && !dropsIndex(mt.Changes, idx.Name) {
					mt.Changes = append(mt.Changes, &schema.DropIndex{I: idx})
				}
			}
		}
	}
	return changes
}

// sameColumns reports whether the index is on exactly the columns cs.
func sameColumns(idx *schema.Index, cs []*schema.Column) bool {
	if len(idx.Parts) != len(cs) {
		return false
	}
	for i, p := range idx.Parts {
		if p.C == nil || p.C.Name != cs[i].Name {
			return false
		}
	}
	return true
}

func dropsIndex(changes []schema.Change, name string) bool {
	return slices.ContainsFunc(changes, func(c schema.Change) bool {
		d, ok := c.(*schema.DropIndex)
		return ok && d.I.Name == name
	})
}

// sameShapes drops the pairs of changes that drop an index or foreign key
// and add one of the same shape under another name: a schema written by
// hand names them its own way, and matches the entities all the same.
func sameShapes(changes []schema.Change) []schema.Change {
	return slices.DeleteFunc(changes, func(c schema.Change) bool {
		mt, ok := c.(*schema.ModifyTable)
		if !ok {
			return false
		}
		gone := map[schema.Change]bool{}
		for _, a := range mt.Changes {
			for _, d := range mt.Changes {
				if !gone[a] && !gone[d] && sameShape(d, a) {
					gone[a], gone[d] = true, true
				}
			}
		}
		mt.Changes = slices.DeleteFunc(mt.Changes, func(cc schema.Change) bool { return gone[cc] })
		return len(mt.Changes) == 0
	})
}

// sameShape reports whether drop removes an index or foreign key that add
// adds again, under another name.
func sameShape(drop, add schema.Change) bool {
	switch d := drop.(type) {
	case *schema.DropIndex:
		a, ok := add.(*schema.AddIndex)
		return ok && d.I.Unique == a.I.Unique && partNames(d.I) == partNames(a.I)
	case *schema.DropForeignKey:
		a, ok := add.(*schema.AddForeignKey)
		return ok && d.F.RefTable != nil && a.F.RefTable != nil && d.F.RefTable.Name == a.F.RefTable.Name &&
			columnNames(d.F.Columns) == columnNames(a.F.Columns) && columnNames(d.F.RefColumns) == columnNames(a.F.RefColumns) &&
			d.F.OnDelete == a.F.OnDelete && d.F.OnUpdate == a.F.OnUpdate
	}
	return false
}

func partNames(idx *schema.Index) string {
	var b strings.Builder
	for _, p := range idx.Parts {
		if p.C == nil {
			return fmt.Sprintf("expr %p", idx) // an expression index: never the same shape as another
		}
		b.WriteString(p.C.Name)
		b.WriteByte(0)
	}
	return b.String()
}

func columnNames(cs []*schema.Column) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(c.Name)
		b.WriteByte(0)
	}
	return b.String()
}

// rebuild is a change of nothing that makes Atlas's SQLite planner rebuild
// the table, as it does for any change ALTER TABLE cannot make.
var rebuild = &schema.ModifyAttr{}

// rebuildForUnique makes SQLite rebuild a table to drop an index its
// UNIQUE column constraint made (an autoindex, which DROP INDEX refuses):
// Atlas's planner would send DROP INDEX.
func rebuildForUnique(changes []schema.Change) {
	for _, c := range changes {
		mt, ok := c.(*schema.ModifyTable)
		if !ok {
			continue
		}
		if slices.ContainsFunc(mt.Changes, func(cc schema.Change) bool {
			d, ok := cc.(*schema.DropIndex)
			return ok && slices.ContainsFunc(d.I.Attrs, func(a schema.Attr) bool {
				o, ok := a.(*sqlite.IndexOrigin)
				return ok && o.O == "u"
			})
		}) {
			mt.Changes = append(mt.Changes, rebuild)
		}
	}
}
