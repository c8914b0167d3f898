// Package uuid makes the UUIDv7 keys the ORM generates for zero UUID
// primary keys, and reads and writes the text form some databases use.
//
// A UUIDv7 (RFC 9562, section 5.7) holds the Unix time in milliseconds in
// its first 48 bits, then the version (7), 12 bits rand_a, the variant
// (binary 10) and 62 bits rand_b. A [Generator] uses rand_a as a counter
// (the RFC's method 1, a fixed-length dedicated counter): the first key of
// a millisecond starts it at a random value below 2^11, each further key
// of the same millisecond increments it, and when it would overflow, the
// timestamp moves one millisecond ahead. So the keys one Generator makes
// are strictly increasing, as bytes and as text, even when the clock stands
// still or steps back; rand_b comes from crypto/rand.
package uuid

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync"
	"time"
)

// Generator makes UUIDv7s that increase strictly, in the order they are
// made. It is safe for concurrent use; the zero Generator reads time.Now.
type Generator struct {
	mu  sync.Mutex
	ms  int64  // the timestamp of the last key made
	seq uint16 // its counter, 12 bits
	now func() time.Time
}

// NewGenerator returns a Generator reading the clock now, for tests.
func NewGenerator(now func() time.Time) *Generator { return &Generator{now: now} }

// New returns a new UUIDv7, after every one g made before.
func (g *Generator) New() [16]byte {
	var r [10]byte
	rand.Read(r[:]) // never fails (crypto/rand, Go 1.24 and later)
	ms, seq := g.next(binary.BigEndian.Uint16(r[:2]) & 0x7ff)
	var u [16]byte
	u[0], u[1], u[2], u[3], u[4], u[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	u[6] = 0x70 | byte(seq>>8)
	u[7] = byte(seq)
	copy(u[8:], r[2:])
	u[8] = 0x80 | u[8]&0x3f
	return u
}

// next returns the timestamp and counter of the next key: the clock's
// millisecond with the counter at start, the first time the clock shows
// it; else the last key's with the counter incremented, carried into the
// timestamp on overflow.
func (g *Generator) next(start uint16) (int64, uint16) {
	now := time.Now
	if g.now != nil {
		now = g.now
	}
	ms := now().UnixMilli()
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case ms > g.ms:
		g.ms, g.seq = ms, start
	case g.seq < 0xfff:
		g.seq++
	default:
		g.ms, g.seq = g.ms+1, start
	}
	return g.ms, g.seq
}

// Format returns u in the canonical text form,
// xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, in lower case.
func Format(u [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// Parse reads the text form of a UUID: the canonical form (in either
// case) or 32 hexadecimal digits without hyphens. It reports false for
// anything else.
func Parse(s string) ([16]byte, bool) {
	var u [16]byte
	switch len(s) {
	case 36:
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return u, false
		}
		s = s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	case 32:
	default:
		return u, false
	}
	if _, err := hex.Decode(u[:], []byte(s)); err != nil {
		return [16]byte{}, false
	}
	return u, true
}
