package boltstore

import (
	"context"
	"errors"
	"fmt"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/etag"
	"github.com/engagehq/engage/services/internal/training"
	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
)

// External training is stored in externals and indexed by creation time
// for the agency (externalsByTime) and for its officer (officerExternals).
// Approving it records a completion and may issue a certification, in the
// same transaction (certifications.go).

// CreateExternalTraining implements training.Store.
func (s *Store) CreateExternalTraining(ctx context.Context, x *trainingv1.ExternalTraining, retry training.Retry) (*trainingv1.ExternalTraining, error) {
	var out *trainingv1.ExternalTraining
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		if prev, ok, err := requests.Retried(tx, retry); err != nil {
			return err
		} else if ok {
			out, err = externalIn(tx, string(prev))
			return err
		}
		ids := nameIDs(x.GetName())
		if len(ids) != 3 {
			return fmt.Errorf("external training name %q: malformed", x.GetName())
		}
		agency, officer, id := ids[0], ids[1], ids[2]
		o := &trainingv1.Officer{}
		if ok, err := boltdb.GetProto(tx.Bucket(bucketOfficers), boltdb.Key(agency, officer), o); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("officer %q: %w", officerName(x.GetName()), errs.NotFound)
		}
		b := tx.Bucket(bucketExternals)
		k := boltdb.Key(agency, officer, id)
		if b.Get(k) != nil {
			return fmt.Errorf("external training %q: %w", x.GetName(), errs.AlreadyExists)
		}
		stored := proto.Clone(x).(*trainingv1.ExternalTraining)
		stored.Etag = etag.Next("")
		if err := boltdb.PutProto(b, k, stored); err != nil {
			return err
		}
		created := u64(x.GetCreateTime().AsTime().UnixNano())
		if err := tx.Bucket(bucketExternalsByTime).Put(boltdb.Key(agency, created, officer, id), nil); err != nil {
			return err
		}
		if err := tx.Bucket(bucketOfficerExternals).Put(boltdb.Key(agency, officer, created, id), nil); err != nil {
			return err
		}
		out = stored
		return requests.Remember(tx, retry, []byte(stored.GetName()))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ExternalTraining implements training.Store.
func (s *Store) ExternalTraining(ctx context.Context, name string) (*trainingv1.ExternalTraining, error) {
	var out *trainingv1.ExternalTraining
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		out, err = externalIn(tx, name)
		return err
	})
	return out, err
}

// ListExternalTrainings implements training.Store.
func (s *Store) ListExternalTrainings(ctx context.Context, parent string, page training.Page, keep func(*trainingv1.ExternalTraining) bool) ([]*trainingv1.ExternalTraining, []byte, error) {
	var out []*trainingv1.ExternalTraining
	next, err := s.listByTime(parent, page, bucketExternalsByTime, bucketOfficerExternals, bucketExternals, func(v []byte) (bool, error) {
		x := &trainingv1.ExternalTraining{}
		if err := proto.Unmarshal(v, x); err != nil {
			return false, fmt.Errorf("decode external training: %w", err)
		}
		if keep != nil && !keep(x) {
			return false, nil
		}
		out = append(out, x)
		return true, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, next, nil
}

// ReviewExternalTraining implements training.Store.
func (s *Store) ReviewExternalTraining(ctx context.Context, name string, review func(x *trainingv1.ExternalTraining, c *trainingv1.Course) (*training.Completion, *trainingv1.Certification, error)) (*trainingv1.ExternalTraining, error) {
	var out *trainingv1.ExternalTraining
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		old, err := externalIn(tx, name)
		if err != nil {
			return err
		}
		var course *trainingv1.Course
		if old.GetCourse() != "" {
			course, err = lookupCourse(tx, old.GetCourse())
			if err != nil && !errors.Is(err, errs.NotFound) {
				return err
			}
		}
		x := proto.Clone(old).(*trainingv1.ExternalTraining)
		completion, cert, err := review(x, course)
		if err != nil {
			return err
		}
		x.Name, x.Etag = old.GetName(), etag.Next(old.GetEtag())
		if err := boltdb.PutProto(tx.Bucket(bucketExternals), externalKey(name), x); err != nil {
			return err
		}
		if completion != nil {
			if err := putCompletion(tx, *completion); err != nil {
				return err
			}
		}
		if cert != nil {
			if err := createCertification(tx, cert); err != nil {
				return err
			}
		}
		out = x
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// externalIn reads external training, or errs.NotFound.
func externalIn(tx *bbolt.Tx, name string) (*trainingv1.ExternalTraining, error) {
	x := &trainingv1.ExternalTraining{}
	ok, err := boltdb.GetProto(tx.Bucket(bucketExternals), externalKey(name), x)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("external training %q: %w", name, errs.NotFound)
	}
	return x, nil
}

// externalKey is the externals key of a name, or nil when the name is
// malformed.
func externalKey(name string) []byte {
	ids := nameIDs(name)
	if len(ids) != 3 {
		return nil
	}
	return boltdb.Key(ids[0], ids[1], ids[2])
}
