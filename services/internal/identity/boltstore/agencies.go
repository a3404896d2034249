package boltstore

import (
	"context"
	"fmt"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/idempotent"
	"github.com/engagehq/engage/services/internal/identity"
	"go.etcd.io/bbolt"
)

// CreateAgency implements identity.Store.
func (s *Store) CreateAgency(ctx context.Context, a identity.Agency, retry idempotent.Request) (identity.Agency, error) {
	var out identity.Agency
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = identity.Agency{}
		if id, ok, err := retried(tx, retry, ""); err != nil || ok {
			if err == nil {
				out, err = getAgency(tx, id)
			}
			return err
		}
		if a.ID == "" {
			return fmt.Errorf("create agency: id is required: %w", errs.InvalidArgument)
		}
		agencies := tx.Bucket(bucketAgencies)
		if agencies.Get([]byte(a.ID)) != nil {
			return fmt.Errorf("agency %s: %w", a.ID, errs.AlreadyExists)
		}
		a.Revision = 1
		if err := boltdb.PutJSON(agencies, []byte(a.ID), toAgencyRecord(a)); err != nil {
			return err
		}
		if err := remember(tx, retry, "", a.ID); err != nil {
			return err
		}
		out = a
		return nil
	})
	if err != nil {
		return identity.Agency{}, err
	}
	return out, nil
}

func getAgency(tx *bbolt.Tx, id string) (identity.Agency, error) {
	var r agencyRecord
	ok, err := boltdb.GetJSON(tx.Bucket(bucketAgencies), []byte(id), &r)
	if err != nil {
		return identity.Agency{}, err
	}
	if !ok {
		return identity.Agency{}, fmt.Errorf("agency %s: %w", id, errs.NotFound)
	}
	return r.domain(), nil
}

// agencyExists returns errs.NotFound unless the agency exists.
func agencyExists(tx *bbolt.Tx, id string) error {
	if id == "" || tx.Bucket(bucketAgencies).Get([]byte(id)) == nil {
		return fmt.Errorf("agency %s: %w", id, errs.NotFound)
	}
	return nil
}

// Agency implements identity.Store.
func (s *Store) Agency(_ context.Context, id string) (identity.Agency, error) {
	var a identity.Agency
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		a, err = getAgency(tx, id)
		return err
	})
	return a, err
}

// ListAgencies implements identity.Store.
func (s *Store) ListAgencies(_ context.Context, after string, limit int) ([]identity.Agency, error) {
	var out []identity.Agency
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		out, err = listJSON(tx.Bucket(bucketAgencies), after, limit, agencyRecord.domain)
		return err
	})
	return out, err
}

// UpdateAgency implements identity.Store.
func (s *Store) UpdateAgency(ctx context.Context, id string, mutate func(*identity.Agency) error) (identity.Agency, error) {
	var out identity.Agency
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = identity.Agency{}
		a, err := getAgency(tx, id)
		if err != nil {
			return err
		}
		before := a
		if err := mutate(&a); err != nil {
			return err
		}
		if a.ID != before.ID || !a.CreateTime.Equal(before.CreateTime) || a.Revision != before.Revision {
			return fmt.Errorf("update agency %s: %w", id, errImmutable)
		}
		a.Revision++
		out = a
		return boltdb.PutJSON(tx.Bucket(bucketAgencies), []byte(id), toAgencyRecord(a))
	})
	if err != nil {
		return identity.Agency{}, err
	}
	return out, nil
}
