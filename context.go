package orm

import (
	"context"
	"net/http"
)

type sessionKey struct{}

// WithSession returns a context carrying s, for code further down a request
// to find with [SessionFrom].
func WithSession(ctx context.Context, s *Session) context.Context {
	return context.WithValue(ctx, sessionKey{}, s)
}

// SessionFrom returns the Session ctx carries, if any.
func SessionFrom(ctx context.Context) (*Session, bool) {
	s, ok := ctx.Value(sessionKey{}).(*Session)
	return s, ok
}

// Middleware gives every request a Session of its own, in the request's
// context ([SessionFrom] finds it), so requests never share an identity
// map. When the handler returns, the Session is cleared: changes the handler
// did not flush are discarded, never flushed implicitly, and the entities it
// loaded are detached ([Session.Clear]), so one kept past the request (in a
// cache) does not keep the Session alive.
func (db *DB) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := db.Session()
		defer s.Clear()
		next.ServeHTTP(w, r.WithContext(WithSession(r.Context(), s)))
	})
}
