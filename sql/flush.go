package sql

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"unsafe"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// chunk is the part of a batch one statement carries.
type chunk struct {
	batch *backend.Batch
	rows  []backend.Row
	links []backend.Link
	// advance is set on the last chunk of an Insert of explicit keys into a
	// table with a generated key, when the database's generator does not
	// move past explicit keys by itself (a keyAdvancer dialect): after the
	// chunk, the generator is moved past the batch's largest key.
	advance bool
}

// Flush executes the plan: one statement per chunk, all of them atomically.
func (b *engine) Flush(ctx context.Context, s backend.Scope, p *backend.Plan) error {
	if err := backend.CheckPlan(p, b.refuses()); err != nil {
		return err
	}
	chunks, needTx, pin := b.chunks(s.Env, p)
	send := func(c conn) error {
		for _, ch := range chunks {
			if err := b.send(ctx, s, c, ch); err != nil {
				return err
			}
		}
		return nil
	}
	var err error
	if b.pipelines(s, chunks, needTx, pin) {
		return b.pipeline(ctx, s, chunks)
	}
	if pin && !needTx && s.Tx == nil {
		err = b.pinned(ctx, s, send)
	} else {
		err = b.atomic(ctx, s, needTx, send)
	}
	var se *staleError
	if errors.As(err, &se) {
		// Rolled back: the rows now hold what the other writers left.
		return b.lockConflict(ctx, s, b.conn(s), se.m, se.rows)
	}
	return err
}

// chunks cuts the plan's batches into the chunks one statement each
// carries, and reports whether they need a transaction to take effect all
// or none (more than one statement, or one that can fail after it wrote
// some rows: a versioned UPDATE or DELETE of several rows finding one
// stale), and whether a statement reads server state on its own
// connection first (pin), which outside a transaction needs one connection.
func (b *engine) chunks(env *backend.Env, p *backend.Plan) (chunks []chunk, needTx, pin bool) {
	n, partial := 0, false
	for _, bt := range p.Batches {
		switch bt.Kind {
		case backend.PivotClear:
			for rows := range slices.Chunk(bt.Rows, b.pivotChunk(env, 1)) {
				chunks = append(chunks, chunk{batch: bt, rows: rows})
				n++
			}
			continue
		case backend.PivotInsert, backend.PivotDelete:
			for links := range slices.Chunk(bt.Links, b.pivotChunk(env, 2)) {
				chunks = append(chunks, chunk{batch: bt, links: links})
				n++
			}
			continue
		}
		for _, rows := range b.split(env, bt) {
			chunks = append(chunks, chunk{batch: bt, rows: rows})
			if bt.Kind == backend.Insert {
				n += insertStatements(b.d, bt, len(rows))
				if bt.Generated && !b.d.Has(Returning) && b.stepQuery(len(rows)) != "" {
					pin = true // the key step is read on the INSERT's connection
				}
				if len(bt.Defaults) > 0 && !b.d.Has(Returning) {
					n++ // the rows read back
				}
				continue
			}
			n++
			partial = partial || versioned(bt) && len(rows) > 1
		}
		if _, ok := b.d.(keyAdvancer); ok && bt.Kind == backend.Insert && !bt.Generated && bt.Entity.Auto != nil {
			chunks[len(chunks)-1].advance = true
			n++
		}
	}
	return chunks, n > 1 || partial, pin
}

// send compiles and runs the statements of one chunk; for a versioned
// batch, fewer rows affected than sent means a stale row.
func (b *engine) send(ctx context.Context, s backend.Scope, c conn, ch chunk) error {
	bt := ch.batch
	if b.readsBack(ch) {
		return b.insert(ctx, s, c, ch)
	}
	ps, err := b.pieces(ch)
	if err != nil {
		return err
	}
	for _, p := range ps {
		n, err := b.exec(ctx, s, c, p.text, p.args)
		if err != nil {
			return p.fail(err)
		}
		if checked(bt) && n != int64(len(ch.rows)) {
			return &staleError{bt.Entity, ch.rows}
		}
	}
	return nil
}

// pivotChunk is the most pivot rows one statement carries when each takes
// params bind parameters.
func (b *engine) pivotChunk(env *backend.Env, params int) int {
	size := b.d.MaxParams() / params
	if env != nil && env.BatchSize > 0 {
		size = min(size, env.BatchSize)
	}
	return size
}

// params is the number of bind parameters row r takes in batch bt.
func (b *engine) params(bt *backend.Batch, r backend.Row) int {
	m := bt.Entity
	key := len(m.PK)
	if m.Version != nil {
		key++
	}
	switch bt.Kind {
	case backend.Insert:
		return len(bt.Fields)
	case backend.Delete:
		return key
	}
	perField := len(m.PK) + 1 // WHEN key THEN value
	if joinsValues(b.d, bt) {
		perField = 1 // a value in the row's VALUES tuple
	}
	n := key
	for _, f := range bt.Fields {
		if r.Changed.Has(f.Pos) {
			n += perField
		}
	}
	return n
}

