package backend

import (
	"fmt"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

func TestQueryParts(t *testing.T) {
	keys := []any{1, 2, 3, 4, 5}
	ptrs := make([]unsafe.Pointer, len(keys))
	for i := range ptrs {
		ptrs[i] = unsafe.Pointer(&keys[i])
	}
	filter := &Cond{Op: OpIsNull}
	in := func(split bool) *Query {
		return &Query{Where: &Cond{Op: OpIn, Values: keys}, Split: split}
	}
	tests := []struct {
		name string
		q    *Query
		size int
		want [][]any // the list of each part; nil: not split
	}{
		{"not Split", in(false), 2, nil},
		{"short list", in(true), 5, nil},
		{"zero size", in(true), 0, nil},
		{"In", in(true), 2, [][]any{{1, 2}, {3, 4}, {5}}},
		{"In by one", in(true), 1, [][]any{{1}, {2}, {3}, {4}, {5}}},
		{"Via", &Query{Via: &Via{Owners: keys, Ptrs: ptrs}, Split: true}, 3, [][]any{{1, 2, 3}, {4, 5}}},
		{"other condition", &Query{Where: &Cond{Op: OpAnd}, Split: true}, 1, nil},
		{"In and filters", &Query{Where: &Cond{Op: OpAnd, Conds: []*Cond{{Op: OpIn, Values: keys}, filter}}, Split: true}, 2, [][]any{{1, 2}, {3, 4}, {5}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parts := tc.q.Parts(tc.size)
			var got [][]any
			for _, p := range parts {
				if p.Split {
					t.Errorf("a part is Split")
				}
				if p.Via != nil {
					got = append(got, p.Via.Owners)
					for i, o := range p.Via.Owners {
						if *(*any)(p.Via.Ptrs[i]) != o {
							t.Errorf("owner %v's pointer is out of step", o)
						}
					}
					continue
				}
				w := p.Where
				if w.Op == OpAnd { // the list, ANDed to the filters, which each part keeps
					if len(w.Conds) != 2 || w.Conds[1] != filter {
						t.Errorf("a part lost the filters: %+v", w.Conds)
					}
					w = w.Conds[0]
				}
				got = append(got, w.Values)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("parts (-want +got):\n%s", diff)
			}
			if w := tc.q.Where; w != nil && w.Op == OpAnd && len(w.Conds) > 0 && len(w.Conds[0].Values) != len(keys) {
				t.Errorf("Parts changed the query's list")
			}
			if tc.q.Where != nil && tc.q.Where.Op == OpIn && len(tc.q.Where.Values) != len(keys) || tc.q.Via != nil && len(tc.q.Via.Owners) != len(keys) {
				t.Errorf("Parts changed the query")
			}
		})
	}
}

func TestAppendSignature(t *testing.T) {
	for _, v := range []any{int64(0), int64(-42), int64(1) << 62, "", "a:b\x00c", 3.5, true, []byte("k"), nil} {
		want := fmt.Sprintf("%T:%v\x00", v, v)
		if got := string(appendSignature(nil, v)); got != want {
			t.Errorf("appendSignature(%#v) = %q; want %q", v, got, want)
		}
	}
}
