package boltstore

import (
	"bytes"
	"context"
	"fmt"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/etag"
	"github.com/engagehq/engage/services/internal/training"
	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
)

// A certification is stored in certifications and indexed by creation
// time for the agency (certsByTime) and for its officer (officerCerts),
// and by course and completion day (certDays) for compliance. Scored
// attempts and approved external training are recorded as completions,
// with the credit hours they earned in credits.

// CompleteEnrollment implements training.Store.
func (s *Store) CompleteEnrollment(ctx context.Context, name string, retry training.Retry, score func(e *trainingv1.Enrollment, c *trainingv1.Course) (*training.Completion, *trainingv1.Certification, error)) (*trainingv1.Enrollment, error) {
	var out *trainingv1.Enrollment
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		if prev, ok, err := requests.Retried(tx, retry); err != nil {
			return err
		} else if ok {
			out, err = enrollmentIn(tx, string(prev))
			return err
		}
		old, err := enrollmentIn(tx, name)
		if err != nil {
			return err
		}
		course, err := lookupCourse(tx, old.GetCourse())
		if err != nil {
			return err
		}
		e := proto.Clone(old).(*trainingv1.Enrollment)
		completion, cert, err := score(e, course)
		if err != nil {
			return err
		}
		e.Name, e.Etag = old.GetName(), etag.Next(old.GetEtag())
		if err := putEnrollment(tx, old, e); err != nil {
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
		out = e
		return requests.Remember(tx, retry, []byte(e.GetName()))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Certification implements training.Store.
func (s *Store) Certification(ctx context.Context, name string) (*trainingv1.Certification, error) {
	c := &trainingv1.Certification{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		ok, err := boltdb.GetProto(tx.Bucket(bucketCertifications), certificationKey(name), c)
		if err == nil && !ok {
			err = fmt.Errorf("certification %q: %w", name, errs.NotFound)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ListCertifications implements training.Store.
func (s *Store) ListCertifications(ctx context.Context, parent string, page training.Page, keep func(*trainingv1.Certification) bool) ([]*trainingv1.Certification, []byte, error) {
	var out []*trainingv1.Certification
	next, err := s.listByTime(parent, page, bucketCertsByTime, bucketOfficerCerts, bucketCertifications, func(v []byte) (bool, error) {
		c := &trainingv1.Certification{}
		if err := proto.Unmarshal(v, c); err != nil {
			return false, fmt.Errorf("decode certification: %w", err)
		}
		if keep != nil && !keep(c) {
			return false, nil
		}
		out = append(out, c)
		return true, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, next, nil
}

// listByTime lists, newest first, the records of an officer (their
// officerIndex entries, `agency 0 officer 0 u64(ns) 0 id`) or, for
// `officers/-`, of the agency (its agencyIndex entries, `agency 0 u64(ns)
// 0 officer 0 id`), calling visit with each stored record.
func (s *Store) listByTime(parent string, page training.Page, agencyIndex, officerIndex, records []byte, visit func(v []byte) (bool, error)) ([]byte, error) {
	agency, officer, err := parentIDs(parent)
	if err != nil {
		return nil, err
	}
	var next []byte
	err = s.db.View(func(tx *bbolt.Tx) error {
		b, pfx := tx.Bucket(officerIndex), boltdb.Prefix(agency, officer)
		if officer == allOfficersID {
			b, pfx = tx.Bucket(agencyIndex), boltdb.Prefix(agency)
		}
		recs := tx.Bucket(records)
		next, err = boltdb.WalkPage(b, pfx, page.After, page.Size, true, func(suffix []byte) (bool, error) {
			parts := bytes.Split(suffix, []byte{sep})
			o, id := officer, parts[len(parts)-1]
			if officer == allOfficersID {
				o = string(parts[len(parts)-2])
			}
			v := recs.Get(boltdb.Key(agency, o, id))
			if v == nil {
				return false, nil
			}
			return visit(v)
		})
		return err
	})
	return next, err
}

// createCertification stores a new certification and its indexes.
func createCertification(tx *bbolt.Tx, c *trainingv1.Certification) error {
	ids := nameIDs(c.GetName())
	if len(ids) != 3 {
		return fmt.Errorf("certification name %q: malformed", c.GetName())
	}
	agency, officer, id := ids[0], ids[1], ids[2]
	certs := tx.Bucket(bucketCertifications)
	k := boltdb.Key(agency, officer, id)
	if certs.Get(k) != nil {
		return fmt.Errorf("certification %q: %w", c.GetName(), errs.AlreadyExists)
	}
	stored := proto.Clone(c).(*trainingv1.Certification)
	stored.State = trainingv1.Certification_STATE_UNSPECIFIED
	if err := boltdb.PutProto(certs, k, stored); err != nil {
		return err
	}
	created := u64(c.GetCreateTime().AsTime().UnixNano())
	if err := tx.Bucket(bucketCertsByTime).Put(boltdb.Key(agency, created, officer, id), nil); err != nil {
		return err
	}
	if err := tx.Bucket(bucketOfficerCerts).Put(boltdb.Key(agency, officer, created, id), nil); err != nil {
		return err
	}
	if c.GetCourse() == "" {
		return nil
	}
	return tx.Bucket(bucketCertDays).Put(boltdb.Key(agency, officer, lastID(c.GetCourse()), c.GetCompletionDate(), id), []byte(c.GetExpireDate()))
}

// putCompletion records a completion, and the credit hours it earned.
func putCompletion(tx *bbolt.Tx, c training.Completion) error {
	ids := nameIDs(c.Officer)
	if len(ids) != 2 || c.ID == "" {
		return fmt.Errorf("completion %q of %q: malformed", c.ID, c.Officer)
	}
	agency, officer := ids[0], ids[1]
	v, err := encodeCompletion(c)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bucketCompletions).Put(boltdb.Key(agency, u64(c.Time.UnixNano()), c.ID), v); err != nil {
		return err
	}
	if c.CreditHours <= 0 {
		return nil
	}
	return tx.Bucket(bucketCredits).Put(boltdb.Key(agency, officer, c.Date, c.ID), encodeHours(c.CreditHours))
}

// certificationKey is the certifications key of a name, or nil when the
// name is malformed.
func certificationKey(name string) []byte {
	ids := nameIDs(name)
	if len(ids) != 3 {
		return nil
	}
	return boltdb.Key(ids[0], ids[1], ids[2])
}