// split cuts a batch into chunks under the bind-parameter limit and the
// configured batch size.
func (b *engine) split(env *backend.Env, bt *backend.Batch) [][]backend.Row {
	maxRows := len(bt.Rows)
	if env != nil && env.BatchSize > 0 {
		maxRows = env.BatchSize
	}
	limit := b.d.MaxParams()
	var out [][]backend.Row
	start, used := 0, 0
	for i, r := range bt.Rows {
		n := b.params(bt, r)
		if i > start && (used+n > limit || i-start >= maxRows) {
			out = append(out, bt.Rows[start:i])
			start, used = i, 0
		}
		used += n
	}
	return append(out, bt.Rows[start:])
}

// insert runs the INSERT of a chunk whose keys the database generates, or
// whose defaults it fills in, and stores them into the entities.
func (b *engine) insert(ctx context.Context, s backend.Scope, c conn, ch chunk) error {
	bt := ch.batch
	if insertStatements(b.d, bt, len(ch.rows)) > 1 {
		for _, r := range ch.rows {
			if err := b.insert(ctx, s, c, chunk{batch: bt, rows: []backend.Row{r}}); err != nil {
				return err
			}
		}
		return nil
	}
	sb, err := insertStmt(b.d, &b.texts, bt, ch.rows)
	if err != nil {
		return err
	}
	switch {
	case len(bt.Defaults) > 0:
		return b.insertDefaults(ctx, s, c, sb, ch)
	case b.d.Has(Returning):
		return b.insertReturning(ctx, s, c, sb, ch)
	}
	return b.insertLastID(ctx, s, c, sb, ch)
}

// insertLastID runs the INSERT of a chunk of new rows whose keys the
// database generates, on a dialect without RETURNING, and stores the keys
// from the first one it reports. A multi-row INSERT takes consecutive keys
// from the first, a step apart that the server may change at any time (a
// Galera node leaving the cluster changes auto_increment_increment on
// every connection): so the step is read first, on the connection and in
// the transaction of the INSERT.
func (b *engine) insertLastID(ctx context.Context, s backend.Scope, c conn, sb stmt, ch chunk) error {
	m := ch.batch.Entity
	step := int64(1)
	if q := b.stepQuery(len(ch.rows)); q != "" {
		err := b.query(ctx, s, c, q, nil, []any{&step}, func() error { return nil })
		if err != nil {
			return fmt.Errorf("orm: insert %s: reading the key step: %w", m.Name, err)
		}
		step = max(step, 1)
	}
	res, err := b.execResult(ctx, s, c, sb.text, sb.args)
	if err != nil {
		return failed("insert", m, err)
	}
	for i, r := range ch.rows {
		m.Auto.SetInt(r.Ptr, res.LastInsertID+int64(i)*step)
	}
	return nil
}

// stepQuery is the dialect's query reading the distance between the keys
// a multi-row INSERT of n rows gets, or "" when there is no need: one row,
// or a dialect whose keys are always consecutive.
func (b *engine) stepQuery(n int) string {
	if d, ok := b.d.(interface{ AutoIncrementStep() string }); ok && n > 1 {
		return d.AutoIncrementStep()
	}
	return ""
}

// insertDefaults runs the INSERT of a chunk whose rows leave fields to
// their database defaults and stores into the entities the values the
// database gave them, and their keys: every column RETURNING where the
// dialect has it, else the rows read back by key after the INSERT, in its
// transaction.
func (b *engine) insertDefaults(ctx context.Context, s backend.Scope, c conn, sb stmt, ch chunk) error {
	bt, m := ch.batch, ch.batch.Entity
	var read []unsafe.Pointer
	collect := func(p unsafe.Pointer) error {
		read = append(read, p)
		return nil
	}
	if b.d.Has(Returning) {
		if err := b.rows(ctx, s, c, m, sb, 0, collect); err != nil {
			return failed("insert", m, err)
		}
	} else {
		var err error
		if bt.Generated {
			err = b.insertLastID(ctx, s, c, sb, ch)
		} else if _, err = b.exec(ctx, s, c, sb.text, sb.args); err != nil {
			err = failed("insert", m, err)
		}
		if err != nil {
			return err
		}
		keyed := make([]backend.Row, len(ch.rows))
		for i, r := range ch.rows {
			keyed[i] = backend.Row{Ptr: r.Ptr, Key: r.Ptr} // new rows: the key is in the entity
		}
		sel, err := selectKeysStmt(b.d, m, keyed)
		if err == nil {
			err = b.rows(ctx, s, c, m, sel, 0, collect)
		}
		if err != nil {
			return fmt.Errorf("orm: insert %s: reading back the defaults: %w", m.Name, err)
		}
	}
	if err := storeDefaults(bt, ch.rows, read); err != nil {
		return err
	}
	if ch.advance {
		return b.advanceKey(ctx, s, c, bt)
	}
	return nil
}

