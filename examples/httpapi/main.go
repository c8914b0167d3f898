// Command httpapi is a small JSON REST service over embedded SQLite, one
// Session per request:
//
//	go run ./examples/httpapi -addr 127.0.0.1:8080
//
//	GET    /authors?limit=10&offset=0   authors with their books and tags, and the total
//	                                    (limit 0 to 100, default 20; others are a 400)
//	GET    /authors/{id}
//	POST   /authors                     {"name": "Ann", "books": [{"title": "…", "year": 2024, "tags": ["go"]}]}
//	PATCH  /authors/{id}                {"name": "Ann B.", "version": 1}
//	DELETE /authors/{id}                soft-deletes the author and their books
//
// Authors and books are soft-deletable (orm:"softDelete"): a DELETE sets
// their deleted_at, the rows stay, and every read leaves them out.
//
// Reads answer with the entities themselves, as encoding/json writes them:
// an orm.Ref or orm.Collection holds its entities one level deep, so an
// author comes with their books in full, and each book with its author
// and tags as keys (a tag's key is its name):
//
//	{"id": 1, "name": "Ann", "version": 1, "books": [{"id": 1, "title": "…", "year": 2024, "author": 1, "tags": ["go"]}]}
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/sqlite"
)

// Author writes books; Version guards concurrent edits. Removing an author
// soft-deletes them, and their books through the cascade.
type Author struct {
	ID      int64                `json:"id"`
	Name    string               `json:"name"`
	Version int64                `orm:"version" json:"version"`
	Deleted *time.Time           `orm:"softDelete" json:"-"`
	Books   orm.Collection[Book] `orm:"mappedBy:Author,cascade:remove" json:"books,omitzero"`
}

// Book has one author and many tags; it is soft-deletable too.
type Book struct {
	ID      int64               `json:"id"`
	Title   string              `json:"title"`
	Year    int                 `json:"year"`
	Author  orm.Ref[Author]     `orm:"required" json:"author"`
	Tags    orm.Collection[Tag] `orm:"m2m" json:"tags,omitzero"`
	Deleted *time.Time          `orm:"softDelete" json:"-"`
}

