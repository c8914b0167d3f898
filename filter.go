package orm

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// Filter is a condition on an entity's fields, built with [Eq], [Ne], [Gt],
// [Gte], [Lt], [Lte], [In], [NotIn], [Like], [IsNull], [And], [Or], [Not]
// and [Raw]. Field names are Go field names, checked against the entity's
// metadata when the query runs: an unknown name is an error and nothing is
// sent. Values always travel as bind parameters.
type Filter interface {
	resolve(m *meta.Entity) (*backend.Cond, error)
}

type cmpFilter struct {
	op    backend.Op
	field string
	value any
}

type inFilter struct {
	not    bool
	field  string
	values []any
}

type logicFilter struct {
	op      backend.Op
	filters []Filter
}

type rawFilter struct {
	sql  string
	args []any
}

// Eq matches rows whose field equals v. Eq(field, nil) matches NULL.
func Eq(field string, v any) Filter { return cmpFilter{backend.OpEq, field, v} }

// Ne matches rows whose field differs from v. Ne(field, nil) matches non-NULL.
func Ne(field string, v any) Filter { return cmpFilter{backend.OpNe, field, v} }

// Gt matches rows whose field is greater than v.
func Gt(field string, v any) Filter { return cmpFilter{backend.OpGt, field, v} }

// Gte matches rows whose field is greater than or equal to v.
func Gte(field string, v any) Filter { return cmpFilter{backend.OpGte, field, v} }

// Lt matches rows whose field is less than v.
func Lt(field string, v any) Filter { return cmpFilter{backend.OpLt, field, v} }

// Lte matches rows whose field is less than or equal to v.
func Lte(field string, v any) Filter { return cmpFilter{backend.OpLte, field, v} }

// Like matches rows whose text field matches pattern, with % for any run of
// characters and _ for one. Case sensitivity is the database's (SQLite
// ignores ASCII case).
func Like(field string, pattern string) Filter { return cmpFilter{backend.OpLike, field, pattern} }

// IsNull matches rows whose field is NULL; Not(IsNull(f)) the others.
func IsNull(field string) Filter { return cmpFilter{backend.OpIsNull, field, nil} }

// In matches rows whose field equals one of values. A single slice argument
// is spread: In("ID", ids) is In("ID", ids[0], ids[1], …). No values match
// no row.
func In(field string, values ...any) Filter { return inFilter{false, field, spread(values)} }

// NotIn matches rows whose field equals none of values. No values match
// every row.
func NotIn(field string, values ...any) Filter { return inFilter{true, field, spread(values)} }

// And matches rows every filter matches; And() matches every row.
func And(filters ...Filter) Filter { return logicFilter{backend.OpAnd, filters} }

// Or matches rows at least one filter matches; Or() matches no row.
func Or(filters ...Filter) Filter { return logicFilter{backend.OpOr, filters} }

// Not matches rows f does not match.
func Not(f Filter) Filter { return logicFilter{backend.OpNot, []Filter{f}} }

// Raw is an escape hatch: a condition in the backend's own language, with
// one ? for each argument. Arguments are bound, never spliced into the text,
// but the text itself is sent as written: never build it from user input.
func Raw(sql string, args ...any) Filter { return rawFilter{sql, args} }

