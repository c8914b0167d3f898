package ormtest

import (
	"testing"
)

// Run runs the whole conformance suite against the backends open returns.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"RoundTrip", testRoundTrip},
		{"Types", testTypes},
		{"EdgeValues", testEdgeValues},
		{"StatementCounts", testStatementCounts},
		{"CleanFlushSendsNothing", testCleanFlush},
		{"ZeroValuesAreChanges", testZeroValues},
		{"ManyInsertsChunked", testManyInserts},
		{"BatchSize", testBatchSize},
		{"IdentityGet", testIdentityGet},
		{"IdentityFind", testIdentityFind},
		{"FailedFlushChangesNothing", testFailedFlush},
		{"OptimisticLock", testOptimisticLock},
		{"OptimisticLockBatch", testOptimisticLockBatch},
		{"OptimisticLockDelete", testOptimisticLockDelete},
		{"LargeBatchUpdate", testLargeBatchUpdate},
		{"SmallBatchUpdateUsesCase", testSmallBatchUpdate},
		{"Filters", testFilters},
		{"OrderLimitOffset", testOrderLimitOffset},
		{"CountFindAndCount", testCount},
		{"Stream", testStream},
		{"UnknownFieldSendsNothing", testUnknownField},
		{"InjectionIsData", testInjection},
		{"ReservedWords", testReservedWords},
		{"AppAssignedKeys", testAppAssignedKeys},
		{"CompositeKeys", testCompositeKeys},
		{"PersistRemoveStates", testPersistRemove},
		{"RemoveByKey", testRemoveByKey},
		{"Hooks", testHooks},
		{"Transaction", testTransaction},
		{"TransactionRollbackRestoresSession", testTransactionRollback},
		{"NestedTransaction", testNestedTransaction},
		{"ConstraintErrors", testConstraintErrors},
		{"KeyConversion", testKeyConversion},
		{"UnregisteredType", testUnregistered},
		{"PrimaryKeyChange", testPrimaryKeyChange},
		{"SeedScenario", testSeedScenario},
		{"PopulateNoNPlusOne", testPopulateNoNPlusOne},
		{"TreeInsert", testTreeInsert},
		{"Cycle", testCycle},
		{"RequiredCycle", testRequiredCycle},
		{"CascadeRemove", testCascadeRemove},
		{"OrphanRemoval", testOrphanRemoval},
		{"ManyToMany", testManyToMany},
		{"RefLoad", testRefLoad},
		{"RelationFilters", testRelationFilters},
		{"DeleteEarlyUnique", testDeleteEarlyUnique},
		{"RawSelect", testRawSelect},
		{"RelationsTransactionRollback", testRelationsTransactionRollback},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}
