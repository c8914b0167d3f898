package orm_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/unitofwork/orm"
)

func TestMiddlewareGivesEachRequestItsOwnSession(t *testing.T) {
	db := openExample()
	defer db.Close()
	var mu sync.Mutex
	seen := map[*orm.Session]bool{}
	h := db.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := orm.SessionFrom(r.Context())
		if !ok {
			t.Error("no Session in the request context")
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if seen[s] {
			t.Error("two requests shared a Session")
		}
		seen[s] = true
	}))
	for range 10 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}
	if _, ok := orm.SessionFrom(context.Background()); ok {
		t.Error("SessionFrom found a Session in an empty context")
	}
}
