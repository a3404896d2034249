package boltdb_test

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"

	"go.etcd.io/bbolt"
	"go.uber.org/goleak"

	"github.com/engagehq/engage/services/internal/boltdb"
)

func TestMain(m *testing.M) {
	// Every test closes its DBs; a committer goroutine left behind is a bug.
	goleak.VerifyTestMain(m)
}

var testBucket = []byte("things")

// openTest opens a fresh DB with one bucket and closes it when t ends.
func openTest(t testing.TB, opts boltdb.Options) *boltdb.DB {
	t.Helper()
	opts.Migrations = append([]boltdb.Migration{{
		Version: 1,
		Name:    "things",
		Up:      func(tx *bbolt.Tx) error { return boltdb.CreateBuckets(tx, testBucket) },
	}}, opts.Migrations...)
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "test.db"), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

// waitFor polls cond until it holds. It asserts nothing about time: a hang
// is caught by the test binary's timeout.
func waitFor(cond func() bool) {
	for !cond() {
		runtime.Gosched()
	}
}

// blockCommitter occupies the committer with an Update that waits until
// release is called, so that the test can queue a batch behind it.
func blockCommitter(t *testing.T, db *boltdb.DB) (release func()) {
	t.Helper()
	entered, gate, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- db.Update(context.Background(), func(*bbolt.Tx) error {
			close(entered)
			<-gate
			return nil
		})
	}()
	<-entered
	return func() {
		close(gate)
		if err := <-done; err != nil {
			t.Errorf("blocking Update: %v", err)
		}
	}
}

// put returns an Update function that stores key=value in testBucket.
func put(key, value string) func(*bbolt.Tx) error {
	return func(tx *bbolt.Tx) error {
		return tx.Bucket(testBucket).Put([]byte(key), []byte(value))
	}
}

// get reads key from testBucket; ok is false when it is absent.
func get(t *testing.T, db *boltdb.DB, key string) (value string, ok bool) {
	t.Helper()
	if err := db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(testBucket).Get([]byte(key))
		value, ok = string(v), v != nil
		return nil
	}); err != nil {
		t.Fatalf("View: %v", err)
	}
	return value, ok
}
