package orm

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// need is a required dependency on row on through foreign key fk; maybe a
// nullable one.
func need(on, fk int) dep  { return dep{on: on, fk: fk} }
func maybe(on, fk int) dep { return dep{on: on, nullable: true, fk: fk} }

func TestInsertOrder(t *testing.T) {
	tests := []struct {
		name     string
		deps     [][]dep
		want     [][]int
		wantCuts []cut
		wantErr  error
	}{
		{name: "no rows"},
		{
			name: "independent rows in one wave",
			deps: [][]dep{nil, nil, nil},
			want: [][]int{{0, 1, 2}},
		},
		{
			name: "chain: each after the row it points at",
			deps: [][]dep{{need(1, 5)}, {need(2, 5)}, nil},
			want: [][]int{{2}, {1}, {0}},
		},
		{
			name: "parents of several types first, in row order",
			deps: [][]dep{{need(2, 1)}, {need(2, 1), maybe(3, 2)}, nil, nil},
			want: [][]int{{2, 3}, {0, 1}},
		},
		{
			name: "two foreign keys to one row",
			deps: [][]dep{nil, {need(0, 1), maybe(0, 2)}},
			want: [][]int{{0}, {1}},
		},
		{
			name:     "nullable self-reference is cut",
			deps:     [][]dep{{maybe(0, 3)}, {need(0, 4)}},
			want:     [][]int{{0}, {1}},
			wantCuts: []cut{{row: 0, fk: 3}},
		},
		{
			name:    "required self-reference",
			deps:    [][]dep{nil, {maybe(0, 2), need(1, 3)}},
			wantErr: &requiredSelfRef{row: 1, dep: 1},
		},
		{
			name:     "cycle broken at its nullable foreign key (Fixup)",
			deps:     [][]dep{{need(1, 1)}, {maybe(0, 2)}},
			want:     [][]int{{1}, {0}},
			wantCuts: []cut{{row: 1, fk: 2}},
		},
		{
			name:     "cycle of nullable keys broken at its first row, the rows waiting on it follow",
			deps:     [][]dep{{maybe(1, 1)}, {maybe(0, 1)}, {need(0, 2)}},
			want:     [][]int{{0}, {1, 2}},
			wantCuts: []cut{{row: 0, fk: 1}},
		},
		{
			name:     "row blocked by a cycle it is not in: its nullable key is cut first",
			deps:     [][]dep{{maybe(1, 1)}, {need(2, 1)}, {maybe(1, 1)}},
			want:     [][]int{{0}, {2}, {1}},
			wantCuts: []cut{{row: 0, fk: 1}, {row: 2, fk: 1}},
		},
		{
			name:    "cycle of required keys",
			deps:    [][]dep{{need(1, 1)}, {need(2, 1)}, {need(0, 1)}},
			wantErr: errRequiredCycle,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cuts, err := insertOrder(tt.deps)
			var self, wantSelf *requiredSelfRef
			if errors.As(tt.wantErr, &wantSelf) {
				if !errors.As(err, &self) || *self != *wantSelf {
					t.Fatalf("insertOrder error = %v; want %v", err, tt.wantErr)
				}
			} else if !errors.Is(err, tt.wantErr) {
				t.Fatalf("insertOrder error = %v; want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("waves (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantCuts, cuts, cmp.AllowUnexported(cut{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("cuts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeleteOrder(t *testing.T) {
	tests := []struct {
		name      string
		deps      [][]int
		held      []bool
		wantEarly [][]int
		wantLate  [][]int
	}{
		{name: "no rows"},
		{
			// A new row may then take a deleted row's unique value.
			name:      "rows nothing points at are deleted early, together",
			deps:      [][]int{nil, nil},
			held:      []bool{false, false},
			wantEarly: [][]int{{0, 1}},
		},
		{
			name:      "chain: each before the row it points at",
			deps:      [][]int{{1}, {2}, nil},
			held:      []bool{false, false, false},
			wantEarly: [][]int{{0}, {1}, {2}},
		},
		{
			name:      "row a staying row points at is deleted late",
			deps:      [][]int{{1}, nil},
			held:      []bool{false, true},
			wantEarly: [][]int{{0}},
			wantLate:  [][]int{{1}},
		},
		{
			name:     "the parents of a late row are late",
			deps:     [][]int{{1}, {2}, nil},
			held:     []bool{true, false, false},
			wantLate: [][]int{{0}, {1}, {2}},
		},
		{
			name:      "self-reference",
			deps:      [][]int{{0}, {0}},
			held:      []bool{false, false},
			wantEarly: [][]int{{1}, {0}},
		},
		{
			name:      "cycle: its rows in one wave, after the rows pointing into it",
			deps:      [][]int{{1}, {2}, {1}},
			held:      []bool{false, false, false},
			wantEarly: [][]int{{0}, {1, 2}},
		},
		{
			name:      "independent chains; the child of a late row is deleted early",
			deps:      [][]int{nil, {0}, nil, {2}},
			held:      []bool{false, false, true, false},
			wantEarly: [][]int{{1, 3}, {0}},
			wantLate:  [][]int{{2}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			held := append([]bool(nil), tt.held...)
			early, late := deleteOrder(tt.deps, tt.held)
			if diff := cmp.Diff(tt.wantEarly, early, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("early waves (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantLate, late, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("late waves (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(held, tt.held, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("deleteOrder changed held (-before +after):\n%s", diff)
			}
		})
	}
}
