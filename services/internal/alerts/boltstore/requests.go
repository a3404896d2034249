package boltstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"

	"github.com/engagehq/engage/services/internal/alerts"
	"go.etcd.io/bbolt"
)

// requestRecord is what the store remembers of a request id: the request's
// fingerprint, when it was made and what it created.
type requestRecord struct {
	Fingerprint []byte    `json:"f"`
	Time        time.Time `json:"t"`
	Result      []byte    `json:"r"`
}

// requestKey is the hash of a retry's caller and id.
func requestKey(r alerts.Retry) []byte {
	h := sha256.Sum256([]byte(r.Caller + "\x00" + r.ID))
	return h[:]
}

// retried returns what the first call with r's request id stored as its
// result, and true, when r is a retry within alerts.RetryLifetime.
// A retry whose fingerprint differs is alerts.ErrRetryReused.
func retried(tx *bbolt.Tx, r alerts.Retry) ([]byte, bool, error) {
	if r.ID == "" {
		return nil, false, nil
	}
	v := tx.Bucket(bucketRequests).Get(requestKey(r))
	if v == nil {
		return nil, false, nil
	}
	var rec requestRecord
	if err := json.Unmarshal(v, &rec); err != nil {
		return nil, false, fmt.Errorf("decode request record: %w", err)
	}
	if r.Time.Sub(rec.Time) > alerts.RetryLifetime {
		return nil, false, nil
	}
	if !bytes.Equal(rec.Fingerprint, r.Fingerprint) {
		return nil, false, fmt.Errorf("request %s: %w", r.ID, alerts.ErrRetryReused)
	}
	return rec.Result, true, nil
}

// remember records that r's call stored result (for instance the names it
// created), replacing an expired record of the same id.
func remember(tx *bbolt.Tx, r alerts.Retry, result []byte) error {
	if r.ID == "" {
		return nil
	}
	k := requestKey(r)
	reqs, byTime := tx.Bucket(bucketRequests), tx.Bucket(bucketRequestsByTime)
	if old := reqs.Get(k); old != nil {
		var rec requestRecord
		if err := json.Unmarshal(old, &rec); err == nil {
			if err := byTime.Delete(key(u64(rec.Time.UnixNano()), k)); err != nil {
				return err
			}
		}
	}
	v, err := json.Marshal(requestRecord{Fingerprint: r.Fingerprint, Time: r.Time, Result: result})
	if err != nil {
		return err
	}
	if err := reqs.Put(k, v); err != nil {
		return err
	}
	return byTime.Put(key(u64(r.Time.UnixNano()), k), nil)
}

// purgeBatch bounds the request ids one transaction forgets.
const purgeBatch = 1000

// PurgeRequests implements alerts.Store.
func (s *Store) PurgeRequests(ctx context.Context, before time.Time) (int, error) {
	total := 0
	limit := u64(before.UnixNano())
	for {
		n := 0
		err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
			n = 0
			reqs, byTime := tx.Bucket(bucketRequests), tx.Bucket(bucketRequestsByTime)
			c := byTime.Cursor()
			for k, _ := c.First(); k != nil && n < purgeBatch && bytes.Compare(k[:8], limit) < 0; k, _ = c.First() {
				if err := reqs.Delete(k[9:]); err != nil {
					return err
				}
				if err := byTime.Delete(k); err != nil {
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