// storeDefaults copies into each row's entity the defaulted fields (and a
// generated key) of its row read back: a generated key's rows in key order,
// which is the order a multi-row INSERT assigns them in; others by key.
func storeDefaults(bt *backend.Batch, rows []backend.Row, read []unsafe.Pointer) error {
	m := bt.Entity
	if len(read) != len(rows) {
		return fmt.Errorf("orm: insert %s: %d rows inserted, %d read back", m.Name, len(rows), len(read))
	}
	fields := bt.Defaults
	if bt.Generated && m.Auto.IsZero(rows[0].Ptr) {
		slices.SortFunc(read, func(a, b unsafe.Pointer) int { return cmp.Compare(m.Auto.Int(a), m.Auto.Int(b)) })
		fields = append([]*meta.Field{m.Auto}, fields...)
	} else {
		byKey := make(map[meta.Key]unsafe.Pointer, len(read))
		for _, p := range read {
			byKey[m.Key(p)] = p
		}
		for i, r := range rows {
			if read[i] = byKey[m.Key(r.Ptr)]; read[i] == nil {
				return fmt.Errorf("orm: insert %s: the row of key %v was not read back", m.Name, m.KeyValue(r.Ptr))
			}
		}
	}
	for i, r := range rows {
		for _, f := range fields {
			f.CopyValue(r.Ptr, read[i])
		}
	}
	return nil
}

// insertReturning runs an INSERT … RETURNING and stores the keys.
func (b *engine) insertReturning(ctx context.Context, s backend.Scope, c conn, sb stmt, ch chunk) error {
	m := ch.batch.Entity
	ids := make([]int64, 0, len(ch.rows))
	var id int64
	err := b.query(ctx, s, c, sb.text, sb.args, []any{&id}, func() error {
		ids = append(ids, id)
		return nil
	})
	if err != nil {
		return failed("insert", m, err)
	}
	if len(ids) != len(ch.rows) {
		return fmt.Errorf("orm: insert %s: %d rows inserted, %d keys returned", m.Name, len(ch.rows), len(ids))
	}
	// A multi-row INSERT assigns keys in row order; RETURNING's own order is
	// not promised, so match them up by sorting.
	slices.Sort(ids)
	for i, r := range ch.rows {
		m.Auto.SetInt(r.Ptr, ids[i])
	}
	return nil
}

// advanceKey moves the generator of the key of bt's entity past the
// largest explicit key bt inserted.
func (b *engine) advanceKey(ctx context.Context, s backend.Scope, c conn, bt *backend.Batch) error {
	st, top := advanceKeyStmt(b.d, bt)
	if _, err := b.exec(ctx, s, c, st.text, st.args); err != nil {
		return fmt.Errorf("orm: insert %s: advancing the key generator past %d: %w", bt.Entity.Name, top, err)
	}
	return nil
}

// staleError reports that a versioned UPDATE or DELETE matched fewer rows
// than it carried.
type staleError struct {
	m    *meta.Entity
	rows []backend.Row
}

func (e *staleError) Error() string { return "orm: stale " + e.m.Name }

// failed wraps a driver error with the operation and table; the ORM's own
// error types pass through unwrapped.
func failed(op string, m *meta.Entity, err error) error {
	if err == nil {
		return nil
	}
	var ce *orm.ConstraintError
	var le *orm.OptimisticLockError
	if errors.As(err, &ce) {
		if ce.Table == "" {
			ce.Table = m.Table
		}
		return err
	}
	if errors.As(err, &le) {
		return err
	}
	return fmt.Errorf("orm: %s %s: %w", op, m.Name, err)
}

// lockConflict finds which versioned row of a batch was changed or deleted
// by someone else and returns the *orm.OptimisticLockError naming it.
func (b *engine) lockConflict(ctx context.Context, s backend.Scope, c conn, m *meta.Entity, rows []backend.Row) error {
	sb, fields, err := lockConflictStmt(b.d, m, rows)
	if err != nil {
		return err
	}
	vals := make([]any, len(fields))
	dest := make([]any, len(fields))
	for i := range vals {
		dest[i] = &vals[i]
	}
	current := map[meta.Key]int64{}
	err = b.query(ctx, s, c, sb.text, sb.args, dest, func() error {
		p := m.New()
		for i, f := range fields {
			if err := f.Store(p, vals[i]); err != nil {
				return err
			}
		}
		current[m.Key(p)] = m.Version.Int(p)
		return nil
	})
	if err != nil {
		return failed("update", m, err)
	}
	conflict := rows[0].Key
	for _, r := range rows {
		if v, ok := current[m.Key(r.Key)]; !ok || v != m.Version.Int(r.Key) {
			conflict = r.Key
			break
		}
	}
	return &orm.OptimisticLockError{Entity: m.Name, Key: m.KeyValue(conflict), Version: m.Version.Int(conflict)}
}
