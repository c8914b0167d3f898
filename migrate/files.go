package migrate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// WriteOption changes what Plan.Write accepts.
type WriteOption func(*writeOptions)

type writeOptions struct{ destructive bool }

// AllowDestructive lets Plan.Write write changes that drop data (a column,
// or a type change that may not keep every value).
func AllowDestructive() WriteOption { return func(o *writeOptions) { o.destructive = true } }

// nextVersion is the current UTC time as 20261202153000, or one more than
// the latest version in dir when that is as late: versions stay in the
// order the files are written.
func nextVersion(dir string) (string, error) {
	v, _ := strconv.ParseInt(time.Now().UTC().Format("20060102150405"), 10, 64)
	list, err := files(os.DirFS(dir))
	if err != nil {
		return "", err
	}
	if n := len(list); n > 0 && list[n-1].version >= v {
		v = list[n-1].version + 1
	}
	return strconv.FormatInt(v, 10), nil
}

// Write writes the plan as the files <version>_<name>.up.sql and
// <version>_<name>.down.sql in dir (golang-migrate's layout), version the
// current UTC time as 20261202153000 (or one more than the latest version
// in dir, when that is as late), and returns the version. A plan with
// a change that cannot be undone gets no down file. It refuses an empty
// plan, and a destructive one unless given AllowDestructive.
func (p *Plan) Write(dir, name string, opts ...WriteOption) (string, error) {
	var o writeOptions
	for _, opt := range opts {
		opt(&o)
	}
	if !validName.MatchString(name) {
		return "", fmt.Errorf("orm/migrate: migration name %q: use letters, digits and underscores", name)
	}
	if p.Empty() {
		return "", fmt.Errorf("orm/migrate: nothing to write: the database matches the entities")
	}
	var up, down strings.Builder
	reversible := true
	for i, c := range p.Changes {
		if c.Destructive && !o.destructive {
			return "", fmt.Errorf("orm/migrate: %s drops data: pass migrate.AllowDestructive() to write it", c.Comment)
		}
		fmt.Fprintf(&up, "-- %s\n%s", c.Comment, c.Up)
		if c.Down == "" {
			reversible = false
		}
		rc := p.Changes[len(p.Changes)-1-i]
		fmt.Fprintf(&down, "-- undo: %s\n%s", rc.Comment, rc.Down)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("orm/migrate: %w", err)
	}
	version, err := nextVersion(dir)
	if err != nil {
		return "", err
	}
	base := filepath.Join(dir, version+"_"+name)
	if err := os.WriteFile(base+".up.sql", []byte(up.String()), 0o644); err != nil {
		return "", fmt.Errorf("orm/migrate: %w", err)
	}
	if reversible {
		if err := os.WriteFile(base+".down.sql", []byte(down.String()), 0o644); err != nil {
			return "", fmt.Errorf("orm/migrate: %w", err)
		}
	}
	return version, nil
}

var (
	validName = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	fileName  = regexp.MustCompile(`^([0-9]+)_([A-Za-z0-9_]*)\.(up|down)\.sql$`)
)

// file is one migration: its up file and, if there is one, its down file.
type file struct {
	version  int64
	name     string
	up, down string // paths in the fs.FS
	checksum string // of the up file
}

// files reads the migrations in the root of fsys, in version order.
func files(fsys fs.FS) ([]*file, error) {
	if fsys == nil {
		return nil, fmt.Errorf("orm/migrate: no migrations: the fs.FS is nil")
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("orm/migrate: reading the migrations: %w", err)
	}
	byVersion := map[int64]*file{}
	for _, e := range entries {
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue
		}
		v, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("orm/migrate: %s: version %s is too long", e.Name(), m[1])
		}
		f := byVersion[v]
		if f == nil {
			f = &file{version: v, name: m[2]}
			byVersion[v] = f
		} else if f.name != m[2] {
			return nil, fmt.Errorf("orm/migrate: version %d names two migrations, %q and %q", v, f.name, m[2])
		}
		if m[3] == "up" {
			f.up = e.Name()
		} else {
			f.down = e.Name()
		}
	}
	var out []*file
	for _, f := range byVersion {
		if f.up == "" {
			return nil, fmt.Errorf("orm/migrate: migration %d_%s has a down file and no up file", f.version, f.name)
		}
		b, err := fs.ReadFile(fsys, f.up)
		if err != nil {
			return nil, fmt.Errorf("orm/migrate: %w", err)
		}
		sum := sha256.Sum256(b)
		f.checksum = hex.EncodeToString(sum[:])
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b *file) int { return int(min(max(a.version-b.version, -1), 1)) })
	return out, nil
}

func (f *file) String() string { return fmt.Sprintf("%d_%s", f.version, f.name) }
