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
//
// # NULL
//
// Filters treat nil as a value, the way Go's == does, and every backend
// returns the same rows: a NULL field (a nil pointer, an invalid sql.Null*,
// a zero Ref) equals nil and differs from every other value. So Ne("X", 5)
// matches rows where X is NULL, NotIn("X", 1, 2) matches NULL, In("X", 1,
// nil) matches 1 and NULL, and Not(f) matches exactly the rows f does not
// match. The ordering filters ([Gt], [Gte], [Lt], [Lte]) and [Like] never
// match NULL. On fields that cannot be NULL the SQL is the plain comparison;
// on nullable fields the filters that must match NULL add "OR col IS NULL".
//
// # Paths
//
// A field name may be a path through relations, "Author.Name" or
// "Books.Tags.Code": the filter matches the rows with a related entity the
// condition on the last field matches (any member, for a collection). Not of
// such a filter matches the others, those without a related entity
// included. "Author.ID", the key of a Ref's target, is the foreign key
// itself: Ne("Author.ID", 5) matches rows without an author too.
type Filter interface {
	// resolve resolves the filter against m; neg asks for its complement.
	resolve(m *meta.Entity, neg bool) (*backend.Cond, error)
}

type cmpFilter struct {
	op    backend.Op // OpEq, OpGt, OpGte, OpLt, OpLte, OpLike or OpIsNull
	neg   bool       // the complement: Ne is a negated Eq
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
func Eq(field string, v any) Filter { return cmpFilter{backend.OpEq, false, field, v} }

// Ne matches rows whose field differs from v, the rows where it is NULL
// included (unless v is nil). Ne(field, nil) matches the rows where the
// field is not NULL. Ne is Not(Eq(field, v)).
func Ne(field string, v any) Filter { return cmpFilter{backend.OpEq, true, field, v} }

// Gt matches rows whose field is greater than v; never NULL.
func Gt(field string, v any) Filter { return cmpFilter{backend.OpGt, false, field, v} }

// Gte matches rows whose field is greater than or equal to v; never NULL.
func Gte(field string, v any) Filter { return cmpFilter{backend.OpGte, false, field, v} }

// Lt matches rows whose field is less than v; never NULL.
func Lt(field string, v any) Filter { return cmpFilter{backend.OpLt, false, field, v} }

// Lte matches rows whose field is less than or equal to v; never NULL.
func Lte(field string, v any) Filter { return cmpFilter{backend.OpLte, false, field, v} }

// Like matches rows whose text field matches pattern as a whole, the same
// rows on every backend: % stands for any run of characters (none
// included), _ for exactly one, and a backslash makes the next character
// literal (\% a percent sign, \_ an underscore, \\ a backslash); a
// pattern ending in a lone backslash is an error. Every other character,
// newlines included, matches itself, case-sensitively: "go%" does not match
// "Go". (On MySQL and MariaDB case follows the column's collation; the
// tables CreateSchema makes use a binary one.) Like never matches NULL;
// Not(Like(…)) matches the other rows, NULL included.
func Like(field string, pattern string) Filter {
	return cmpFilter{backend.OpLike, false, field, pattern}
}

// IsNull matches rows whose field is NULL; Not(IsNull(f)) the others.
func IsNull(field string) Filter { return cmpFilter{backend.OpIsNull, false, field, nil} }

// In matches rows whose field equals one of values; a nil among them
// matches NULL. A single slice argument is spread: In("ID", ids) is
// In("ID", ids[0], ids[1], …). No values match no row. There is no limit on
// the number of values: long lists travel as one array argument where the
// database has them (PostgreSQL) or as one JSON argument (SQLite,
// MySQL/MariaDB; for text, numbers and booleans), never as more bind
// parameters than the database accepts.
func In(field string, values ...any) Filter { return inFilter{false, field, spread(values)} }

// NotIn matches rows whose field equals none of values: NULL matches unless
// nil is among them. No values match every row. NotIn is Not(In(…)).
func NotIn(field string, values ...any) Filter { return inFilter{true, field, spread(values)} }

// And matches rows every filter matches; And() matches every row.
func And(filters ...Filter) Filter { return logicFilter{backend.OpAnd, filters} }

// Or matches rows at least one filter matches; Or() matches no row.
func Or(filters ...Filter) Filter { return logicFilter{backend.OpOr, filters} }

// Not matches exactly the rows f does not match, rows with NULL fields
// included: Not(Gt("X", 5)) matches X <= 5 and X NULL. Negations are pushed
// down to the comparisons (Not(Eq) is Ne, Not(And(a, b)) is Or(Not(a),
// Not(b))), so the SQL stays index-friendly.
func Not(f Filter) Filter { return logicFilter{backend.OpNot, []Filter{f}} }

// Raw is an escape hatch: a condition in the backend's own language, with
// one ? for each argument. Arguments are bound, never spliced into the text,
// but the text itself is sent as written: never build it from user input.
// Its NULL semantics are the database's own, but Not(Raw(…)) is still the
// exact complement (the rows where the condition is not true).
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
// ending at a Ref target's key compares the foreign key itself. own is the
// filter's own negation (Ne, NotIn), applied to the last field; neg is
// Not's, the complement of the whole path: both apply to the field when no
// relation step is taken.
func resolvePath(m *meta.Entity, name string, own, neg bool, build func(m *meta.Entity, f *meta.Field, neg bool) (*backend.Cond, error)) (*backend.Cond, error) {
	head, rest, ok := strings.Cut(name, ".")
	if f := m.Field(name); !ok || f != nil { // a field, one of an embeddable's ("Address.City") too
		f, err := field(m, name)
		if err != nil {
			return nil, err
		}
		return build(m, f, own != neg)
	}
	rel := m.Relation(head)
	if rel == nil {
		return nil, fmt.Errorf("orm: %s has no Ref or Collection field %q (in %q)", m.Name, head, name)
	}
	if rel.Kind == meta.RelRef && rest == rel.Target.PK[0].Name {
		return build(m, rel.Field, own != neg)
	}
	sub, err := resolvePath(rel.Target, rest, own, false, build)
	if err != nil {
		return nil, err
	}
	c := &backend.Cond{Op: backend.OpPath, Rel: rel, Conds: []*backend.Cond{sub}}
	if neg {
		c = not(c)
	}
	return c, nil
}

func not(c *backend.Cond) *backend.Cond {
	return &backend.Cond{Op: backend.OpNot, Conds: []*backend.Cond{c}}
}

func isNull(f *meta.Field) *backend.Cond { return &backend.Cond{Op: backend.OpIsNull, Field: f} }

// orNull is c, or f NULL when f is nullable: the complement of a comparison
// that never matches NULL.
func orNull(c *backend.Cond, f *meta.Field) *backend.Cond {
	if !f.Nullable {
		return c
	}
	return &backend.Cond{Op: backend.OpOr, Conds: []*backend.Cond{c, isNull(f)}}
}

// negOps are the complements of the ordering comparisons, NULL aside.
var negOps = map[backend.Op]backend.Op{
	backend.OpGt: backend.OpLte, backend.OpGte: backend.OpLt, backend.OpLt: backend.OpGte, backend.OpLte: backend.OpGt,
}

func (c cmpFilter) resolve(m *meta.Entity, neg bool) (*backend.Cond, error) {
	return resolvePath(m, c.field, c.neg, neg, c.build)
}

// build compiles the comparison, or its complement, to conditions that
// backends evaluate alike: comparisons that never match NULL, IsNull, and
// Or/And/Not over them.
func (c cmpFilter) build(m *meta.Entity, f *meta.Field, neg bool) (*backend.Cond, error) {
	op := c.op
	var v any
	switch {
	case op == backend.OpIsNull:
	case op == backend.OpLike:
		p, err := likePattern(m, f, c.value)
		if err != nil {
			return nil, err
		}
		v = p
	default:
		var err error
		if v, err = bind(m, f, c.value); err != nil {
			return nil, err
		}
		if v == nil { // nil, a nil pointer, an invalid sql.Null*
			if op != backend.OpEq {
				return nil, fmt.Errorf("orm: filter on %s.%s: nil cannot be ordered; use IsNull", m.Name, f.Name)
			}
			op = backend.OpIsNull
		}
	}
	if op == backend.OpIsNull {
		if neg {
			return not(isNull(f)), nil
		}
		return isNull(f), nil
	}
	cond := &backend.Cond{Op: op, Field: f, Value: v}
	switch {
	case !neg:
		return cond, nil
	case op == backend.OpEq:
		cond.Op = backend.OpNe
		return orNull(cond, f), nil
	case op == backend.OpLike:
		return not(cond), nil
	}
	cond.Op = negOps[op]
	return orNull(cond, f), nil
}

// likePattern checks a Like pattern: a string, not ending in a lone
// backslash.
func likePattern(m *meta.Entity, f *meta.Field, v any) (string, error) {
	p, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("orm: Like on %s.%s: the pattern is %T; want a string", m.Name, f.Name, v)
	}
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' {
			if i == len(p)-1 {
				return "", fmt.Errorf("orm: Like on %s.%s: pattern %q ends with a lone backslash (write \\\\ for a literal one)", m.Name, f.Name, p)
			}
			i++
		}
	}
	return p, nil
}

