package boltdb_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.etcd.io/bbolt"

	"github.com/engagehq/engage/services/internal/boltdb"
)

var errTest = errors.New("test failure")

func TestUpdateSingle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		fn        func(*bbolt.Tx) error
		wantErr   error
		wantSaved bool
	}{
		{
			name:      "nil result commits",
			fn:        put("k", "v"),
			wantSaved: true,
		},
		{
			name: "error rolls back",
			fn: func(tx *bbolt.Tx) error {
				if err := put("k", "v")(tx); err != nil {
					return err
				}
				return fmt.Errorf("wrapped: %w", errTest)
			},
			wantErr: errTest,
		},
		{
			name: "panic is returned as an error",
			fn: func(tx *bbolt.Tx) error {
				if err := put("k", "v")(tx); err != nil {
					return err
				}
				panic("boom")
			},
			wantErr: boltdb.ErrPanicked,
		},
		{
			name: "committing the managed transaction is refused",
			fn: func(tx *bbolt.Tx) error {
				if err := put("k", "v")(tx); err != nil {
					return err
				}
				return tx.Commit()
			},
			wantErr: boltdb.ErrPanicked,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := openTest(t, boltdb.Options{})
			err := db.Update(context.Background(), tt.fn)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Update() = %v, want %v", err, tt.wantErr)
			}
			if _, ok := get(t, db, "k"); ok != tt.wantSaved {
				t.Errorf("key saved = %v, want %v", ok, tt.wantSaved)
			}
			// The committer survives a failed function.
			if err := db.Update(context.Background(), put("after", "1")); err != nil {
				t.Errorf("Update after: %v", err)
			}
		})
	}
}

// queueInOrder starts one Update per fn, each queued only after the one
// before, and returns their results in the same order once all are done.
func queueInOrder(t *testing.T, db *boltdb.DB, fns ...func(*bbolt.Tx) error) (wait func() []error) {
	t.Helper()
	base := db.QueueLen()
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Go(func() { errs[i] = db.Update(context.Background(), fn) })
		waitFor(func() bool { return db.QueueLen() == base+i+1 })
	}
	return func() []error {
		wg.Wait()
		return errs
	}
}

func TestUpdateGroupsQueuedWritesInOneTransaction(t *testing.T) {
	t.Parallel()
	db := openTest(t, boltdb.Options{})
	release := blockCommitter(t, db)

	const n = 20
	txIDs := make([]int, n)
	fns := make([]func(*bbolt.Tx) error, n)
	for i := range fns {
		fns[i] = func(tx *bbolt.Tx) error {
			txIDs[i] = tx.ID()
			return put(fmt.Sprint(i), "v")(tx)
		}
	}
	wait := queueInOrder(t, db, fns...)
	release()
	for i, err := range wait() {
		if err != nil {
			t.Errorf("Update %d: %v", i, err)
		}
	}
	for i, id := range txIDs {
		if id != txIDs[0] {
			t.Errorf("write %d committed in tx %d, write 0 in tx %d; want one transaction", i, id, txIDs[0])
		}
	}
	if diff := cmp.Diff(boltdb.Stats{Commits: 2, Writes: n + 1}, db.Stats()); diff != "" {
		t.Errorf("Stats() mismatch (-want +got):\n%s", diff)
	}
}

func TestUpdateIsolatesFailuresWithinABatch(t *testing.T) {
	t.Parallel()
	db := openTest(t, boltdb.Options{})
	release := blockCommitter(t, db)

	// createOnce fails when key exists, as a Create handler would, so the
	// second create of "dup" must see the first one's write in the batch.
	createOnce := func(key string) func(*bbolt.Tx) error {
		return func(tx *bbolt.Tx) error {
			if tx.Bucket(testBucket).Get([]byte(key)) != nil {
				return errTest
			}
			return put(key, "v")(tx)
		}
	}
	failing := func(tx *bbolt.Tx) error {
		if err := put("failed", "v")(tx); err != nil {
			return err
		}
		return errTest
	}
	panicking := func(tx *bbolt.Tx) error {
		if err := put("panicked", "v")(tx); err != nil {
			return err
		}
		panic("boom")
	}
	wait := queueInOrder(t, db,
		put("a", "v"), failing, put("b", "v"), panicking, createOnce("dup"), createOnce("dup"), put("c", "v"))
	release()
	got := wait()

	wantErrs := []error{nil, errTest, nil, boltdb.ErrPanicked, nil, errTest, nil}
	for i, want := range wantErrs {
		if !errors.Is(got[i], want) || (want == nil) != (got[i] == nil) {
			t.Errorf("Update %d = %v, want %v", i, got[i], want)
		}
	}
	for key, want := range map[string]bool{"a": true, "b": true, "c": true, "dup": true, "failed": false, "panicked": false} {
		if _, ok := get(t, db, key); ok != want {
			t.Errorf("key %q saved = %v, want %v", key, ok, want)
		}
	}
	if diff := cmp.Diff(boltdb.Stats{Commits: 2, Writes: 1 + 4, Retries: 3}, db.Stats()); diff != "" {
		t.Errorf("Stats() mismatch (-want +got):\n%s", diff)
	}
}

