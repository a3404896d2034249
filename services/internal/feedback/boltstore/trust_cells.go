package boltstore

import (
	"context"

	"github.com/engagehq/engage/services/internal/feedback"
	"go.etcd.io/bbolt"
)

// TrustCells implements feedback.SurveyStore: one read per key, whatever
// the number of answers in the cells.
func (s *Store) TrustCells(_ context.Context, keys []feedback.TrustCellKey) ([]feedback.TrustCell, error) {
	out := make([]feedback.TrustCell, len(keys))
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketTrustCells)
		for i, k := range keys {
			out[i] = feedback.TrustCell{TrustCellKey: k}
			if err := decodeCell(b.Get(trustKey(k)), &out[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// MarkTrustDrop implements feedback.SurveyStore.
func (s *Store) MarkTrustDrop(ctx context.Context, k feedback.TrustCellKey) (bool, error) {
	var added bool
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketTrustDrops)
		key := trustKey(k)
		added = b.Get(key) == nil
		if !added {
			return nil
		}
		return b.Put(key, nil)
	})
	return added, err
}
