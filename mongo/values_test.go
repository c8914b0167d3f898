package mongo_test

import (
	"testing"
	"time"

	"github.com/unitofwork/orm/ormtest"
)

// TestValuesUnderLocalZone runs the value round trips with time.Local east
// of UTC by a non-whole hour: every time still reads back in time.UTC, and
// no flush after a read sends anything. Not parallel: time.Local is global.
func TestValuesUnderLocalZone(t *testing.T) {
	defer func(l *time.Location) { time.Local = l }(time.Local)
	time.Local = time.FixedZone("X", 5*3600+1800)
	ormtest.Run(t, open, ormtest.Only("ValuesRoundTrip", "Types"), ormtest.TimePrecision(time.Millisecond))
}
