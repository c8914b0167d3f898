package backend

import (
	"fmt"

	"github.com/unitofwork/orm/internal/meta"
)

// CheckPlan returns an error naming the entity, field and value of the
// first value the plan would write that the database cannot store exactly
// (see [meta.Refuse]), so that a backend refuses the flush before it sends
// anything rather than after some of its statements ran.
func CheckPlan(p *Plan, r meta.Refuse) error {
	for _, bt := range p.Batches {
		if bt.Kind != Insert && bt.Kind != Update {
			continue
		}
		op := "insert"
		if bt.Kind == Update {
			op = "update"
		}
		for _, row := range bt.Rows {
			for _, f := range bt.Fields {
				if bt.Kind == Update && !row.Changed.Has(f.Pos) || row.Null != nil && row.Null.Has(f.Pos) {
					continue
				}
				if err := f.Check(row.Ptr, r); err != nil {
					return fmt.Errorf("orm: %s %s: field %s: %w", op, bt.Entity.Name, f.Name, err)
				}
			}
		}
	}
	return nil
}

// CheckWrite refuses the values of w's assignments that the database
// cannot store as given, as CheckPlan does for a flush's.
func CheckWrite(w *Write, r meta.Refuse) error {
	if len(w.Set) == 0 {
		return nil
	}
	p := w.Entity.New()
	for _, a := range w.Set {
		if a.Value == nil || a.Add && a.Field.Kind != meta.KindFloat {
			continue // an integer delta is checked by the database
		}
		if err := a.Field.Store(p, a.Value); err != nil {
			return fmt.Errorf("orm: update %s: field %s: %w", w.Entity.Name, a.Field.Name, err)
		}
		if err := a.Field.Check(p, r); err != nil {
			return fmt.Errorf("orm: update %s: field %s: %w", w.Entity.Name, a.Field.Name, err)
		}
	}
	return nil
}
