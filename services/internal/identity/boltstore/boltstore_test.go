package boltstore

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/engagehq/engage/services/internal/identity"
	"github.com/engagehq/engage/services/internal/identity/storetest"
)

func open(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "identity.db"), Options{})
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
	storetest.Run(t, func(t *testing.T) identity.Store { return open(t) })
}

func TestOpen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "data", "identity.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.DB().SchemaVersion()
	if err != nil || v != len(migrations()) {
		t.Fatalf("schema version %d (%v), want %d", v, err, len(migrations()))
	}
	// The file holds secrets: only its owner may read it.
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
