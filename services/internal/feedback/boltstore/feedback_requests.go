package boltstore

import (
	"context"
	"encoding/binary"
	"time"

	"github.com/engagehq/engage/services/internal/feedback"
	"go.etcd.io/bbolt"
)

// Request records are keyed by the hour of the request, then the request
// key: recording one writes among the current hour's keys rather than at
// a random place in the whole bucket, and the purge drops whole hours from
// the front of the bucket. A lookup reads the key under each hour that may
// hold it: the hours present from feedback.FeedbackRequestLifetime before
// the request on, at most 25 of them.

// requestRecordKey is the key of a request record.
func requestRecordKey(hour time.Time, key []byte) []byte {
	return append(fbTime(make([]byte, 0, 8+len(key)), hour), key...)
}

// loadFBRequest returns the record of req.Key made within
// feedback.FeedbackRequestLifetime before req.Time (or after it), and
// whether there is one; one made by another request than req is
// feedback.ErrRetryReused.
func loadFBRequest(tx *bbolt.Tx, req feedback.FeedbackRequest) (feedback.FeedbackRequest, bool, error) {
	b := tx.Bucket(bucketFeedbackRequests)
	c := b.Cursor()
	var from time.Time
	if !req.Time.IsZero() {
		from = req.Time.Add(-feedback.FeedbackRequestLifetime).Truncate(time.Hour)
	}
	probe := requestRecordKey(from, req.Key)
	for k, _ := c.Seek(probe[:8]); len(k) >= 8; k, _ = c.Seek(probe[:8]) {
		copy(probe, k[:8])
		if raw := b.Get(probe); raw != nil {
			r, err := decodeRequest(req.Key, raw)
			if err == nil && !feedback.SameRequest(r.Fingerprint, req.Fingerprint) {
				err = feedback.ErrRetryReused
			}
			return r, err == nil, err
		}
		// On to the next hour present.
		hour := binary.BigEndian.Uint64(probe)
		if hour+uint64(time.Hour) < hour {
			break
		}
		binary.BigEndian.PutUint64(probe, hour+uint64(time.Hour))
	}
	return feedback.FeedbackRequest{}, false, nil
}

// putRequest records a request under its hour.
func putRequest(tx *bbolt.Tx, r feedback.FeedbackRequest) error {
	return tx.Bucket(bucketFeedbackRequests).Put(requestRecordKey(r.Time.Truncate(time.Hour), r.Key), encodeRequest(r))
}

// PurgeFeedbackRequests implements feedback.FeedbackStore, from the
// oldest hour on.
func (s *Store) PurgeFeedbackRequests(ctx context.Context, before time.Time) (int, error) {
	return s.db.PurgeBelow(ctx, bucketFeedbackRequests, fbTime(nil, before), nil)
}
