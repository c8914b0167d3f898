package migrate

import (
	"slices"

	"ariga.io/atlas/sql/schema"

	"github.com/unitofwork/orm/internal/meta"
)

// renames turns a dropped column and an added one into a rename where the
// added one's field says orm:"renamedFrom:<the dropped one>", or, back, the
// other way round.
func renames(es []*meta.Entity, changes []schema.Change, back bool) []schema.Change {
	from := map[string]map[string]string{} // table → new column → old column
	for _, m := range es {
		for _, f := range m.Fields {
			if f.RenamedFrom != "" {
				if from[m.Table] == nil {
					from[m.Table] = map[string]string{}
				}
				if back {
					from[m.Table][f.RenamedFrom] = f.Column
				} else {
					from[m.Table][f.Column] = f.RenamedFrom
				}
			}
		}
	}
	var out []schema.Change
	for _, c := range changes {
		out = append(out, c)
		mt, ok := c.(*schema.ModifyTable)
		if !ok || from[mt.T.Name] == nil {
			continue
		}
		dropped := map[string]*schema.DropColumn{}
		for _, cc := range mt.Changes {
			if d, ok := cc.(*schema.DropColumn); ok {
				dropped[d.C.Name] = d
			}
		}
		var rest, moved []schema.Change
		gone := map[*schema.DropColumn]bool{}
		for _, cc := range mt.Changes {
			if a, ok := cc.(*schema.AddColumn); ok {
				if d := dropped[from[mt.T.Name][a.C.Name]]; d != nil && !gone[d] {
					gone[d] = true
					moved = append(moved, &schema.RenameColumn{From: d.C, To: a.C})
					continue
				}
			}
			rest = append(rest, cc)
		}
		rest = slices.DeleteFunc(rest, func(cc schema.Change) bool {
			d, ok := cc.(*schema.DropColumn)
			return ok && gone[d]
		})
		if len(moved) == 0 {
			continue
		}
		// The renames go first, a change of their own: what follows (an
		// index on the new name) may need them.
		out[len(out)-1] = &schema.ModifyTable{T: mt.T, Changes: moved}
		if len(rest) > 0 {
			out = append(out, &schema.ModifyTable{T: mt.T, Changes: rest})
		}
	}
	return out
}
