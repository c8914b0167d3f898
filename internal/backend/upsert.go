package backend

import (
	"fmt"
	"strconv"
	"time"
	"unsafe"

	"github.com/unitofwork/orm/internal/meta"
)

// Signature returns the conflict values of the entity at p as a string:
// equal for the rows of one conflict, whatever the time zone of a time.
func (u *Upsert) Signature(p unsafe.Pointer) string {
	var buf [64]byte
	return string(u.appendSignatures(buf[:0], p))
}

// appendSignatures appends the Signature of the entity at p to b.
func (u *Upsert) appendSignatures(b []byte, p unsafe.Pointer) []byte {
	for _, f := range u.Conflict {
		v, _ := f.Value(p)
		if t, ok := v.(time.Time); ok {
			v = t.UTC().Format(time.RFC3339Nano)
		}
		b = appendSignature(b, v)
	}
	return b
}

// appendSignature appends "%T:%v\x00" of v to b, for the common keys
// without fmt: an upsert of n rows takes 3n signatures.
func appendSignature(b []byte, v any) []byte {
	switch x := v.(type) {
	case int64:
		b = strconv.AppendInt(append(b, "int64:"...), x, 10)
	case string:
		b = append(append(b, "string:"...), x...)
	default:
		b = append(b, fmt.Sprintf("%T:%v", v, v)...)
	}
	return append(b, 0)
}

// Matcher pairs the rows an upsert reads back with the rows of u.Rows
// they were written from, by their conflict values. A database may have
// stored those values otherwise than given (a time at its own precision,
// a string under a collation that ignores case or trailing spaces): the
// rows it pairs with none are read again one by one, by the values given,
// which the database then compares its own way.
type Matcher struct {
	u       *Upsert
	ints    map[int64]int  // by the value of a lone integer conflict field
	index   map[string]int // else by Signature
	matched []bool
	dup     [2]int // the first two rows sharing their conflict values
	hasDup  bool
}

// Matcher returns a Matcher of u's rows, the same one on every call.
func (u *Upsert) Matcher() *Matcher {
	if u.matcher != nil {
		return u.matcher
	}
	m := &Matcher{u: u, matched: make([]bool, len(u.Rows))}
	if u.intConflict() {
		m.ints = make(map[int64]int, len(u.Rows))
	} else {
		m.index = make(map[string]int, len(u.Rows))
	}
	for i, p := range u.Rows {
		j, ok := m.lookup(p)
		if ok && !m.hasDup {
			m.dup, m.hasDup = [2]int{j, i}, true
		}
		if m.ints != nil {
			m.ints[u.Conflict[0].Int(p)] = i
		} else {
			m.index[u.Signature(p)] = i
		}
	}
	u.matcher = m
	return m
}

// intConflict reports whether the conflict target is one integer field,
// whose value itself can pair rows.
func (u *Upsert) intConflict() bool {
	f := u.Conflict
	return len(f) == 1 && !f[0].Ptr && (f[0].Kind == meta.KindInt || f[0].Kind == meta.KindUint)
}

// lookup returns the index of the row with the conflict values of the
// entity at p, making no string.
func (m *Matcher) lookup(p unsafe.Pointer) (int, bool) {
	if m.ints != nil {
		i, ok := m.ints[m.u.Conflict[0].Int(p)]
		return i, ok
	}
	var buf [64]byte
	i, ok := m.index[string(m.u.appendSignatures(buf[:0], p))]
	return i, ok
}

// Duplicate returns the positions of the first two rows of u.Rows that
// share their conflict values, if two do.
func (m *Matcher) Duplicate() (int, int, bool) { return m.dup[0], m.dup[1], m.hasDup }

// Match returns the index in u.Rows of the row whose conflict values the
// row read back at p has exactly, when there is one not matched yet.
func (m *Matcher) Match(p unsafe.Pointer) (int, bool) {
	i, ok := m.lookup(p)
	if !ok || m.matched[i] {
		return 0, false
	}
	m.matched[i] = true
	return i, true
}

// Unmatched returns the indexes of the rows of u.Rows no row read back has
// matched.
func (m *Matcher) Unmatched() []int {
	var out []int
	for i, ok := range m.matched {
		if !ok {
			out = append(out, i)
		}
	}
	return out
}

// Matched records that the row at index i of u.Rows was read back.
func (m *Matcher) Matched(i int) { m.matched[i] = true }
