package meta

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// tagOptions are the options of an orm tag that say how to map the field,
// not what to set on it.
type tagOptions struct {
	json   bool // orm:"json": any type, stored as JSON text
	column bool // orm:"column:name": the column is named, not derived
}

// option is how an orm tag option is written.
type option struct {
	valued   bool // it takes a value after a colon (optional for unique and index)
	relation bool // it applies to Ref and Collection fields only
}

// options are every orm tag option there is; the tag reference in the
// package documentation lists them all (a test holds the two together).
var options = map[string]option{
	"pk": {}, "column": {valued: true}, "unique": {valued: true}, "index": {valued: true},
	"version": {}, "createdAt": {}, "updatedAt": {}, "softDelete": {}, "json": {}, "null": {},
	"type": {valued: true}, "size": {valued: true}, "default": {valued: true},
	"renamedFrom": {valued: true}, // read by the migrate module
	"mappedBy":    {valued: true, relation: true}, "pivot": {valued: true, relation: true},
	"joinColumn": {valued: true, relation: true}, "inverseJoinColumn": {valued: true, relation: true},
	"m2m": {relation: true}, "cascade": {valued: true, relation: true},
	"orphanRemoval": {relation: true}, "required": {relation: true},
	"embedded": {}, "prefix": {valued: true}, // read by addFields, not parseTag
}

// TagOptions returns the name of every orm tag option, sorted.
func TagOptions() []string { return slices.Sorted(maps.Keys(options)) }

// parseTag applies the options of the orm tag to the field f and, for a Ref
// or Collection field, to its relation rel (nil for any other field).
func parseTag(f *Field, rel *Relation, tag string, bad func(string, ...any) error) (tagOptions, error) {
	var t tagOptions
	if tag == "" {
		return t, nil
	}
	for _, opt := range splitTag(tag) {
		key, val, hasVal := strings.Cut(strings.TrimSpace(opt), ":")
		o, known := options[key]
		var err error
		switch {
		case key == "":
			err = bad("malformed tag %q: empty option", tag)
		case !known:
			err = bad("malformed tag %q: unknown option %q", tag, key)
		case !o.relation:
			err = fieldOption(f, &t, key, val, tag, bad)
		case rel == nil:
			err = bad("option %q applies only to Ref and Collection fields", key)
		default:
			err = relationOption(rel, key, val, tag, bad)
		}
		if err != nil {
			return t, err
		}
		if hasVal && !o.valued {
			return t, bad("malformed tag %q: option %q takes no value", tag, key)
		}
	}
	return t, nil
}

// fieldOption applies the tag option key, with its value val, to f or t.
func fieldOption(f *Field, t *tagOptions, key, val, tag string, bad func(string, ...any) error) error {
	switch key {
	case "pk":
		f.PK = true
	case "column":
		if val == "" {
			return bad(`malformed tag %q: column needs a name, as in orm:"column:name"`, tag)
		}
		f.Column, t.column = val, true
	case "unique":
		f.Unique, f.UniqueName = true, val
	case "index":
		f.IndexName = val
		if val == "" {
			f.IndexName = "-" // a single-column index named after the column
		}
	case "version":
		f.Version = true
	case "createdAt", "updatedAt", "softDelete":
		st := map[string]Stamp{"createdAt": StampCreated, "updatedAt": StampUpdated, "softDelete": StampDeleted}[key]
		if f.Stamp != NoStamp && f.Stamp != st {
			return bad("malformed tag %q: a field takes one of createdAt, updatedAt and softDelete, not both", tag)
		}
		f.Stamp = st
	case "json":
		t.json = true
	case "null":
		f.Nullable = true
	case "type":
		if val == "" || strings.ContainsAny(val, ";\x00") {
			return bad(`malformed tag %q: type needs an SQL type without ";", as in orm:"type:numeric(20,2)"`, tag)
		}
		f.SQLType = val
	case "default":
		if val == "" || strings.ContainsAny(val, ";\x00") {
			return bad(`malformed tag %q: default needs an SQL expression without ";", as in orm:"default:CURRENT_TIMESTAMP"`, tag)
		}
		f.Default = val
	case "renamedFrom":
		if val == "" {
			return bad(`malformed tag %q: renamedFrom needs the column's old name, as in orm:"renamedFrom:surname"`, tag)
		}
		f.RenamedFrom = val
	case "size":
		n, err := strconv.Atoi(val)
		if err != nil || n < 1 || n > maxSize {
			return bad(`malformed tag %q: size takes a length from 1 to %d characters, as in orm:"size:80"`, tag, maxSize)
		}
		f.Length = n
	}
	return nil
}

// maxSize is the longest size tag: MySQL's VARCHAR holds at most 16,383
// four-byte characters.
const maxSize = 16383

// splitTag splits an orm tag into its options at the commas that are
// outside parentheses and quotes, so that orm:"type:numeric(20,2)" is one
// option.
func splitTag(tag string) []string {
	var out []string
	depth, quote, start := 0, byte(0), 0
	for i := 0; i < len(tag); i++ {
		c := tag[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth = max(depth-1, 0)
		case c == ',' && depth == 0:
			out = append(out, tag[start:i])
			start = i + 1
		}
	}
	return append(out, tag[start:])
}

// relationOption applies the relation tag option key, with its value val,
// to rel.
func relationOption(rel *Relation, key, val, tag string, bad func(string, ...any) error) error {
	switch key {
	case "mappedBy", "pivot", "joinColumn", "inverseJoinColumn":
		if val == "" {
			return bad("malformed tag %q: %s needs a value", tag, key)
		}
		switch key {
		case "mappedBy":
			rel.MappedBy = val
		case "pivot":
			rel.Pivot = val
		case "joinColumn":
			rel.JoinColumn = val
		default:
			rel.InverseJoinColumn = val
		}
	case "m2m":
		if rel.Kind == RelCollection {
			rel.Kind = RelManyToMany
		}
	case "cascade":
		if val != "remove" {
			return bad(`malformed tag %q: cascade takes "remove"`, tag)
		}
		rel.CascadeRemove = true
	case "orphanRemoval":
		rel.OrphanRemoval = true
	case "required":
		rel.Required = true
	}
	return nil
}
