package boltstore

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/engagehq/engage/services/internal/forum"
	"github.com/engagehq/engage/services/internal/forum/storetest"
)

func open(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "forum.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) forum.Store { return open(t) })
}

func TestOpen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "data", "forum.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.DB().SchemaVersion()
	if err != nil || v != len(migrations()) {
		t.Fatalf("schema version %d (%v), want %d", v, err, len(migrations()))
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Fatalf("file mode %o, want 600", mode)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopening an up-to-date file applies nothing and keeps the data.
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if v, _ := s.DB().SchemaVersion(); v != len(migrations()) {
		t.Fatalf("schema version after reopen %d", v)
	}
}
