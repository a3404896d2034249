package boltdb_test

import (
	"context"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/engagehq/engage/services/internal/boltdb"
)

// TestPurgeBelow purges more keys than one transaction takes, stops at the
// limit, and deletes what each key indexes through also.
func TestPurgeBelow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t, boltdb.Options{Migrations: []boltdb.Migration{{
		Version: 2, Name: "targets",
		Up: func(tx *bbolt.Tx) error { return boltdb.CreateBuckets(tx, []byte("targets")) },
	}}})
	const keys, below = 2500, 2300
	if err := db.Update(ctx, func(tx *bbolt.Tx) error {
		for i := range keys {
			k := boltdb.U64(uint64(i))
			if err := tx.Bucket(testBucket).Put(k, nil); err != nil {
				return err
			}
			if err := tx.Bucket([]byte("targets")).Put(k, []byte("x")); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	n, err := db.PurgeBelow(ctx, testBucket, boltdb.U64(below), func(tx *bbolt.Tx, k []byte) error {
		return tx.Bucket([]byte("targets")).Delete(k)
	})
	if err != nil || n != below {
		t.Fatalf("PurgeBelow = %d, %v; want %d", n, err, below)
	}
	if err := db.View(func(tx *bbolt.Tx) error {
		for _, name := range []string{string(testBucket), "targets"} {
			left, first := tx.Bucket([]byte(name)).Stats().KeyN, uint64(0)
			if k, _ := tx.Bucket([]byte(name)).Cursor().First(); k != nil {
				first = boltdb.ParseU64(k)
			}
			if left != keys-below || first != below {
				t.Errorf("%s: %d keys from %d left, want %d from %d", name, left, first, keys-below, below)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := db.PurgeBelow(ctx, testBucket, boltdb.U64(below), nil); err != nil || n != 0 {
		t.Errorf("second PurgeBelow = %d, %v; want 0", n, err)
	}
}
