package sql

import (
	"context"
	"fmt"
	"sync"
	"unsafe"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// Select runs q and hydrates each row into a new entity.
func (b *engine) Select(ctx context.Context, s backend.Scope, q *backend.Query, each func(p unsafe.Pointer, link any) error) error {
	// A read by key over more keys than half the bind-parameter limit is
	// split (a list the dialect binds as one argument would not need it, but
	// whether it can is known only once the list is compiled).
	if parts := q.Parts(b.d.MaxParams() / 2); parts != nil {
		for _, part := range parts {
			if err := b.Select(ctx, s, part, each); err != nil {
				return err
			}
		}
		return nil
	}
	sb, err := selectStmt(b.d, &b.texts, q)
	if err != nil {
		return err
	}
	if err := b.writeLock(ctx, s, q); err != nil {
		return err
	}
	h := newHydrator(q, each)
	defer h.release()
	return b.query(ctx, s, b.conn(s), sb.text, sb.args, h.dest, h.scanned)
}

// writeLock readies a locking read: it must run in a transaction, and on
// a database without row locks the transaction's first one takes the
// database's write lock, so that no other transaction writes until this
// one ends.
func (b *engine) writeLock(ctx context.Context, s backend.Scope, q *backend.Query) error {
	if q.Lock.Mode == backend.NoLock {
		return nil
	}
	t, ok := s.Tx.(*tx)
	if !ok {
		return fmt.Errorf("orm: a locking read of %s outside a transaction", q.Entity.Name)
	}
	d, ok := b.d.(writeLocker)
	if !ok || t.run.writeLocked {
		return nil
	}
	if stmt := d.WriteLock(q.Entity.Table); stmt != "" {
		if _, err := b.exec(ctx, s, t.run, stmt, nil); err != nil {
			return err
		}
	}
	t.run.writeLocked = true
	return nil
}

// hydrator scans rows into new entities: plain fields straight into the
// next entity, the others through a driver value and Field.Store.
type hydrator struct {
	m    *meta.Entity
	p    unsafe.Pointer // the entity the next row is scanned into
	vals []any          // driver values of the fields not scanned directly, then the link
	dest []any          // what each column is scanned into
	via  bool           // the last column is the owner key of a read through a pivot

	// The entities of a result are allocated in blocks (see next).
	block      unsafe.Pointer
	used, size int

	// vals and dest of an entity of up to smallFields columns, allocated
	// with the hydrator.
	small [2 * smallFields]any

	each    func(p unsafe.Pointer, link any) error // called with every row's entity
	scanned func() error                           // h.scan, bound once for every use
}

// hydrators are kept for the next query: a hydrator and its method value
// are some 500 bytes a query, which a read of one row would otherwise
// allocate every time.
var hydrators = sync.Pool{New: func() any {
	h := new(hydrator)
	h.scanned = h.scan
	return h
}}

// smallFields is the most columns a hydrator holds without allocating
// its buffers apart.
const smallFields = 8

// maxBlock is the most entities a hydrator allocates at once.
const maxBlock = 32

// next returns a zero entity for the next row, from the current block or
// a new one twice its size (2, 4, 8 … maxBlock entities): a read of many
// rows makes a few allocations, not one a row, and a read of one row makes
// one and wastes one entity (the one the row after it would have been
// scanned into).
func (h *hydrator) next() unsafe.Pointer {
	if h.used == h.size {
		h.size = min(max(2*h.size, 2), maxBlock)
		h.block, h.used = h.m.Block(h.size), 0
	}
	p := unsafe.Add(h.block, uintptr(h.used)*h.m.Type.Size())
	h.used++
	return p
}

// newHydrator returns a hydrator for the rows of q, which calls each with
// every row's entity; release gives it back once the rows are read.
func newHydrator(q *backend.Query, each func(p unsafe.Pointer, link any) error) *hydrator {
	m := q.Entity
	n := len(m.Fields)
	if q.Via != nil {
		n++
	}
	h := hydrators.Get().(*hydrator)
	h.m, h.via, h.each = m, q.Via != nil, each
	buf := h.small[:]
	if n > smallFields {
		buf = make([]any, 2*n)
	}
	h.vals, h.dest = buf[:n:n], buf[n:2*n]
	h.p = h.next()
	for i := range h.dest {
		h.dest[i] = &h.vals[i]
	}
	m.PointDirect(h.dest, h.p)
	return h
}

// release clears h, which holds pointers into the entities it made and
// the driver's values, and keeps it for another query.
func (h *hydrator) release() {
	*h = hydrator{scanned: h.scanned}
	hydrators.Put(h)
}

// scan is what the query calls once a row is scanned: it passes the row's
// entity to each.
func (h *hydrator) scan() error {
	row, link, err := h.row()
	if err != nil {
		return err
	}
	return h.each(row, link)
}

// row completes the entity the last row was scanned into, returns it and
// its link, and readies the next one.
func (h *hydrator) row() (unsafe.Pointer, any, error) {
	m := h.m
	for _, i := range m.Stored() {
		f := m.Fields[i]
		if err := f.Store(h.p, h.vals[i]); err != nil {
			return nil, nil, fmt.Errorf("orm: reading %s.%s (column %s): %w", m.Name, f.Name, f.Column, err)
		}
		h.vals[i] = nil
	}
	var link any
	if h.via {
		link = h.vals[len(h.vals)-1]
	}
	row := h.p
	h.p = h.next()
	m.PointDirect(h.dest, h.p)
	return row, link, nil
}

// Count returns the number of rows q matches.
func (b *engine) Count(ctx context.Context, s backend.Scope, q *backend.Query) (int64, error) {
	sb, err := countStmt(b.d, q)
	if err != nil {
		return 0, err
	}
	var n int64
	err = b.query(ctx, s, b.conn(s), sb.text, sb.args, []any{&n}, func() error { return nil })
	return n, err
}