func (c inFilter) resolve(m *meta.Entity, neg bool) (*backend.Cond, error) {
	return resolvePath(m, c.field, c.not, neg, c.build)
}

// build compiles In, or NotIn when neg: nil values become IsNull.
func (c inFilter) build(m *meta.Entity, f *meta.Field, neg bool) (*backend.Cond, error) {
	vs := make([]any, 0, len(c.values))
	null := false
	for _, v := range c.values {
		b, err := bind(m, f, v)
		if err != nil {
			return nil, err
		}
		if b == nil {
			null = true
			continue
		}
		vs = append(vs, b)
	}
	if !neg {
		in := &backend.Cond{Op: backend.OpIn, Field: f, Values: vs}
		switch {
		case !null:
			return in, nil
		case len(vs) == 0:
			return isNull(f), nil
		}
		return &backend.Cond{Op: backend.OpOr, Conds: []*backend.Cond{in, isNull(f)}}, nil
	}
	nin := &backend.Cond{Op: backend.OpNotIn, Field: f, Values: vs}
	switch {
	case !null:
		return orNull(nin, f), nil
	case len(vs) == 0:
		return not(isNull(f)), nil
	}
	return &backend.Cond{Op: backend.OpAnd, Conds: []*backend.Cond{nin, not(isNull(f))}}, nil
}

