// Package ferretserver starts the FerretDB the MongoDB tests run against
// when ORM_MONGO_URI is not set: the MongoDB wire protocol on an SQLite
// store, on a free 127.0.0.1 port. The test binary starts it in process;
// the ferretdb command serves the same one apart (CI's race run).
package ferretserver

import (
	"context"
	"log/slog"
	"os"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Start serves FerretDB on an SQLite store in dir until ctx is done. It
// returns the server's MongoDB URI and a channel closed once the server
// has stopped. FerretDB logs through the default slog logger, which Start
// sets to errors only, on standard error.
func Start(ctx context.Context, dir string) (uri string, stopped <-chan struct{}, err error) {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
	})
	if err != nil {
		return "", nil, err
	}
	done := make(chan struct{})
	go func() {
		f.Run(ctx)
		close(done)
	}()
	return f.MongoDBURI(), done, nil
}
