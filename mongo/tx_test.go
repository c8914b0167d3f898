package mongo_test

import (
	"context"
	stdsql "database/sql"
	"strings"
	"testing"

	"github.com/unitofwork/orm"
)

// TestIsolationRefused: a transaction asked for an isolation level, which
// MongoDB does not have, is refused with an error saying so, on any
// deployment, rather than run without it.
func TestIsolationRefused(t *testing.T) {
	ctx := context.Background()
	db, err := orm.Open(open(t))
	if err != nil {
		t.Fatal(err)
	}
	ran := false
	err = db.Session().Transaction(ctx, func(context.Context, *orm.Session) error {
		ran = true
		return nil
	}, orm.Isolation(stdsql.LevelSerializable))
	if err == nil || !strings.Contains(err.Error(), "Isolation(Serializable)") || ran {
		t.Errorf("Transaction with Isolation(Serializable) = %v (ran: %v); want an error naming the level, fn not run", err, ran)
	}
}
