// Command migrations shows how a program wires package migrate into itself:
// its entities live in its own code, so it is the program, not a separate
// tool, that diffs them against the database and applies the files.
//
//	go run . -db app.db diff add_books   # write migrations/<version>_add_books.{up,down}.sql
//	go run . -db app.db up               # apply what is not applied yet
//	go run . -db app.db status
//	go run . -db app.db down 1
//
// -db is a SQLite file, or a postgres:// URL, or mysql:<DSN> for MySQL and
// MariaDB.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/unitofwork/orm"
	"github.com/unitofwork/orm/dialect/mysql"
	"github.com/unitofwork/orm/dialect/postgres"
	"github.com/unitofwork/orm/dialect/sqlite"
	"github.com/unitofwork/orm/migrate"
)

// Author and Book are the program's entities.
type Author struct {
	ID    int64
	Name  string               `orm:"size:120"`
	Books orm.Collection[Book] `orm:"mappedBy:Author"`
}

// Book is written by an Author.
type Book struct {
	ID     int64
	Title  string `orm:"size:200,index"`
	Author orm.Ref[Author]
}

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "migrations:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fl := flag.NewFlagSet("migrations", flag.ContinueOnError)
	dsn := fl.String("db", "app.db", "a SQLite file, a postgres:// URL, or mysql:<DSN>")
	dir := fl.String("dir", "migrations", "the directory of the migration files")
	destructive := fl.Bool("destructive", false, "let diff write changes that drop data")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() == 0 {
		return errors.New("name a command: diff <name>, up, down [n] or status")
	}
	db, err := open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	files := os.DirFS(*dir)
	switch cmd := fl.Arg(0); cmd {
	case "diff":
		return diff(ctx, db, *dir, fl.Arg(1), *destructive, out)
	case "up":
		applied, err := migrate.Up(ctx, db, files)
		for _, name := range applied {
			fmt.Fprintln(out, "applied", name)
		}
		if err == nil && len(applied) == 0 {
			fmt.Fprintln(out, "nothing to apply")
		}
		return err
	case "down":
		n := 1
		if fl.NArg() > 1 {
			if n, err = strconv.Atoi(fl.Arg(1)); err != nil {
				return fmt.Errorf("down takes a number of steps, not %q", fl.Arg(1))
			}
		}
		if err := migrate.Down(ctx, db, files, n); err != nil {
			return err
		}
		fmt.Fprintln(out, "undid", n)
		return nil
	case "status":
		states, err := migrate.Status(ctx, db, files)
		for _, st := range states {
			fmt.Fprintln(out, describe(st))
		}
		return err
	default:
		return fmt.Errorf("unknown command %q: diff <name>, up, down [n] or status", cmd)
	}
}

// diff writes the plan that brings the database to the entities.
func diff(ctx context.Context, db *orm.DB, dir, name string, destructive bool, out io.Writer) error {
	if name == "" {
		return errors.New("diff needs a name for the migration, as in diff add_books")
	}
	plan, err := migrate.Diff(ctx, db)
	if err != nil {
		return err
	}
	if plan.Empty() {
		fmt.Fprintln(out, "the database matches the entities")
		return nil
	}
	for _, c := range plan.Changes {
		fmt.Fprintln(out, "--", c.Comment)
		fmt.Fprint(out, c.Up)
	}
	var opts []migrate.WriteOption
	if destructive {
		opts = append(opts, migrate.AllowDestructive())
	}
	version, err := plan.Write(dir, name, opts...)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %s/%s_%s.up.sql\n", dir, version, name)
	return nil
}

func describe(st migrate.State) string {
	s := fmt.Sprintf("%d_%s: ", st.Version, st.Name)
	switch {
	case st.Missing:
		return s + "applied, file missing"
	case st.Modified:
		return s + "applied, file edited since"
	case st.Applied:
		return s + "applied " + st.AppliedAt.Format("2006-01-02 15:04:05")
	}
	return s + "pending"
}

// open opens the database -db names with the program's entities.
func open(ctx context.Context, dsn string) (*orm.DB, error) {
	var b orm.Backend
	var err error
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		b, err = postgres.Open(ctx, dsn)
	case strings.HasPrefix(dsn, "mysql:"):
		b, err = mysql.Open(ctx, strings.TrimPrefix(dsn, "mysql:"))
	default:
		b, err = sqlite.Open(ctx, dsn)
	}
	if err != nil {
		return nil, err
	}
	return orm.Open(b, orm.Entities(&Author{}, &Book{}))
}
