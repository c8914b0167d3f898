package ormtest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Run runs the whole conformance suite against the backends open returns.
// Options declare what the backend lacks: the tests that need it are
// reported not applicable (skipped with the reason, and listed on standard
// output), never silently left out.
func Run(t *testing.T, open Opener, opts ...Option) {
	cfg := &config{without: map[Capability]bool{}, precision: time.Microsecond}
	for _, o := range opts {
		o(cfg)
	}
	var notApplicable []string
	for _, tc := range tests {
		if cfg.only != nil && !cfg.only[tc.name] {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			if c, ok := needs[tc.name]; ok && cfg.without[c] {
				notApplicable = append(notApplicable, fmt.Sprintf("%s (needs %s)", tc.name, c))
				t.Skipf("not applicable: needs %s, which the backend declares it lacks", c)
			}
			tc.fn(t, suite{open, cfg})
		})
	}
	if len(notApplicable) > 0 {
		fmt.Printf("ormtest: %s: not applicable: %s\n", t.Name(), strings.Join(notApplicable, ", "))
	}
}

// needs says which tests need a capability a backend may lack.
var needs = map[string]Capability{
	"Transaction":                        Transactions,
	"TransactionRollbackRestoresSession": Transactions,
	"NestedTransaction":                  Savepoints,
	"RelationsTransactionRollback":       Transactions,
	"RawSelect":                          SQL,
	"ContextEndsMidFlush":                Transactions,
	"LoadsSurviveRollback":               Transactions,
	"MissingColumnIsError":               SQL,
	"RefreshRolledBack":                  Transactions,
	"UpdateWhereRolledBack":              Transactions,
	"Counter":                            AtomicUpdates,
	"RawInTransaction":                   SQL,
	"RawOutsideTransaction":              SQL,
	"RawSelectScalar":                    SQL,
	"RawSelectMissingField":              SQL,
	"RawSelectEmbeddedPointer":           SQL,
	"RawErrors":                          SQL,
	"ReadOnly":                           Transactions,
	"StampsRolledBack":                   Transactions,
	"SoftDeleteRolledBack":               Transactions,
	"ReadOnlyRawWrite":                   SQL,
	"ReadOnlyNested":                     Savepoints,
	"LockReadsFresh":                     Locks,
	"LockDirtyIsError":                   Locks,
	"LockSkipLocked":                     RowLocks,
	"LockQueue":                          Locks,
	"Decimals":                           Decimals,
	"RetryConflicts":                     RowLocks,
	"RetryConflictsTransfers":            Transactions,
}

