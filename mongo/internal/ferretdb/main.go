// Command ferretdb serves an embedded FerretDB (the MongoDB wire protocol
// on SQLite, in the directory -dir) on a free 127.0.0.1 port, prints its
// MongoDB URI as the first line of its output and serves until it is
// interrupted or terminated.
//
// The MongoDB tests start the same server inside their test binary when
// ORM_MONGO_URI is not set. CI's race run starts this one apart and points
// ORM_MONGO_URI at it, so that the race detector instruments the backend
// and its tests, not FerretDB and its SQLite, which it slows about tenfold
// (the tests see from buildInfo that the server is FerretDB).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/unitofwork/orm/mongo/internal/ferretserver"
)

func main() {
	dir := flag.String("dir", "", "the directory of the SQLite store (required)")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "ferretdb: -dir is required")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	uri, stopped, err := ferretserver.Start(ctx, *dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
	fmt.Println(uri)
	<-stopped
}
