package boltstore

import (
	"context"
	"fmt"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/etag"
	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
)

// An agency's settings are one record in settings, keyed by the agency id;
// an agency that never changed them has none, and the handlers apply the
// defaults.

// Settings implements training.Store.
func (s *Store) Settings(ctx context.Context, agency string) (*trainingv1.TrainingSettings, error) {
	var out *trainingv1.TrainingSettings
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		st := &trainingv1.TrainingSettings{}
		ok, err := boltdb.GetProto(tx.Bucket(bucketSettings), []byte(lastID(agency)), st)
		if ok {
			out = st
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("settings of %s: %w", agency, err)
	}
	return out, nil
}

// UpdateSettings implements training.Store.
func (s *Store) UpdateSettings(ctx context.Context, agency string, base *trainingv1.TrainingSettings, mutate func(*trainingv1.TrainingSettings) error) (*trainingv1.TrainingSettings, error) {
	var out *trainingv1.TrainingSettings
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		b, k := tx.Bucket(bucketSettings), []byte(lastID(agency))
		st := &trainingv1.TrainingSettings{}
		ok, err := boltdb.GetProto(b, k, st)
		if err != nil {
			return err
		}
		if !ok {
			st = proto.Clone(base).(*trainingv1.TrainingSettings)
		}
		old := st.GetEtag()
		if err := mutate(st); err != nil {
			return err
		}
		st.Etag = etag.Next(old)
		if err := boltdb.PutProto(b, k, st); err != nil {
			return err
		}
		out = st
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