func TestUpdateRespectsMaxBatch(t *testing.T) {
	t.Parallel()
	db := openTest(t, boltdb.Options{MaxBatch: 3})
	release := blockCommitter(t, db)

	const n = 7
	var mu sync.Mutex
	var order []int
	txOf := make([]int, n)
	fns := make([]func(*bbolt.Tx) error, n)
	for i := range fns {
		fns[i] = func(tx *bbolt.Tx) error {
			mu.Lock()
			defer mu.Unlock()
			order = append(order, i)
			txOf[i] = tx.ID()
			return nil
		}
	}
	wait := queueInOrder(t, db, fns...)
	release()
	wait()

	if diff := cmp.Diff([]int{0, 1, 2, 3, 4, 5, 6}, order); diff != "" {
		t.Errorf("run order mismatch (-want +got):\n%s", diff)
	}
	sizes := map[int]int{}
	for _, id := range txOf {
		sizes[id]++
	}
	var got []int
	for _, i := range []int{0, 3, 6} {
		got = append(got, sizes[txOf[i]])
	}
	if diff := cmp.Diff([]int{3, 3, 1}, got); diff != "" {
		t.Errorf("batch sizes mismatch (-want +got):\n%s", diff)
	}
}

func TestUpdateContext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// run calls Update with a context it may cancel and reports
		// whether fn ran.
		run       func(t *testing.T, db *boltdb.DB) (err error, ran bool)
		wantErr   error
		wantSaved bool
	}{
		{
			name: "cancelled before the call",
			run: func(t *testing.T, db *boltdb.DB) (error, bool) {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				var ran atomic.Bool
				err := db.Update(ctx, func(tx *bbolt.Tx) error { ran.Store(true); return put("k", "v")(tx) })
				return err, ran.Load()
			},
			wantErr: context.Canceled,
		},
		{
			name: "cancelled while queued",
			run: func(t *testing.T, db *boltdb.DB) (error, bool) {
				release := blockCommitter(t, db)
				ctx, cancel := context.WithCancel(context.Background())
				var ran atomic.Bool
				done := make(chan error, 1)
				go func() {
					done <- db.Update(ctx, func(tx *bbolt.Tx) error { ran.Store(true); return put("k", "v")(tx) })
				}()
				waitFor(func() bool { return db.QueueLen() == 1 })
				cancel()
				err := <-done
				release()
				// A later write proves the committer has passed the
				// abandoned request.
				if err := db.Update(context.Background(), put("later", "v")); err != nil {
					t.Errorf("later Update: %v", err)
				}
				return err, ran.Load()
			},
			wantErr: context.Canceled,
		},
		{
			name: "cancelled while running still reports the commit",
			run: func(t *testing.T, db *boltdb.DB) (error, bool) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				var ran atomic.Bool
				err := db.Update(ctx, func(tx *bbolt.Tx) error {
					ran.Store(true)
					cancel()
					return put("k", "v")(tx)
				})
				return err, ran.Load()
			},
			wantSaved: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := openTest(t, boltdb.Options{})
			err, ran := tt.run(t, db)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Update() = %v, want %v", err, tt.wantErr)
			}
			if ran != tt.wantSaved {
				t.Errorf("fn ran = %v, want %v", ran, tt.wantSaved)
			}
			if _, ok := get(t, db, "k"); ok != tt.wantSaved {
				t.Errorf("key saved = %v, want %v", ok, tt.wantSaved)
			}
		})
	}
}

func TestUpdateConcurrentWritersAllDurable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := dir + "/c.db"
	migrations := []boltdb.Migration{{Version: 1, Name: "things", Up: func(tx *bbolt.Tx) error {
		return boltdb.CreateBuckets(tx, testBucket)
	}}}
	db, err := boltdb.Open(path, boltdb.Options{Migrations: migrations})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	const writers, each = 16, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := db.Update(context.Background(), put(fmt.Sprintf("%d/%d", w, i), "v")); err != nil {
					t.Errorf("Update: %v", err)
				}
			}
		})
	}
	wg.Wait()
	if got := db.Stats().Writes; got != writers*each {
		t.Errorf("Stats().Writes = %d, want %d", got, writers*each)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	db, err = boltdb.Open(path, boltdb.Options{Migrations: migrations})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	var n int
	if err := db.View(func(tx *bbolt.Tx) error { n = tx.Bucket(testBucket).Stats().KeyN; return nil }); err != nil {
		t.Fatalf("View: %v", err)
	}
	if n != writers*each {
		t.Errorf("keys after reopen = %d, want %d", n, writers*each)
	}
}

func TestCloseDrainsQueuedWrites(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/d.db"
	migrations := []boltdb.Migration{{Version: 1, Name: "things", Up: func(tx *bbolt.Tx) error {
		return boltdb.CreateBuckets(tx, testBucket)
	}}}
	db, err := boltdb.Open(path, boltdb.Options{Migrations: migrations})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	release := blockCommitter(t, db)
	const n = 10
	fns := make([]func(*bbolt.Tx) error, n)
	for i := range fns {
		fns[i] = put(fmt.Sprint(i), "v")
	}
	wait := queueInOrder(t, db, fns...)

	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	waitFor(db.Closing)

	if err := db.Update(context.Background(), put("late", "v")); !errors.Is(err, boltdb.ErrClosed) {
		t.Errorf("Update after Close = %v, want ErrClosed", err)
	}
	release()
	for i, err := range wait() {
		if err != nil {
			t.Errorf("queued Update %d = %v, want nil", i, err)
		}
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if err := db.View(func(*bbolt.Tx) error { return nil }); !errors.Is(err, boltdb.ErrClosed) {
		t.Errorf("View after Close = %v, want ErrClosed", err)
	}

	db, err = boltdb.Open(path, boltdb.Options{Migrations: migrations})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	for i := range n {
		if _, ok := get(t, db, fmt.Sprint(i)); !ok {
			t.Errorf("queued write %d lost across Close", i)
		}
	}
	if _, ok := get(t, db, "late"); ok {
		t.Error("write refused after Close was saved")
	}
}
