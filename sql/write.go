package sql

import (
	"context"
	"fmt"
	"unsafe"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// Write runs a set-based UPDATE or DELETE. Asked for the rows written, it
// has the statement return them where the dialect can (RETURNING); else,
// in a transaction, it reads the rows the filter matches, locking them
// where the dialect has row locks, writes those rows only, and reads them
// again after an update.
func (b *engine) Write(ctx context.Context, s backend.Scope, w *backend.Write) (int64, error) {
	if err := backend.CheckWrite(w, b.refuses()); err != nil {
		return 0, err
	}
	del := len(w.Set) == 0
	var n int64
	if w.Rows == nil || b.d.Has(Returning) && (del || b.d.Has(UpdateReturning)) {
		st, err := writeStmt(b.d, w, nil, w.Rows != nil)
		if err != nil {
			return 0, err
		}
		err = b.atomic(ctx, s, false, func(c conn) error {
			if w.Rows == nil {
				var err error
				n, err = b.exec(ctx, s, c, st.text, st.args)
				return err
			}
			return b.rows(ctx, s, c, w.Entity, st, 0, func(p unsafe.Pointer) error {
				n++
				return w.Rows(p)
			})
		})
		return n, writeFailed(w, err)
	}
	err := b.atomic(ctx, s, true, func(c conn) error {
		keys, err := b.lockedKeys(ctx, s, c, w)
		if err != nil {
			return err
		}
		base, err := writeStmt(b.d, w, nil, false)
		if err != nil {
			return err
		}
		for _, part := range b.keyParts(s.Env, len(base.args), w.Entity, keys) {
			st, err := writeStmt(b.d, w, part, false)
			if err != nil {
				return err
			}
			k, err := b.exec(ctx, s, c, st.text, st.args)
			if err != nil {
				return err
			}
			n += k
			if del {
				for _, r := range part {
					if err := w.Rows(r.Ptr); err != nil {
						return err
					}
				}
				continue
			}
			sel, err := selectKeysStmt(b.d, w.Entity, part)
			if err != nil {
				return err
			}
			if err := b.rows(ctx, s, c, w.Entity, sel, 0, w.Rows); err != nil {
				return err
			}
		}
		return nil
	})
	return n, writeFailed(w, err)
}

// lockedKeys reads the keys of the rows w.Where matches, locking the rows
// where the dialect has row locks, so that they stay as read until
// written: each as a new entity holding its key alone.
func (b *engine) lockedKeys(ctx context.Context, s backend.Scope, c conn, w *backend.Write) ([]backend.Row, error) {
	m := w.Entity
	q := &backend.Query{Entity: m, Where: w.Where}
	if _, ok := b.d.(locker); ok {
		q.Lock.Mode = backend.LockUpdate
	}
	st, err := keysStmt(b.d, q)
	if err != nil {
		return nil, err
	}
	vals := make([]any, len(m.PK))
	dest := make([]any, len(m.PK))
	for i := range vals {
		dest[i] = &vals[i]
	}
	var keys []backend.Row
	err = b.query(ctx, s, c, st.text, st.args, dest, func() error {
		p := m.New()
		for i, f := range m.PK {
			if err := f.Store(p, vals[i]); err != nil {
				return fmt.Errorf("orm: reading %s.%s (column %s): %w", m.Name, f.Name, f.Column, err)
			}
		}
		keys = append(keys, backend.Row{Ptr: p, Key: p})
		return nil
	})
	return keys, err
}

// writeFailed names the write an error came from.
func writeFailed(w *backend.Write, err error) error {
	if err == nil {
		return nil
	}
	op := "update"
	if len(w.Set) == 0 {
		op = "delete"
	}
	return failed(op, w.Entity, err)
}

// keyParts cuts the rows of a write by keys into parts whose statements
// stay under the bind-parameter limit, beside the args arguments of the
// write's assignments and filter.
func (b *engine) keyParts(env *backend.Env, args int, m *meta.Entity, keys []backend.Row) [][]backend.Row {
	size := max((b.d.MaxParams()-args)/len(m.PK), 1)
	if env != nil && env.BatchSize > 0 {
		size = min(size, env.BatchSize)
	}
	var parts [][]backend.Row
	for start := 0; start < len(keys); start += size {
		parts = append(parts, keys[start:min(start+size, len(keys))])
	}
	return parts
}

// selectKeysStmt compiles the read of every column of the rows whose keys
// rows hold.
func selectKeysStmt(d Dialect, m *meta.Entity, rows []backend.Row) (stmt, error) {
	sb := &builder{d: d}
	sb.sql("SELECT ").columns(m.Fields).sql(" FROM ").ident(m.Table).sql(" WHERE ")
	if err := keysWhere(sb, m, rows, false); err != nil {
		return stmt{}, err
	}
	return sb.stmt(), nil
}

// rows runs st, which returns every column of m and then extra columns
// it ignores, and calls each with every row hydrated into a new entity.
func (b *engine) rows(ctx context.Context, s backend.Scope, c conn, m *meta.Entity, st stmt, extra int, each func(p unsafe.Pointer) error) error {
	h := newHydrator(&backend.Query{Entity: m}, func(p unsafe.Pointer, _ any) error { return each(p) })
	defer h.release()
	for range extra { // the hydrator keeps pointing its dest at each new entity
		h.dest = append(h.dest, new(any))
	}
	return b.query(ctx, s, c, st.text, st.args, h.dest, h.scanned)
}

// Upsert inserts or updates u's rows, one statement per chunk of rows that
// all carry their generated key or all leave it to the database. Where the
// statement cannot return the rows, they are read by their conflict values
// after it, in the same transaction.
func (b *engine) Upsert(ctx context.Context, s backend.Scope, u *backend.Upsert) error {
	m := u.Entity
	withKey, without := fieldsOf(m, true), fieldsOf(m, false)
	var keyed, unkeyed []backend.Row
	for _, p := range u.Rows {
		if m.Auto != nil && m.Auto.IsZero(p) {
			unkeyed = append(unkeyed, backend.Row{Ptr: p})
		} else {
			keyed = append(keyed, backend.Row{Ptr: p})
		}
	}
	plan := &backend.Plan{}
	if len(keyed) > 0 {
		plan.Add(&backend.Batch{Kind: backend.Insert, Entity: m, Fields: withKey, Rows: keyed})
	}
	if len(unkeyed) > 0 {
		plan.Add(&backend.Batch{Kind: backend.Insert, Entity: m, Fields: without, Rows: unkeyed, Generated: true})
	}
	if err := backend.CheckPlan(plan, b.refuses()); err != nil {
		return err
	}
	chunks, _, _ := b.chunks(s.Env, plan)
	returning := b.d.Has(Returning)
	// Moving a key generator past explicit keys (PostgreSQL's setval) is
	// not transactional, and a gap it leaves is harmless: it needs no
	// transaction around the upsert. An upsert that returns its rows moves
	// it in its own statement (upsertStmt); else it goes first.
	for _, ch := range chunks {
		if ch.advance && !returning {
			if err := b.advanceKey(ctx, s, b.conn(s), ch.batch); err != nil {
				return failed("upsert", m, err)
			}
		}
	}
	match := u.Matcher()
	err := b.atomic(ctx, s, len(chunks) > 1 || !returning, func(c conn) error {
		for _, ch := range chunks {
			if err := b.upsertChunk(ctx, s, c, u, ch, returning, match); err != nil {
				return err
			}
		}
		for _, i := range match.Unmatched() {
			if err := b.upsertReread(ctx, s, c, u, i); err != nil {
				return err
			}
		}
		return nil
	})
	return failed("upsert", m, err)
}

// upsertReread reads the row written for u.Rows[i] by its conflict values,
// compared the database's way, when no row read back had them exactly.
func (b *engine) upsertReread(ctx context.Context, s backend.Scope, c conn, u *backend.Upsert, i int) error {
	sel, err := selectStmt(b.d, &b.texts, &backend.Query{Entity: u.Entity, Where: conflictCond(u, []backend.Row{{Ptr: u.Rows[i]}})})
	if err != nil {
		return err
	}
	found := false
	err = b.rows(ctx, s, c, u.Entity, sel, 0, func(p unsafe.Pointer) error {
		found = true
		return u.Each(i, p)
	})
	if err == nil && !found {
		err = fmt.Errorf("the row written for the entity at position %d was not found by its conflict values", i)
	}
	return err
}

// upsertChunk sends the statement of one chunk of an upsert and hands
// every row it wrote, as the database holds it, to u.Each, where its
// conflict values are those given.
func (b *engine) upsertChunk(ctx context.Context, s backend.Scope, c conn, u *backend.Upsert, ch chunk, returning bool, match *backend.Matcher) error {
	m := u.Entity
	st, err := upsertStmt(b.d, &b.texts, u, ch.batch.Fields, ch.rows, returning, ch.advance)
	if err != nil {
		return err
	}
	each := func(p unsafe.Pointer) error {
		if i, ok := match.Match(p); ok {
			return u.Each(i, p)
		}
		return nil // read again by its values given (upsertReread)
	}
	if returning {
		extra := 0
		if ch.advance {
			extra = 1 // the generator's move
		}
		return b.rows(ctx, s, c, m, st, extra, each)
	}
	if _, err := b.exec(ctx, s, c, st.text, st.args); err != nil {
		return err
	}
	sel, err := selectStmt(b.d, &b.texts, &backend.Query{Entity: m, Where: conflictCond(u, ch.rows)})
	if err != nil {
		return err
	}
	return b.rows(ctx, s, c, m, sel, 0, each)
}

// fieldsOf returns the columns an insert of m writes: every one, or every
// one but the generated key when key is false.
func fieldsOf(m *meta.Entity, key bool) []*meta.Field {
	if key || m.Auto == nil {
		return m.Fields
	}
	out := make([]*meta.Field, 0, len(m.Fields)-1)
	for _, f := range m.Fields {
		if f != m.Auto {
			out = append(out, f)
		}
	}
	return out
}

// conflictCond is the condition matching the rows with the conflict values
// of rows.
func conflictCond(u *backend.Upsert, rows []backend.Row) *backend.Cond {
	if len(u.Conflict) == 1 {
		f := u.Conflict[0]
		vs := make([]any, len(rows))
		for i, r := range rows {
			vs[i], _ = f.Value(r.Ptr)
		}
		return &backend.Cond{Op: backend.OpIn, Field: f, Values: vs}
	}
	or := &backend.Cond{Op: backend.OpOr}
	for _, r := range rows {
		and := &backend.Cond{Op: backend.OpAnd}
		for _, f := range u.Conflict {
			v, _ := f.Value(r.Ptr)
			and.Conds = append(and.Conds, &backend.Cond{Op: backend.OpEq, Field: f, Value: v})
		}
		or.Conds = append(or.Conds, and)
	}
	return or
}