func (c logicFilter) resolve(m *meta.Entity, neg bool) (*backend.Cond, error) {
	op := c.op
	if op == backend.OpNot {
		if len(c.filters) != 1 || c.filters[0] == nil {
			return nil, fmt.Errorf("orm: nil filter in Not")
		}
		return c.filters[0].resolve(m, !neg)
	}
	if neg { // De Morgan
		if op == backend.OpAnd {
			op = backend.OpOr
		} else {
			op = backend.OpAnd
		}
	}
	conds := make([]*backend.Cond, len(c.filters))
	for i, f := range c.filters {
		if f == nil {
			return nil, fmt.Errorf("orm: nil filter in And or Or")
		}
		var err error
		if conds[i], err = f.resolve(m, neg); err != nil {
			return nil, err
		}
	}
	return &backend.Cond{Op: op, Conds: conds}, nil
}

func (c rawFilter) resolve(_ *meta.Entity, neg bool) (*backend.Cond, error) {
	if strings.Count(c.sql, "?") != len(c.args) {
		return nil, fmt.Errorf("orm: Raw(%q): %d placeholders for %d arguments", c.sql, strings.Count(c.sql, "?"), len(c.args))
	}
	cond := &backend.Cond{Op: backend.OpRaw, Raw: c.sql, Values: c.args}
	if neg {
		return not(cond), nil
	}
	return cond, nil
}
