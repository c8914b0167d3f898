// Package ormtest is the backend conformance suite: behaviour tests written
// once against the public API, which every backend runs with [Run]:
//
//	func TestConformance(t *testing.T) {
//		ormtest.Run(t, func(t testing.TB) orm.Backend {
//			b, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { b.Close() })
//			return b
//		})
//	}
//
// The tests assert on results and on the statements sent, through a
// [Recorder] fed by [orm.WithQueryHook]: that is how they prove the Unit of
// Work batches.
package ormtest
