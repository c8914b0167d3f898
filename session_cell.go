package orm

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"github.com/unitofwork/orm/internal/meta"
)

// sessionCell is what the Refs and Collections of a Session's entities
// point at (meta.RefData.S, meta.CollData.S), rather than at the Session.
// Clear, and with it the end of a [DB.Middleware] request, cuts the cell:
// the entities attached so far then belong to no Session, and no longer
// keep the Session (its identity map, snapshots and journal) alive.
type sessionCell struct {
	s  atomic.Pointer[Session] // nil once cut
	db *DB                     // outlives the Session: Ref.ID reads its registry
}

// newCell returns a cell for s.
func newCell(s *Session) *sessionCell {
	c := &sessionCell{db: s.db}
	c.s.Store(s)
	return c
}

// setCell makes c the Session's cell, cutting the one it replaces: Clear
// sets none (the next stamp makes one), a rollback of Clear brings the old
// one back.
func (s *Session) setCell(c *sessionCell) {
	if s.cell == c {
		return
	}
	if s.cell != nil {
		s.cell.s.Store(nil)
	}
	if c != nil {
		c.s.Store(s)
	}
	s.cell = c
}

// stamp is the mark the Session puts on the Refs and Collections it
// attaches: its cell, made on the first stamp (a Session whose entities
// have no relations never needs one).
func (s *Session) stamp() unsafe.Pointer {
	if s.cell == nil {
		s.cell = newCell(s)
	}
	return unsafe.Pointer(s.cell)
}

// sessionOf returns the live Session whose stamp a Ref or Collection
// carries, or nil: none, or one cut.
func sessionOf(stamp unsafe.Pointer) *Session {
	if stamp == nil {
		return nil
	}
	return (*sessionCell)(stamp).s.Load()
}

// ended says that the Ref or Collection of the entity at p belongs to no
// live Session: op on it fails with [ErrSessionEnded].
func ended(op string, m *meta.Entity, p unsafe.Pointer) error {
	if m == nil || p == nil {
		return fmt.Errorf("orm: %s: %w", op, ErrSessionEnded)
	}
	return fmt.Errorf("orm: %s: the %s %s: %w; load it again in a live Session", op, m.Name, describe(m, p), ErrSessionEnded)
}
