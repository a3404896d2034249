package boltdb

import (
	"bytes"
	"context"

	"go.etcd.io/bbolt"
)

// purgeBatch bounds the keys one PurgeBelow transaction deletes, so that a
// large purge neither holds the committer long nor builds one huge commit.
const purgeBatch = 1000

// PurgeBelow deletes the keys of the named top-level bucket that sort below
// limit, from the first on, in transactions of at most purgeBatch keys, and
// returns how many it deleted. With keys that start with a time (U64 of
// Unix nanoseconds, say) and limit that time, it forgets everything older.
// also, when set, runs for each key just before it is deleted, in the same
// transaction, to delete what the key indexes in other buckets; it must not
// keep k, which is valid only until the key is deleted.
func (db *DB) PurgeBelow(ctx context.Context, bucket, limit []byte, also func(tx *bbolt.Tx, k []byte) error) (int, error) {
	total := 0
	for {
		n := 0
		err := db.Update(ctx, func(tx *bbolt.Tx) error {
			n = 0
			c := tx.Bucket(bucket).Cursor()
			for k, _ := c.First(); k != nil && n < purgeBatch && bytes.Compare(k, limit) < 0; k, _ = c.First() {
				if also != nil {
					if err := also(tx, k); err != nil {
						return err
					}
				}
				if err := c.Delete(); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < purgeBatch {
			return total, nil
		}
	}
}