// tests is the suite, in the order it runs.
var tests = []struct {
	name string
	fn   func(t *testing.T, open suite)
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
	{"LargeBatchUpdateTypes", testLargeBatchUpdateTypes},
	{"LargeBatchInsert", testLargeBatchInsert},
	{"SmallBatchUpdateUsesCase", testSmallBatchUpdate},
	{"Filters", testFilters},
	{"OrderLimitOffset", testOrderLimitOffset},
	{"CountFindAndCount", testCount},
	{"Stream", testStream},
	{"UnknownFieldSendsNothing", testUnknownField},
	{"InjectionIsData", testInjection},
	{"InjectionCorpus", testInjectionCorpus},
	{"ReservedWords", testReservedWords},
	{"AppAssignedKeys", testAppAssignedKeys},
	{"CompositeKeys", testCompositeKeys},
	{"PersistRemoveStates", testPersistRemove},
	{"Refresh", testRefresh},
	{"RefreshRolledBack", testRefreshRolledBack},
	{"Detach", testDetach},
	{"Merge", testMerge},
	{"UpdateWhere", testUpdateWhere},
	{"UpdateWhereVersionAndPaths", testUpdateWhereVersionAndPaths},
	{"UpdateWhereRolledBack", testUpdateWhereRolledBack},
	{"UpdateWhereValues", testUpdateWhereValues},
	{"AddUnsigned", testAddUnsigned},
	{"DeleteWhere", testDeleteWhere},
	{"Counter", testCounter},
	{"Upsert", testUpsert},
	{"UpsertMany", testUpsertMany},
	{"UpdateWhereRefusedValues", testUpdateWhereRefusedValues},
	{"UpdateWhereUnsavedRef", testUpdateWhereUnsavedRef},
	{"UpsertJoinsLoadedCollections", testUpsertJoinsLoadedCollections},
	{"UpsertTimeConflict", testUpsertTimeConflict},
	{"UpdateWhereHugeIn", testUpdateWhereHugeIn},
	{"UpsertNullConflict", testUpsertNullConflict},
	{"UpsertPaddedKey", testUpsertPaddedKey},
	{"RemoveByKey", testRemoveByKey},
	{"Stamps", testStamps},
	{"StampsWithoutLoading", testStampsWithoutLoading},
	{"StampsDefaultClock", testStampsDefaultClock},
	{"StampsRolledBack", testStampsRolledBack},
	{"Hooks", testHooks},
	{"Transaction", testTransaction},
	{"TransactionRollbackRestoresSession", testTransactionRollback},
	{"NestedTransaction", testNestedTransaction},
	{"RetryConflicts", testRetryConflicts},
	{"CreateSchemaTwice", testCreateSchemaTwice},
	{"RetryConflictsTransfers", testRetryConflictsTransfers},
	{"ContextEndsMidFlush", testContextEndsMidFlush},
	{"ConstraintErrors", testConstraintErrors},
	{"KeyConversion", testKeyConversion},
	{"UnregisteredType", testUnregistered},
	{"PrimaryKeyChange", testPrimaryKeyChange},
	{"SeedScenario", testSeedScenario},
	{"PopulateNoNPlusOne", testPopulateNoNPlusOne},
	{"LazyLoadBatched", testLazyLoadBatched},
	{"MembersInKeyOrder", testMembersInKeyOrder},
	{"TreeInsert", testTreeInsert},
	{"Cycle", testCycle},
	{"RequiredCycle", testRequiredCycle},
	{"CascadeRemove", testCascadeRemove},
	{"OrphanRemoval", testOrphanRemoval},
	{"ManyToMany", testManyToMany},
	{"RefLoad", testRefLoad},
	{"JSON", testJSON},
	{"RelationFilters", testRelationFilters},
	{"DeleteEarlyUnique", testDeleteEarlyUnique},
	{"RawSelect", testRawSelect},
	{"RelationsTransactionRollback", testRelationsTransactionRollback},
	{"FailedFlushUndoesCascades", testFailedFlushUndoesCascades},
	{"LinksToUnmanaged", testLinksToUnmanaged},
	{"InverseFollowsOwning", testInverseFollowsOwning},
	{"RemoveDeletesPivotRows", testRemoveDeletesPivotRows},
	{"RemoveByKeyCascades", testRemoveByKeyCascades},
	{"PersistOtherSessions", testPersistOtherSessions},
	{"LoadsSurviveRollback", testLoadsSurviveRollback},
	{"ConcurrentUseRefused", testConcurrentUseRefused},
	{"HookRevertsChange", testHookRevertsChange},
	{"ValuesRoundTrip", testValuesRoundTrip},
	{"MissingColumnIsError", testMissingColumn},
	{"ExplicitAndGeneratedKeys", testExplicitKeys},
	{"KeyOnlyEntity", testKeyOnlyEntity},
	{"StreamBreakIsNoError", testStreamBreak},
	{"NullSemantics", testNullSemantics},
	{"LimitOffsetEdges", testLimitOffsetEdges},
	{"LikeEscape", testLikeEscape},
	{"HugeIn", testHugeIn},
	{"RawInTransaction", testRawInTransaction},
	{"RawOutsideTransaction", testRawOutsideTransaction},
	{"RawSelectScalar", testRawSelectScalar},
	{"RawSelectMissingField", testRawSelectMissingField},
	{"RawSelectEmbeddedPointer", testRawSelectEmbeddedPointer},
	{"RawErrors", testRawErrors},
	{"ReadOnly", testReadOnly},
	{"ReadOnlyRawWrite", testReadOnlyRawWrite},
	{"ReadOnlyNested", testReadOnlyNested},
	{"LockOutsideTransaction", testLockOutsideTransaction},
	{"LockStatements", testLockStatements},
	{"LockReadsFresh", testLockReadsFresh},
	{"LockDirtyIsError", testLockDirty},
	{"LockSkipLocked", testLockSkipLocked},
	{"LockQueue", testLockQueue},
	{"Enums", testEnums},
	{"DeclaredColumns", testDeclaredColumns},
	{"Defaults", testDefaults},
	{"Decimals", testDecimals},
	{"Embedded", testEmbedded},
	{"EmbeddedPointer", testEmbeddedPointer},
	{"OneToOne", testOneToOne},
	{"UUIDKeys", testUUIDKeys},
	{"BytesBatchUpdate", testBytesBatchUpdate},
	{"SoftDelete", testSoftDelete},
	{"SoftDeleteRolledBack", testSoftDeleteRolledBack},
	{"NamedFilters", testNamedFilters},
}
