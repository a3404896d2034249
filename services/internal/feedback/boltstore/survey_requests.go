package boltstore

import (
	"context"
	"time"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/feedback"
	"go.etcd.io/bbolt"
)

// retried returns the record of a retry within feedback.RetryLifetime, or
// nil when r is new, makes no request id, or was recorded too long ago; a
// retry with another request than the recorded one is
// feedback.ErrRetryReused.
func retried(tx *bbolt.Tx, r feedback.Retry) (*requestRecord, error) {
	if r.ID == "" {
		return nil, nil
	}
	var rec requestRecord
	ok, err := boltdb.GetJSON(tx.Bucket(bucketSurveyRequests), retryKey(r), &rec)
	if err != nil || !ok {
		return nil, err
	}
	if !r.Time.IsZero() && r.Time.Sub(rec.Time) > feedback.RetryLifetime {
		return nil, nil
	}
	if !feedback.SameRequest(rec.Fingerprint, r.Fingerprint) {
		return nil, feedback.ErrRetryReused
	}
	return &rec, nil
}

// rememberRetry records that r created name, replacing an expired record.
func rememberRetry(tx *bbolt.Tx, r feedback.Retry, name string) error {
	if r.ID == "" {
		return nil
	}
	k := retryKey(r)
	reqs, byTime := tx.Bucket(bucketSurveyRequests), tx.Bucket(bucketSurveyRequestsAge)
	var old requestRecord
	ok, err := boltdb.GetJSON(reqs, k, &old)
	if err != nil {
		return err
	}
	if ok {
		if err := byTime.Delete(append(svU64(nil, svNanos(old.Time)), k...)); err != nil {
			return err
		}
	}
	if err := boltdb.PutJSON(reqs, k, requestRecord{Name: name, Sealed: r.Sealed, Fingerprint: r.Fingerprint, Time: r.Time}); err != nil {
		return err
	}
	return byTime.Put(append(svU64(nil, svNanos(r.Time)), k...), nil)
}

// PurgeSurveyRequests implements feedback.SurveyStore.
func (s *Store) PurgeSurveyRequests(ctx context.Context, before time.Time) (int, error) {
	return s.db.PurgeBelow(ctx, bucketSurveyRequestsAge, svU64(nil, svNanos(before)), func(tx *bbolt.Tx, k []byte) error {
		return tx.Bucket(bucketSurveyRequests).Delete(k[8:])
	})
}
