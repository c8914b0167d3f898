// Package bench compares the ORM with the raw drivers and peer ORMs on the
// same databases, in one run:
//
//	go test -run '^$' -bench . ./bench/...
//
// SQLite (a temporary file) always runs; PostgreSQL runs when
// ORM_POSTGRES_DSN is set. Every implementation works on the same table
// shape: an id and seven columns of mixed types. Benchmark names read
// db=…/op=…/impl=…, so benchstat can compare implementations.
package bench
