package boltstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/identity"
	"go.etcd.io/bbolt"
)

// InitSigningKeys implements identity.Store. Keys are numbered in the
// order they were added, so the newest is the last.
func (s *Store) InitSigningKeys(ctx context.Context, k identity.SigningKey) ([]identity.SigningKey, error) {
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketSigningKeys)
		if first, _ := b.Cursor().First(); first != nil {
			return nil
		}
		if k.ID == "" || len(k.Private) == 0 {
			return fmt.Errorf("init signing keys: the key is empty")
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		return boltdb.PutJSON(b, boltdb.U64(seq), toSigningKeyRecord(k))
	})
	if err != nil {
		return nil, err
	}
	var keys []identity.SigningKey
	err = s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketSigningKeys).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var r signingKeyRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode signing key %x: %w", k, err)
			}
			keys = append(keys, r.domain())
		}
		return nil
	})
	return keys, err
}
