package orm

import (
	"fmt"

	"github.com/unitofwork/orm/internal/backend"
	"github.com/unitofwork/orm/internal/meta"
)

// lockOptions are the row-lock options a query was given.
type lockOptions struct {
	update, share, skip, nowait bool
}

// ForUpdate makes a read lock the rows it returns until the transaction
// ends, against writes and other locking reads (SELECT … FOR UPDATE): what
// a read that is about to change the rows needs, so that no other
// transaction changes them in between. It is an option of [Repository.Find],
// FindOne, FindAndCount (its Count locks nothing), Get and Stream, valid
// only inside [Session.Transaction]: outside one, the read is an error and
// sends nothing. A locking read returns the rows as they are now, even
// those the Session already manages: see the package documentation's
// section on locks, which also says what each database does.
func ForUpdate() QueryOption { return func(o *queryOptions) { o.lock.update = true } }

// ForShare makes a read lock the rows it returns until the transaction
// ends against writes, but not against other shared locks (SELECT … FOR
// SHARE; LOCK IN SHARE MODE on MariaDB). It applies where [ForUpdate]
// does, and cannot be combined with it.
func ForShare() QueryOption { return func(o *queryOptions) { o.lock.share = true } }

// SkipLocked makes a locking read leave out the rows another transaction
// holds locked instead of waiting for them (… SKIP LOCKED): several
// workers taking jobs from one table each get different ones. It needs
// [ForUpdate] or [ForShare], and cannot be combined with [NoWait].
func SkipLocked() QueryOption { return func(o *queryOptions) { o.lock.skip = true } }

// NoWait makes a locking read fail at once, with an error matching
// [ErrLocked], when a row it would return is locked by another
// transaction, instead of waiting for it (… NOWAIT). It needs [ForUpdate]
// or [ForShare], and cannot be combined with [SkipLocked].
func NoWait() QueryOption { return func(o *queryOptions) { o.lock.nowait = true } }

// name is the first lock option given, for messages.
func (l lockOptions) name() string {
	switch {
	case l.update:
		return "ForUpdate"
	case l.share:
		return "ForShare"
	case l.skip:
		return "SkipLocked"
	}
	return "NoWait"
}

// resolve returns the lock a query of m takes, or an error naming m when
// the options contradict each other or the Session is in no transaction.
func (l lockOptions) resolve(m *meta.Entity, inTx bool) (backend.Lock, error) {
	var lock backend.Lock
	if l == (lockOptions{}) {
		return lock, nil
	}
	switch {
	case l.update && l.share:
		return lock, fmt.Errorf("orm: query of %s: ForUpdate and ForShare together: a read takes one kind of lock", m.Name)
	case l.skip && l.nowait:
		return lock, fmt.Errorf("orm: query of %s: SkipLocked and NoWait together: a read either skips locked rows or fails on them", m.Name)
	case !l.update && !l.share:
		return lock, fmt.Errorf("orm: query of %s: %s needs ForUpdate or ForShare", m.Name, l.name())
	case !inTx:
		return lock, fmt.Errorf("orm: query of %s: %s is valid only inside Session.Transaction (a row lock lasts until its transaction ends)", m.Name, l.name())
	}
	lock.Mode = backend.LockUpdate
	if l.share {
		lock.Mode = backend.LockShare
	}
	switch {
	case l.skip:
		lock.Wait = backend.SkipLocked
	case l.nowait:
		lock.Wait = backend.NoWait
	}
	return lock, nil
}
