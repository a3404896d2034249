package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/idempotent"
	"github.com/engagehq/engage/services/internal/identity"
	"go.etcd.io/bbolt"
)

// CreatePartner implements identity.Store.
func (s *Store) CreatePartner(ctx context.Context, p identity.Partner, bindings []identity.RoleBinding, retry idempotent.Request) (identity.Partner, error) {
	var out identity.Partner
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = identity.Partner{}
		if err := agencyExists(tx, p.Agency); err != nil {
			return err
		}
		if id, ok, err := retried(tx, retry, p.Agency); err != nil || ok {
			if err == nil {
				out, err = getPartner(tx, p.Agency, id)
			}
			return err
		}
		if p.ID == "" || p.KeyID == "" || len(p.KeyHash) == 0 {
			return fmt.Errorf("create partner: id, key id and key hash are required: %w", errs.InvalidArgument)
		}
		partners, err := tx.Bucket(bucketPartners).CreateBucketIfNotExists([]byte(p.Agency))
		if err != nil {
			return err
		}
		if partners.Get([]byte(p.ID)) != nil {
			return fmt.Errorf("partner %s: %w", p.Name(), errs.AlreadyExists)
		}
		keys := tx.Bucket(bucketAPIKeys)
		if keys.Get([]byte(p.KeyID)) != nil {
			return fmt.Errorf("api key id %s: %w", p.KeyID, errs.AlreadyExists)
		}
		if err := keys.Put([]byte(p.KeyID), boltdb.Join(p.Agency, p.ID)); err != nil {
			return err
		}
		if err := boltdb.PutJSON(partners, []byte(p.ID), toPartnerRecord(p)); err != nil {
			return err
		}
		for _, b := range bindings {
			if b.Agency != p.Agency || b.Member != p.Name() {
				return fmt.Errorf("create partner: binding %s is not the partner's in its agency: %w", b.ID, errs.InvalidArgument)
			}
			if err := insertBinding(tx, b); err != nil {
				return err
			}
		}
		if err := remember(tx, retry, p.Agency, p.ID); err != nil {
			return err
		}
		out = p
		return nil
	})
	if err != nil {
		return identity.Partner{}, err
	}
	return out, nil
}

func getPartner(tx *bbolt.Tx, agency, id string) (identity.Partner, error) {
	var r partnerRecord
	ok, err := boltdb.GetJSON(tx.Bucket(bucketPartners).Bucket([]byte(agency)), []byte(id), &r)
	if err != nil {
		return identity.Partner{}, err
	}
	if !ok {
		return identity.Partner{}, fmt.Errorf("partner %s in agency %s: %w", id, agency, errs.NotFound)
	}
	return r.domain(), nil
}

// Partner implements identity.Store.
func (s *Store) Partner(_ context.Context, agency, id string) (identity.Partner, error) {
	var p identity.Partner
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		p, err = getPartner(tx, agency, id)
		return err
	})
	return p, err
}

// PartnerByKeyID implements identity.Store.
func (s *Store) PartnerByKeyID(_ context.Context, keyID string) (identity.Partner, error) {
	var p identity.Partner
	err := s.db.View(func(tx *bbolt.Tx) error {
		ref := tx.Bucket(bucketAPIKeys).Get([]byte(keyID))
		agency, id, ok := bytes.Cut(ref, []byte{sep})
		if ref == nil || !ok {
			return fmt.Errorf("api key %s: %w", keyID, errs.NotFound)
		}
		var err error
		p, err = getPartner(tx, string(agency), string(id))
		return err
	})
	return p, err
}

// ListPartners implements identity.Store.
func (s *Store) ListPartners(_ context.Context, agency, after string, limit int) ([]identity.Partner, error) {
	var out []identity.Partner
	err := s.db.View(func(tx *bbolt.Tx) error {
		if err := agencyExists(tx, agency); err != nil {
			return err
		}
		var err error
		out, err = listJSON(tx.Bucket(bucketPartners).Bucket([]byte(agency)), after, limit, partnerRecord.domain)
		return err
	})
	return out, err
}

// RevokePartner implements identity.Store.
func (s *Store) RevokePartner(ctx context.Context, agency, id string, at time.Time) (identity.Partner, error) {
	var out identity.Partner
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = identity.Partner{}
		p, err := getPartner(tx, agency, id)
		if err != nil {
			return err
		}
		out = p
		if p.State == identity.PartnerRevoked {
			return nil
		}
		p.State, p.RevokeTime = identity.PartnerRevoked, at
		out = p
		return boltdb.PutJSON(tx.Bucket(bucketPartners).Bucket([]byte(agency)), []byte(id), toPartnerRecord(p))
	})
	if err != nil {
		return identity.Partner{}, err
	}
	return out, nil
}
