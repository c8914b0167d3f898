package orm

import (
	"errors"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
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
		s.wrote = true // raw SQL may write: later reads go to the primary
		return s.db.backend, s.scope(), s.leave, nil
	}
}

// init hands the migrate module the Backend and entities of a DB.
func init() {
	backend.DBParts = func(v any) (any, backend.Backend, *meta.Registry, error) {
		db, _ := v.(*DB)
		if db == nil {
			return nil, nil, nil, errors.New("orm: nil *orm.DB")
		}
		return db.public, db.backend, db.reg, nil
	}
}