func spread(values []any) []any {
	if len(values) != 1 {
		return values
	}
	rv := reflect.ValueOf(values[0])
	if !rv.IsValid() || rv.Kind() != reflect.Slice || rv.Type().Elem().Kind() == reflect.Uint8 {
		return values
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out
}

func field(m *meta.Entity, name string) (*meta.Field, error) {
	if f := m.Field(name); f != nil {
		return f, nil
	}
	hint := ""
	for _, f := range m.Fields {
		if strings.EqualFold(f.Name, name) || f.Column == name {
			hint = fmt.Sprintf(" (did you mean %s?)", f.Name)
		}
	}
	return nil, fmt.Errorf("orm: %s has no field %q%s", m.Name, name, hint)
}

func bind(m *meta.Entity, f *meta.Field, v any) (any, error) {
	b, err := f.Bind(v)
	if err != nil {
		return nil, fmt.Errorf("orm: filter on %s.%s: %w", m.Name, f.Name, err)
	}
	return b, nil
}

// resolvePath resolves a field name or a path through relations
// ("Author.Name", "Books.Tags.Name") and builds the condition on the last
// field with build; each relation step becomes an OpPath condition. A path
// ending at a Ref target's key compares the foreign key itself.
func resolvePath(m *meta.Entity, name string, build func(m *meta.Entity, f *meta.Field) (*backend.Cond, error)) (*backend.Cond, error) {
	head, rest, ok := strings.Cut(name, ".")
	if !ok {
		f, err := field(m, name)
		if err != nil {
			return nil, err
		}
		return build(m, f)
	}
	rel := m.Relation(head)
	if rel == nil {
		return nil, fmt.Errorf("orm: %s has no Ref or Collection field %q (in %q)", m.Name, head, name)
	}
	if rel.Kind == meta.RelRef && rest == rel.Target.PK[0].Name {
		return build(m, rel.Field)
	}
	sub, err := resolvePath(rel.Target, rest, build)
	if err != nil {
		return nil, err
	}
	return &backend.Cond{Op: backend.OpPath, Rel: rel, Conds: []*backend.Cond{sub}}, nil
}

func (c cmpFilter) resolve(m *meta.Entity) (*backend.Cond, error) {
	return resolvePath(m, c.field, c.build)
}

func (c cmpFilter) build(m *meta.Entity, f *meta.Field) (*backend.Cond, error) {
	var err error
	op := c.op
	if c.value == nil || op == backend.OpIsNull {
		switch op {
		case backend.OpEq, backend.OpIsNull:
			return &backend.Cond{Op: backend.OpIsNull, Field: f}, nil
		case backend.OpNe:
			return &backend.Cond{Op: backend.OpNot, Conds: []*backend.Cond{{Op: backend.OpIsNull, Field: f}}}, nil
		}
		return nil, fmt.Errorf("orm: filter on %s.%s: nil cannot be ordered; use IsNull", m.Name, f.Name)
	}
	var v any
	if op == backend.OpLike {
		v = c.value // a pattern, not a value of the field
	} else if v, err = bind(m, f, c.value); err != nil {
		return nil, err
	}
	return &backend.Cond{Op: op, Field: f, Value: v}, nil
}

func (c inFilter) resolve(m *meta.Entity) (*backend.Cond, error) {
	return resolvePath(m, c.field, c.build)
}

func (c inFilter) build(m *meta.Entity, f *meta.Field) (*backend.Cond, error) {
	var err error
	vs := make([]any, len(c.values))
	for i, v := range c.values {
		if vs[i], err = bind(m, f, v); err != nil {
			return nil, err
		}
	}
	op := backend.OpIn
	if c.not {
		op = backend.OpNotIn
	}
	return &backend.Cond{Op: op, Field: f, Values: vs}, nil
}

func (c logicFilter) resolve(m *meta.Entity) (*backend.Cond, error) {
	conds := make([]*backend.Cond, len(c.filters))
	for i, f := range c.filters {
		if f == nil {
			return nil, fmt.Errorf("orm: nil filter in And, Or or Not")
		}
		var err error
		if conds[i], err = f.resolve(m); err != nil {
			return nil, err
		}
	}
	return &backend.Cond{Op: c.op, Conds: conds}, nil
}

func (c rawFilter) resolve(*meta.Entity) (*backend.Cond, error) {
	if strings.Count(c.sql, "?") != len(c.args) {
		return nil, fmt.Errorf("orm: Raw(%q): %d placeholders for %d arguments", c.sql, strings.Count(c.sql, "?"), len(c.args))
	}
	return &backend.Cond{Op: backend.OpRaw, Raw: c.sql, Values: c.args}, nil
}
