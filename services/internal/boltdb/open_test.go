package boltdb_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/engagehq/engage/services/internal/boltdb"
)

func TestOpenCreatesPrivateDirectoryAndFile(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data", "forum")
	path := filepath.Join(dir, "forum.db")
	db, err := boltdb.Open(path, boltdb.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()

	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
	if db.Bolt() == nil || db.Bolt().Path() != path {
		t.Errorf("Bolt() does not point at %q", path)
	}
	for _, c := range []struct {
		path string
		want os.FileMode
	}{{dir, 0o700}, {path, 0o600}} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatalf("Stat: %v", err)
		}
		// The umask can only remove bits, so more than want is a bug.
		if got := fi.Mode().Perm(); got&^c.want != 0 {
			t.Errorf("mode of %s = %v, want at most %v", c.path, got, c.want)
		}
	}
}

func TestOpenFailsClearlyWhenFileIsInUse(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "locked.db")
	db, err := boltdb.Open(path, boltdb.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()

	// bbolt's flock is per open file, so a second Open in this process
	// conflicts exactly as another process would.
	second, err := boltdb.Open(path, boltdb.Options{Timeout: 20 * time.Millisecond})
	if err == nil {
		second.Close()
		t.Fatal("second Open succeeded, want ErrInUse")
	}
	if !errors.Is(err, boltdb.ErrInUse) {
		t.Errorf("second Open = %v, want ErrInUse", err)
	}
	for _, want := range []string{"in use by another process", path} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestOpenRejectsMalformedMigrations(t *testing.T) {
	t.Parallel()
	up := func(*bbolt.Tx) error { return nil }
	tests := []struct {
		name       string
		migrations []boltdb.Migration
	}{
		{"starts at zero", []boltdb.Migration{{Version: 0, Name: "a", Up: up}}},
		{"starts at two", []boltdb.Migration{{Version: 2, Name: "a", Up: up}}},
		{"gap", []boltdb.Migration{{Version: 1, Name: "a", Up: up}, {Version: 3, Name: "b", Up: up}}},
		{"duplicate", []boltdb.Migration{{Version: 1, Name: "a", Up: up}, {Version: 1, Name: "b", Up: up}}},
		{"descending", []boltdb.Migration{{Version: 2, Name: "a", Up: up}, {Version: 1, Name: "b", Up: up}}},
		{"no Up", []boltdb.Migration{{Version: 1, Name: "a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "never")
			db, err := boltdb.Open(filepath.Join(dir, "x.db"), boltdb.Options{Migrations: tt.migrations})
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded, want an error")
			}
			if _, statErr := os.Stat(dir); !errors.Is(statErr, os.ErrNotExist) {
				t.Errorf("Open created %s before rejecting the migrations", dir)
			}
		})
	}
}
