package boltstore

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/identity"
	"github.com/engagehq/engage/services/internal/identity/storetest"
	"go.etcd.io/bbolt"
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

// TestMigrateRequestIDs opens a file written at schema version 1, which
// kept request ids as sent and for good, and checks that version 2 drops
// them for the hashed, expiring log.
func TestMigrateRequestIDs(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "identity.db")
	db, err := boltdb.Open(path, boltdb.Options{Migrations: migrations()[:1]})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Bolt().Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketRequests).Bucket(requestsAccounts).Put([]byte("0b6e1b8a-3c9e-4a57-9d38-1b2d9b0f6a11"), []byte("a1"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.DB().View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketRequests) != nil {
			t.Error("the request ids kept as sent are still there")
		}
		if tx.Bucket(bucketRequestLog) == nil || tx.Bucket(bucketRequestLogByTime) == nil {
			t.Error("no request log")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
