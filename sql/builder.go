package sql

import (
	"github.com/unitofwork/orm/internal/meta"
)

// builder writes one statement: text with dialect placeholders and the
// arguments they bind.
type builder struct {
	d    Dialect
	buf  []byte
	args []any
	qual string // when set, column references are qualified with it

	// argsOnly builders collect the arguments and write no text: the
	// text is known already (see texts).
	argsOnly bool
}

// col appends a column reference, qualified when the builder says so.
func (b *builder) col(f *meta.Field) *builder {
	if b.qual != "" {
		b.ident(b.qual).sql(".")
	}
	return b.ident(f.Column)
}

// qcol appends table.column.
func (b *builder) qcol(table, column string) *builder {
	return b.ident(table).sql(".").ident(column)
}

func (b *builder) sql(s string) *builder {
	if !b.argsOnly {
		b.buf = append(b.buf, s...)
	}
	return b
}

func (b *builder) ident(name string) *builder {
	if !b.argsOnly {
		b.buf = b.d.AppendIdent(b.buf, name)
	}
	return b
}

// arg appends a placeholder for v, a value of field f (or nil).
func (b *builder) arg(v any, f *meta.Field) *builder {
	if f != nil && f.Storage == meta.KindUUID {
		v = uuidArg(b.d, v)
	}
	b.args = append(b.args, v)
	if !b.argsOnly {
		b.buf = b.d.AppendPlaceholder(b.buf, len(b.args), column(f))
	}
	return b
}

// columns appends the quoted column names of fields, comma-separated.
func (b *builder) columns(fields []*meta.Field) *builder {
	for i, f := range fields {
		if i > 0 {
			b.sql(", ")
		}
		b.col(f)
	}
	return b
}

// raw appends SQL text written with ? placeholders, each bound to the next
// of args and rendered as the dialect's own.
func (b *builder) raw(text string, args []any) *builder {
	next := 0
	for i := 0; i < len(text); i++ {
		if text[i] == '?' && next < len(args) {
			b.arg(args[next], nil)
			next++
			continue
		}
		if !b.argsOnly {
			b.buf = append(b.buf, text[i])
		}
	}
	return b
}

func (b *builder) String() string { return string(b.buf) }

// stmt is a compiled statement: its text, with the dialect's placeholders,
// and the arguments they bind.
type stmt struct {
	text string
	args []any
}

// stmt returns the statement built.
func (b *builder) stmt() stmt { return stmt{text: string(b.buf), args: b.args} }
