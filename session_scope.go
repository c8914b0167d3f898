package orm

import (
	"errors"

	"github.com/unitofwork/orm/internal/backend"
)

// init hands package sql the backend and transaction of a Session, for
// raw SQL run in it (sql.Exec, sql.Select).
func init() {
	backend.SessionScope = func(v any) (backend.Backend, backend.Scope, func(), error) {
		s, _ := v.(*Session)
		if s == nil {
			return nil, backend.Scope{}, nil, errors.New("orm: nil *orm.Session")
		}
		if err := s.enter(); err != nil {
			return nil, backend.Scope{}, nil, err
		}
		return s.db.backend, s.scope(), s.leave, nil
	}
}
