package mongo_test

import (
	"database/sql/driver"
	"errors"
	"testing"

	"github.com/unitofwork/orm"
)

type price struct{ s string }

func (p price) Value() (driver.Value, error) { return p.s, nil }
func (p *price) Scan(v any) error            { p.s, _ = v.(string); return nil }

type priced struct {
	ID    int64
	Price price `orm:"type:numeric(20,2)"`
}

// TestDecimalsRefusedOnFerretDB: FerretDB has no Decimal128, and drops the
// connection on one; Open refuses a decimal field there, naming it.
func TestDecimalsRefusedOnFerretDB(t *testing.T) {
	if !onFerretDB(t) {
		t.Skip("a real MongoDB stores decimals as Decimal128")
	}
	_, err := orm.Open(open(t), orm.Entities(&priced{}))
	var me *orm.MetadataError
	if !errors.As(err, &me) || me.Entity != "priced" || me.Field != "Price" {
		t.Errorf("Open = %v; want a MetadataError naming priced.Price", err)
	}
}
