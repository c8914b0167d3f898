package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/unitofwork/orm"
)

func startServer(t *testing.T) *httptest.Server {
	srv, _ := startServerDB(t)
	return srv
}

// startServerDB starts the server and returns its DB too.
func startServerDB(t *testing.T) (*httptest.Server, *orm.DB) {
	db, err := openDB(context.Background(), filepath.Join(t.TempDir(), "api.db"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newServer(db))
	t.Cleanup(func() {
		srv.Close()
		db.Close()
	})
	return srv, db
}

func call(t *testing.T, srv *httptest.Server, method, path, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: decoding: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

// get sends a GET and returns the status and the body, without its
// trailing newline.
func get(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, strings.TrimSuffix(string(b), "\n")
}

func TestAPI(t *testing.T) {
	srv, db := startServerDB(t)
	var ann Author
	if st := call(t, srv, "POST", "/authors", `{"name": "Ann", "books": [{"title": "Go", "year": 2015, "tags": ["go", "prog"]}, {"title": "DB", "year": 2020, "tags": ["prog"]}]}`, &ann); st != http.StatusCreated {
		t.Fatalf("POST = %d", st)
	}
	if ann.ID == 0 || ann.Books.Len() != 2 || ann.Version != 1 {
		t.Fatalf("created %+v", ann)
	}
	want := fmt.Sprintf(`{"id":%d,"name":"Ann","version":1,"books":[`+
		`{"id":1,"title":"Go","year":2015,"author":%[1]d,"tags":["go","prog"]},`+
		`{"id":2,"title":"DB","year":2020,"author":%[1]d,"tags":["prog"]}]}`, ann.ID)
	if st, body := get(t, srv, fmt.Sprintf("/authors/%d", ann.ID)); st != http.StatusOK || body != want {
		t.Fatalf("GET = %d, %s; want 200, %s", st, body, want)
	}
	var list struct {
		Items []Author `json:"items"`
		Total int      `json:"total"`
	}
	call(t, srv, "POST", "/authors", `{"name": "Bob"}`, nil)
	if st := call(t, srv, "GET", "/authors?limit=1&offset=1", "", &list); st != http.StatusOK || list.Total != 2 || len(list.Items) != 1 || list.Items[0].Name != "Bob" {
		t.Fatalf("list = %d, %+v", st, list)
	}
	for _, q := range []string{"limit=101", "limit=-1", "limit=9223372036854775808", "limit=x", "offset=-1"} {
		if st := call(t, srv, "GET", "/authors?"+q, "", nil); st != http.StatusBadRequest {
			t.Errorf("GET /authors?%s = %d; want 400", q, st)
		}
	}
	if st := call(t, srv, "GET", "/authors?limit=100&offset=9223372036854775807", "", &list); st != http.StatusOK || list.Total != 2 || len(list.Items) != 0 {
		t.Errorf("a page past the end = %d, %+v; want 200, no items and the total", st, list)
	}
	if st := call(t, srv, "GET", "/authors?limit=0", "", &list); st != http.StatusOK || list.Total != 2 || len(list.Items) != 0 {
		t.Errorf("limit=0 = %d, %+v; want 200, no items and the total", st, list)
	}
	var patched Author
	if st := call(t, srv, "PATCH", fmt.Sprintf("/authors/%d", ann.ID), `{"name": "Ann B.", "version": 1}`, &patched); st != http.StatusOK || patched.Name != "Ann B." || patched.Version != 2 {
		t.Fatalf("PATCH = %d, %+v", st, patched)
	}
	if st := call(t, srv, "PATCH", fmt.Sprintf("/authors/%d", ann.ID), `{"name": "stale", "version": 1}`, nil); st != http.StatusConflict {
		t.Errorf("PATCH with a stale version = %d; want 409", st)
	}
	if st := call(t, srv, "PATCH", fmt.Sprintf("/authors/%d", ann.ID), `{"name": "no version"}`, nil); st != http.StatusBadRequest {
		t.Errorf("PATCH without a version = %d; want 400", st)
	}
	if st := call(t, srv, "PATCH", "/authors/999", `{"name": "x", "version": 1}`, nil); st != http.StatusNotFound {
		t.Errorf("PATCH of a missing id = %d; want 404", st)
	}
	var e struct {
		Error string `json:"error"`
	}
	if st := call(t, srv, "POST", "/authors", `{"name": "Cy", "books": [`, &e); st != http.StatusBadRequest || e.Error == "" {
		t.Errorf("bad JSON = %d %q; want 400 with a message", st, e.Error)
	}
	call(t, srv, "GET", "/authors", "", &list)
	if list.Total != 2 {
		t.Errorf("%d authors after the bad request; want 2 (nothing written)", list.Total)
	}
	if st := call(t, srv, "GET", "/authors/999", "", nil); st != http.StatusNotFound {
		t.Errorf("GET of a missing id = %d; want 404", st)
	}
	if st := call(t, srv, "DELETE", fmt.Sprintf("/authors/%d", ann.ID), "", nil); st != http.StatusNoContent {
		t.Errorf("DELETE = %d; want 204", st)
	}
	if st := call(t, srv, "GET", fmt.Sprintf("/authors/%d", ann.ID), "", nil); st != http.StatusNotFound {
		t.Errorf("GET after DELETE = %d; want 404", st)
	}
	checkSoftDeleted(t, srv, db, ann.ID)
}

// checkSoftDeleted checks that the DELETE of author id soft-deleted them
// and their books: the API no longer sees them, the rows are still there.
func checkSoftDeleted(t *testing.T, srv *httptest.Server, db *orm.DB, id int64) {
	t.Helper()
	if st := call(t, srv, "PATCH", fmt.Sprintf("/authors/%d", id), `{"name": "x", "version": 2}`, nil); st != http.StatusNotFound {
		t.Errorf("PATCH after DELETE = %d; want 404", st)
	}
	var list struct {
		Total int `json:"total"`
	}
	call(t, srv, "GET", "/authors", "", &list)
	if list.Total != 1 {
		t.Errorf("%d authors after the DELETE; want 1", list.Total)
	}
	ctx := context.Background()
	a, err := orm.Repo[Author](db.Session()).Get(ctx, id, orm.WithDeleted(), orm.Populate("Books"))
	if err != nil || a.Deleted == nil || a.Books.Len() != 2 {
		t.Fatalf("Ann with WithDeleted = %+v, %v; want her, deleted, with 2 books", a, err)
	}
	for _, b := range a.Books.Items() {
		if b.Deleted == nil {
			t.Errorf("book %q is not soft-deleted", b.Title)
		}
	}
}

// TestConcurrentRequests: 50 requests at once, each with its own Session.
func TestConcurrentRequests(t *testing.T) {
	srv := startServer(t)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var a Author
			body := fmt.Sprintf(`{"name": "author %02d", "books": [{"title": "book %d", "year": %d, "tags": ["t%d"]}]}`, i, i, 2000+i, i%5)
			req, _ := http.NewRequest("POST", srv.URL+"/authors", bytes.NewBufferString(body))
			resp, err := srv.Client().Do(req)
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				errs <- fmt.Errorf("POST %d: status %d", i, resp.StatusCode)
				return
			}
			if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || a.Name != fmt.Sprintf("author %02d", i) || a.Books.Len() != 1 {
				errs <- fmt.Errorf("POST %d: %+v, %v", i, a, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var list struct {
		Items []Author `json:"items"`
		Total int      `json:"total"`
	}
	call(t, srv, "GET", "/authors?limit=50", "", &list)
	if list.Total != 50 || len(list.Items) != 50 {
		t.Fatalf("total %d, %d items; want 50", list.Total, len(list.Items))
	}
	for i, a := range list.Items {
		if a.Name != fmt.Sprintf("author %02d", i) || a.Books.Len() != 1 || a.Books.Items()[0].Tags.Items()[0].Name != fmt.Sprintf("t%d", i%5) {
			t.Errorf("item %d = %+v", i, a)
		}
	}
}
