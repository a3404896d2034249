package boltdb_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.etcd.io/bbolt"

	"github.com/engagehq/engage/services/internal/boltdb"
)

// TestUpdateLinger checks that a committer holding a batch open for more
// writes commits at once when the batch is full or the DB closes. Linger
// is an hour, so waiting it out would hang the test rather than pass it.
func TestUpdateLinger(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		maxBatch int
		// writes are queued after a commit of two; close closes the DB
		// once they are all queued.
		writes int
		close  bool
	}{
		{name: "a full batch", maxBatch: 3, writes: 3},
		{name: "Close", writes: 1, close: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := openTest(t, boltdb.Options{MaxBatch: tc.maxBatch, Linger: time.Hour})
			// A commit of two writes: the committer lingers after it.
			release := blockCommitter(t, db)
			first := queueInOrder(t, db, put("a", "1"), put("b", "2"))
			release()
			first()

			txIDs := make([]int, tc.writes)
			errs := make([]error, tc.writes)
			var ran atomic.Int32
			var wg sync.WaitGroup
			for i := range tc.writes {
				wg.Go(func() {
					errs[i] = db.Update(context.Background(), func(tx *bbolt.Tx) error {
						txIDs[i] = tx.ID()
						ran.Add(1)
						return nil
					})
				})
				if i < tc.writes-1 || tc.close {
					// The lingering committer leaves them queued.
					waitFor(func() bool { return db.QueueLen() == i+1 })
				}
			}
			if tc.close {
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
			}
			wg.Wait()
			if diff := cmp.Diff(make([]error, tc.writes), errs, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
				t.Errorf("Update errors (-want +got):\n%s", diff)
			}
			if int(ran.Load()) != tc.writes {
				t.Errorf("%d writes ran, want %d", ran.Load(), tc.writes)
			}
			for i, id := range txIDs {
				if id != txIDs[0] {
					t.Errorf("write %d committed in transaction %d, write 0 in %d: want one batch", i, id, txIDs[0])
				}
			}
		})
	}
}
