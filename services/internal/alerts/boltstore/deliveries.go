package boltstore

import (
	"context"
	"slices"

	"github.com/engagehq/engage/services/internal/boltdb"
	"go.etcd.io/bbolt"
)

// AddDeliveries implements alerts.Store. The counts live in the deliveries
// bucket, apart from the alert records, so that the stream's periodic
// flush rewrites one small value per alert rather than the alert itself
// (and its etag). Names are added in order, so that the flush's writes
// touch the bucket's pages in key order.
func (s *Store) AddDeliveries(ctx context.Context, counts map[string]int64) error {
	names := make([]string, 0, len(counts))
	for name, n := range counts {
		if n != 0 {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	slices.Sort(names)
	return s.db.Update(ctx, func(tx *bbolt.Tx) error {
		deliveries := tx.Bucket(bucketDeliveries)
		alertsB := tx.Bucket(bucketAlerts)
		for _, name := range names {
			agency, id, ok := alertIDs(name)
			if !ok || alertsB.Get(boltdb.Key(agency, id)) == nil {
				continue
			}
			total := max(deliveryCount(tx, name)+counts[name], 0)
			if err := deliveries.Put([]byte(name), boltdb.U64(uint64(total))); err != nil {
				return err
			}
		}
		return nil
	})
}