// Tag is shared by books; its name is its key, so a book's tags encode as
// their names.
type Tag struct {
	Name string `orm:"pk" json:"name"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	path := flag.String("db", filepath.Join(os.TempDir(), "httpapi.db"), "SQLite database file")
	flag.Parse()
	db, err := openDB(context.Background(), *path)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	log.Printf("listening on http://%s", *addr)
	log.Fatal(http.ListenAndServe(*addr, newServer(db)))
}

func openDB(ctx context.Context, path string) (*orm.DB, error) {
	b, err := sqlite.Open(context.Background(), path)
	if err != nil {
		return nil, err
	}
	db, err := orm.Open(b, orm.Entities(&Author{}, &Book{}, &Tag{}))
	if err != nil {
		return nil, err
	}
	return db, db.CreateSchema(ctx)
}

// newServer routes the API; db.Middleware gives each request a Session.
func newServer(db *orm.DB) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authors", handle(listAuthors))
	mux.HandleFunc("GET /authors/{id}", handle(getAuthor))
	mux.HandleFunc("POST /authors", handle(createAuthor))
	mux.HandleFunc("PATCH /authors/{id}", handle(updateAuthor))
	mux.HandleFunc("DELETE /authors/{id}", handle(deleteAuthor))
	return db.Middleware(mux)
}

// httpError is an error with a status code.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

// handle adapts a handler that returns a value or an error: the value is
// written as JSON, errors map to status codes.
func handle(fn func(r *http.Request, s *orm.Session) (int, any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, _ := orm.SessionFrom(r.Context())
		status, v, err := fn(r, s)
		var he *httpError
		var le *orm.OptimisticLockError
		var ce *orm.ConstraintError
		switch {
		case err == nil:
		case errors.As(err, &he):
			status, v = he.status, map[string]string{"error": he.msg}
		case errors.Is(err, orm.ErrNotFound):
			status, v = http.StatusNotFound, map[string]string{"error": err.Error()}
		case errors.As(err, &le), errors.As(err, &ce):
			status, v = http.StatusConflict, map[string]string{"error": err.Error()}
		default:
			log.Printf("%s %s: %v", r.Method, r.URL, err)
			status, v = http.StatusInternalServerError, map[string]string{"error": "internal error"}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if v != nil {
			json.NewEncoder(w).Encode(v)
		}
	}
}

// newAuthorJSON is the body of POST /authors: what a client may set.
type newAuthorJSON struct {
	Name  string `json:"name"`
	Books []struct {
		Title string   `json:"title"`
		Year  int      `json:"year"`
		Tags  []string `json:"tags"`
	} `json:"books"`
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, &httpError{http.StatusBadRequest, fmt.Sprintf("bad id %q", r.PathValue("id"))}
	}
	return id, nil
}

func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &httpError{http.StatusBadRequest, "bad JSON: " + err.Error()}
	}
	return nil
}

func intParam(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, &httpError{http.StatusBadRequest, fmt.Sprintf("bad %s %q", name, v)}
	}
	return n, nil
}

// maxPageSize is the largest limit /authors accepts: a page is loaded,
// with its books and tags, in memory.
const maxPageSize = 100

func listAuthors(r *http.Request, s *orm.Session) (int, any, error) {
	limit, err := intParam(r, "limit", 20)
	if err != nil {
		return 0, nil, err
	}
	if limit > maxPageSize {
		return 0, nil, &httpError{http.StatusBadRequest, fmt.Sprintf("limit %d is over the maximum page size, %d", limit, maxPageSize)}
	}
	offset, err := intParam(r, "offset", 0)
	if err != nil {
		return 0, nil, err
	}
	authors, total, err := orm.Repo[Author](s).FindAndCount(r.Context(), nil,
		orm.OrderBy("Name", "ID"), orm.Limit(limit), orm.Offset(offset), orm.Populate("Books.Tags"))
	if err != nil {
		return 0, nil, err
	}
	if authors == nil {
		authors = []*Author{} // [], not null
	}
	return http.StatusOK, map[string]any{"items": authors, "total": total}, nil
}

func getAuthor(r *http.Request, s *orm.Session) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	a, err := orm.Repo[Author](s).Get(r.Context(), id, orm.Populate("Books.Tags"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, a, nil
}

func createAuthor(r *http.Request, s *orm.Session) (int, any, error) {
	var in newAuthorJSON
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if in.Name == "" {
		return 0, nil, &httpError{http.StatusBadRequest, "name is required"}
	}
	// Two requests may create the same new tag at once: the slower one's
	// flush then fails on the tag's key, its name, and it tries again, finding
	// the tag the other created.
	for attempt := 1; ; attempt++ {
		a, err := newAuthor(r.Context(), s, in)
		var ce *orm.ConstraintError
		if errors.As(err, &ce) && ce.Table == "tag" && attempt < 5 {
			s.Clear()
			continue
		}
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, a, nil
	}
}

// newAuthor persists an author with books, reusing tags that exist.
func newAuthor(ctx context.Context, s *orm.Session, in newAuthorJSON) (*Author, error) {
	a := &Author{Name: in.Name}
	tags := map[string]*Tag{}
	for _, bj := range in.Books {
		b := &Book{Title: bj.Title, Year: bj.Year}
		for _, name := range bj.Tags {
			t := tags[name]
			if t == nil {
				var err error
				if t, err = orm.Repo[Tag](s).Get(ctx, name); errors.Is(err, orm.ErrNotFound) {
					t = &Tag{Name: name}
				} else if err != nil {
					return nil, err
				}
				tags[name] = t
			}
			b.Tags.Add(t)
		}
		a.Books.Add(b)
	}
	s.Persist(a) // cascades to the books and new tags
	return a, s.Flush(ctx)
}

func updateAuthor(r *http.Request, s *orm.Session) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		Name    *string `json:"name"`
		Version int64   `json:"version"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if in.Name == nil || in.Version == 0 {
		return 0, nil, &httpError{http.StatusBadRequest, "name and version are required"}
	}
	ctx := r.Context()
	// Merge reads the row (one query), refuses a version older than the
	// row's (the client edited a stale copy: *orm.OptimisticLockError, a
	// 409), and copies the values onto the managed author, so that the
	// flush writes only the columns that changed.
	a, err := orm.Repo[Author](s).Merge(ctx, &Author{ID: id, Name: *in.Name, Version: in.Version})
	if err != nil {
		return 0, nil, err
	}
	if err := s.Flush(ctx); err != nil {
		return 0, nil, err
	}
	// The author is managed: Get populates its books without reading it again.
	if a, err = orm.Repo[Author](s).Get(ctx, a.ID, orm.Populate("Books.Tags")); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, a, nil
}

func deleteAuthor(r *http.Request, s *orm.Session) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	a, err := orm.Repo[Author](s).Get(r.Context(), id)
	if err != nil {
		return 0, nil, err
	}
	s.Remove(a) // an UPDATE of deleted_at, for the author and their books
	if err := s.Flush(r.Context()); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}
