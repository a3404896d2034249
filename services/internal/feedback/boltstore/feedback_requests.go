package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/feedback"
	"go.etcd.io/bbolt"
)

// loadFBRequest returns the record of a request key and whether it
// exists.
func loadFBRequest(tx *bbolt.Tx, key []byte) (feedback.FeedbackRequest, bool, error) {
	raw := tx.Bucket(bucketFeedbackRequests).Get(key)
	if raw == nil {
		return feedback.FeedbackRequest{}, false, nil
	}
	r, err := decodeRequest(key, raw)
	return r, err == nil, err
}

// putRequest records a request and indexes it by time for the purge.
func putRequest(tx *bbolt.Tx, r feedback.FeedbackRequest) error {
	if err := tx.Bucket(bucketFeedbackRequests).Put(r.Key, encodeRequest(r)); err != nil {
		return err
	}
	return tx.Bucket(bucketFeedbackRequestTime).Put(append(fbTime(nil, r.Time), r.Key...), nil)
}

// FeedbackRequested implements feedback.FeedbackStore.
func (s *Store) FeedbackRequested(_ context.Context, key []byte) (feedback.FeedbackRequest, error) {
	var r feedback.FeedbackRequest
	err := s.db.View(func(tx *bbolt.Tx) error {
		var ok bool
		var err error
		r, ok, err = loadFBRequest(tx, key)
		if err == nil && !ok {
			err = fmt.Errorf("request: %w", errs.NotFound)
		}
		return err
	})
	return r, err
}

// fbPurgeBatch bounds the keys one purge transaction deletes.
const fbPurgeBatch = 5000

// PurgeFeedbackRequests implements feedback.FeedbackStore, in
// transactions of at most fbPurgeBatch requests.
func (s *Store) PurgeFeedbackRequests(ctx context.Context, before time.Time) (int, error) {
	limit := fbTime(nil, before)
	total := 0
	for {
		n := 0
		err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
			n = 0
			byTime, records := tx.Bucket(bucketFeedbackRequestTime), tx.Bucket(bucketFeedbackRequests)
			c := byTime.Cursor()
			for k, _ := c.First(); k != nil && n < fbPurgeBatch && bytes.Compare(k[:8], limit) < 0; k, _ = c.First() {
				if err := records.Delete(k[8:]); err != nil {
					return err
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
		if n < fbPurgeBatch {
			return total, nil
		}
	}
}
