package orm

import (
	"math/rand/v2"
	"testing"

	"github.com/unitofwork/orm/internal/meta"
)

type indexed struct{ ID int64 }

// TestKeyIndex checks the identity map's index against a plain map over
// random sets, deletes and lookups, keys in and out of order: the first
// key held inline, the move to a map, and reserve.
func TestKeyIndex(t *testing.T) {
	reg, err := meta.Build([]any{&indexed{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := reg.List[0]
	key := func(n int64) meta.Key {
		k, err := m.KeyOfID(n)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		ki := keyIndex[int]{intKeys: true}
		if round%3 == 0 {
			ki.reserve(rng.IntN(40))
		}
		want := map[int64]int{}
		for i := range 300 {
			n := int64(rng.IntN(60)) - 20
			if round%2 == 0 { // mostly ascending, as rows read in key order
				n = int64(i) - int64(rng.IntN(3))
			}
			switch rng.IntN(4) {
			case 0:
				ki.del(key(n))
				delete(want, n)
			case 1:
				ki.set(key(n), i)
				want[n] = i
			}
			for _, q := range []int64{n, n - 1, n + 1, -21, 400} {
				v, ok := ki.lookup(key(q))
				if w, wok := want[q]; v != w || ok != wok {
					t.Fatalf("round %d step %d: lookup(%d) = %d, %v; want %d, %v", round, i, q, v, ok, w, wok)
				}
			}
			if ki.len() != len(want) {
				t.Fatalf("round %d step %d: len %d, want %d", round, i, ki.len(), len(want))
			}
		}
	}
}

type (
	shelf struct {
		ID    int64
		Books Collection[volume] `orm:"mappedBy:Shelf"`
	}
	volume struct {
		ID    int64
		Shelf Ref[shelf]
	}
)

// TestTypedCopies: building the metadata (at Open), the targets of Refs
// and Collections get the compiled copy of their type from the probe (a
// type loaded only through a relation snapshots without reflection); a
// type no relation reaches waits for its Repository.
func TestTypedCopies(t *testing.T) {
	reg, err := meta.Build([]any{&shelf{}, &volume{}, &indexed{}}, probe)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range reg.List {
		if want := m.Name != "indexed"; m.HasCopy() != want {
			t.Errorf("%s: HasCopy %v, want %v", m.Name, m.HasCopy(), want)
		}
	}
}
