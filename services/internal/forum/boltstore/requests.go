package boltstore

import (
	"context"
	"fmt"

	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/forum"
	"go.etcd.io/bbolt"
)

// requestKey is the key of a request id: ids are per caller, so that one
// caller cannot learn or collide with another's.
func requestKey(req forum.Request) []byte { return join(req.Caller, req.ID) }

// requested returns the name of what req created, or "" when req is new
// (or makes no request id).
func requested(tx *bbolt.Tx, req forum.Request) (string, error) {
	if req.ID == "" {
		return "", nil
	}
	var r requestRecord
	ok, err := getRecord(tx.Bucket(bucketRequests), requestKey(req), &r)
	if err != nil || !ok {
		return "", err
	}
	return r.Name, nil
}

// remember records that req created name.
func remember(tx *bbolt.Tx, req forum.Request, name string) error {
	if req.ID == "" {
		return nil
	}
	k := requestKey(req)
	if err := putRecord(tx.Bucket(bucketRequests), k, requestRecord{Name: name, Time: req.Time}); err != nil {
		return err
	}
	return tx.Bucket(bucketRequestsByTime).Put(append(u64(nil, nanos(req.Time)), k...), nil)
}

// RequestedName implements forum.Store.
func (s *Store) RequestedName(_ context.Context, caller, requestID string) (string, error) {
	var name string
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		name, err = requested(tx, forum.Request{Caller: caller, ID: requestID})
		return err
	})
	if err != nil {
		return "", err
	}
	if name == "" {
		return "", fmt.Errorf("request %s: %w", requestID, errs.NotFound)
	}
	return name, nil
}
