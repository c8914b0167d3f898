package sql

import (
	"sync"

	"github.com/unitofwork/orm/internal/meta"
)

// A texts cache holds at most maxTexts texts of maxTextBytes in all; a
// full one starts over.
const (
	maxTexts     = 1024
	maxTextBytes = 4 << 20
)

// texts caches the text of the INSERT, upsert and common SELECT
// statements an engine compiles, by shape: the entity, the columns, the
// row count and the clauses. A statement of a shape seen before only
// collects its arguments (an argsOnly builder), which saves building a
// text of some kilobytes, placeholder by placeholder, on every call.
type texts struct {
	mu    sync.RWMutex
	m     map[shape]string
	bytes int // of the texts in m
}

// shape is what the text of an INSERT, upsert or SELECT depends on. Field
// lists are bit sets of positions, so only lists in the entity's own field
// order and entities of at most 64 fields have a shape (see fieldSet).
type shape struct {
	m                        *meta.Entity
	fields, conflict, update uint64
	rows                     int
	flags                    uint8
}

// Flags of a shape.
const (
	shapeUpsert uint8 = 1 << iota
	shapeReturning
	shapeAdvance
	shapeDefaults
	shapeArrays // an INSERT from arrays, whatever the number of rows
	shapeSelect // a SELECT: fields are those of the Eqs of its Where, rows its Limit
	shapeAnd    // the Eqs are an And's
)

// fieldSet returns fs as a bit set of positions, and false when a bit set
// cannot stand for it: more than 64 fields, or not in position order.
func fieldSet(fs []*meta.Field) (uint64, bool) {
	var set uint64
	last := -1
	for _, f := range fs {
		if f.Pos >= 64 || f.Pos <= last {
			return 0, false
		}
		set |= 1 << f.Pos
		last = f.Pos
	}
	return set, true
}

// cached returns the text cached for k, if any; a zero k has none, nor
// has anything a nil t.
func (t *texts) cached(k shape) (string, bool) {
	if t == nil || k.m == nil {
		return "", false
	}
	t.mu.RLock()
	text, ok := t.m[k]
	t.mu.RUnlock()
	return text, ok
}

// compile returns the statement build writes: the text cached for k when
// there is one, and its arguments, else what build writes in full, whose
// text is then cached. A zero k (no shape) is never cached, nor is
// anything by a nil t.
func (t *texts) compile(d Dialect, k shape, args int, build func(*builder) error) (stmt, error) {
	if t == nil {
		k = shape{}
	}
	if text, ok := t.cached(k); ok {
		sb := &builder{d: d, argsOnly: true, args: make([]any, 0, args)}
		if err := build(sb); err != nil {
			return stmt{}, err
		}
		return stmt{text: text, args: sb.args}, nil
	}
	sb := &builder{d: d, args: make([]any, 0, args)}
	if err := build(sb); err != nil {
		return stmt{}, err
	}
	st := sb.stmt()
	if k.m != nil {
		t.mu.Lock()
		if t.m == nil || len(t.m) >= maxTexts || t.bytes+len(st.text) > maxTextBytes {
			t.m, t.bytes = make(map[shape]string), 0
		}
		if _, ok := t.m[k]; !ok {
			t.m[k] = st.text
			t.bytes += len(st.text)
		}
		t.mu.Unlock()
	}
	return st, nil
}
