package orm_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/unitofwork/orm"
)

// TestEndedSessionIsCollected: entities kept after their Session ended (its
// Middleware request returned, or it was cleared and dropped) do not keep
// the Session alive; their Refs and Collections report that it ended, and
// another Session takes them as detached entities.
func TestEndedSessionIsCollected(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, memory(t), orm.Entities(&Shelf{}, &Volume{}))
	seed := db.Session()
	first, second := &Shelf{Name: "first"}, &Shelf{Name: "second"}
	vol := &Volume{Title: "Dune", Shelf: orm.RefTo(first)}
	seed.Persist(first, second, vol)
	if err := seed.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	// load reads the volume and its shelf in s, and arranges for collected
	// to be closed once s is garbage.
	load := func(t *testing.T, s *orm.Session, collected chan struct{}) (*Volume, *Shelf) {
		t.Helper()
		v, err := orm.Repo[Volume](s).Get(ctx, vol.ID)
		if err != nil {
			t.Fatal(err)
		}
		sh, err := orm.Repo[Shelf](s).Get(ctx, second.ID)
		if err != nil {
			t.Fatal(err)
		}
		runtime.AddCleanup(s, func(c chan struct{}) { close(c) }, collected)
		return v, sh
	}
	tests := []struct {
		name string
		run  func(t *testing.T, collected chan struct{}) (*Volume, *Shelf)
	}{
		{"request ended", func(t *testing.T, collected chan struct{}) (v *Volume, sh *Shelf) {
			h := db.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s, _ := orm.SessionFrom(r.Context())
				v, sh = load(t, s, collected)
			}))
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
			return v, sh
		}},
		{"cleared and dropped", func(t *testing.T, collected chan struct{}) (*Volume, *Shelf) {
			s := db.Session()
			v, sh := load(t, s, collected)
			if err := s.Clear(); err != nil {
				t.Fatal(err)
			}
			return v, sh
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			collected := make(chan struct{})
			v, sh := tt.run(t, collected)
			waitCollected(t, collected)

			if _, err := v.Shelf.Load(ctx); !errors.Is(err, orm.ErrSessionEnded) || !strings.Contains(err.Error(), "Volume") {
				t.Errorf("Ref.Load after the Session ended = %v; want ErrSessionEnded naming the Volume", err)
			}
			if err := sh.Books.Load(ctx); !errors.Is(err, orm.ErrSessionEnded) || !strings.Contains(err.Error(), "Shelf") {
				t.Errorf("Collection.Load after the Session ended = %v; want ErrSessionEnded naming the Shelf", err)
			}
			if got := v.Shelf.ID(); got != any(first.ID) {
				t.Errorf("Ref.ID after the Session ended = %v; want %d", got, first.ID)
			}

			// Another Session takes the volume as a detached entity with a
			// key: a reference to its row, moved to the second shelf.
			other := db.Session()
			target, err := orm.Repo[Shelf](other).Get(ctx, second.ID, orm.Populate("Books"))
			if err != nil {
				t.Fatal(err)
			}
			target.Books.Add(v)
			if err := other.Flush(ctx); err != nil {
				t.Fatalf("Flush linking the ended Session's volume = %v", err)
			}
			got, err := orm.Repo[Volume](db.Session()).Get(ctx, vol.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Shelf.ID() != any(second.ID) || got.Title != "Dune" {
				t.Errorf("volume after the link = %q on shelf %v; want \"Dune\" on shelf %d", got.Title, got.Shelf.ID(), second.ID)
			}
			// Put it back for the next case.
			back := db.Session()
			g, err := orm.Repo[Volume](back).Get(ctx, vol.ID)
			if err != nil {
				t.Fatal(err)
			}
			g.Shelf.Set(first)
			if err := back.Flush(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestClearRolledBack: a Transaction that rolls back a Clear gives the
// Session its entities back, Refs and Collections included.
func TestClearRolledBack(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, memory(t), orm.Entities(&Shelf{}, &Volume{}))
	s := db.Session()
	shelf := &Shelf{Name: "first"}
	s.Persist(shelf, &Volume{Title: "Dune", Shelf: orm.RefTo(shelf)})
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	s = db.Session()
	sh, err := orm.Repo[Shelf](s).Get(ctx, shelf.ID)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = s.Transaction(ctx, func(ctx context.Context, s *orm.Session) error {
		if err := s.Clear(); err != nil {
			t.Fatal(err)
		}
		if err := sh.Books.Load(ctx); !errors.Is(err, orm.ErrSessionEnded) {
			t.Errorf("Collection.Load after Clear = %v; want ErrSessionEnded", err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Transaction = %v; want boom", err)
	}
	if err := sh.Books.Load(ctx); err != nil {
		t.Fatalf("Collection.Load after the rollback of Clear = %v", err)
	}
	if n := sh.Books.Len(); n != 1 {
		t.Errorf("%d books after the rollback of Clear; want 1", n)
	}
	if got, err := orm.Repo[Shelf](s).Get(ctx, shelf.ID); err != nil || got != sh {
		t.Errorf("Get after the rollback of Clear = %p, %v; want the same instance %p", got, err, sh)
	}
}

// waitCollected collects garbage until collected is closed.
func waitCollected(t *testing.T, collected <-chan struct{}) {
	t.Helper()
	for range 100 {
		runtime.GC()
		select {
		case <-collected:
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatal("the ended Session was not collected while an entity it loaded is referenced")
}
