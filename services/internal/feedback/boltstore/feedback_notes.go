package boltstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/feedback"
	"github.com/engagehq/engage/services/internal/ids"
	"go.etcd.io/bbolt"
)

func noteKey(agency, fb, id string) []byte { return boltdb.Join(agency, fb, id) }

func loadNote(tx *bbolt.Tx, agency, fb, id string) (feedback.Note, error) {
	raw := tx.Bucket(bucketFeedbackNotes).Get(noteKey(agency, fb, id))
	if raw == nil {
		n := feedback.Note{Agency: agency, Feedback: fb, ID: id}
		return feedback.Note{}, fmt.Errorf("note %s: %w", n.Name(), errs.NotFound)
	}
	return decodeNote(raw)
}

// CreateNote implements feedback.FeedbackStore.
func (s *Store) CreateNote(ctx context.Context, n feedback.Note, req feedback.FeedbackRequest, check func(feedback.Feedback) error) (feedback.Note, error) {
	var out feedback.Note
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = feedback.Note{}
		if len(req.Key) > 0 {
			r, ok, err := loadFBRequest(tx, req)
			if err != nil {
				return err
			}
			if ok {
				prev := feedback.Note{Agency: n.Agency, Feedback: n.Feedback}
				id, found := strings.CutPrefix(r.Name, prev.Name()) // prev.Name() ends in "/notes/"
				if !found {
					return fmt.Errorf("create note: %w", feedback.ErrRetryReused)
				}
				out, err = loadNote(tx, n.Agency, n.Feedback, id)
				return err
			}
		}
		f, err := loadFeedback(tx, n.Agency, n.Feedback)
		if err != nil {
			return err
		}
		if err := check(f); err != nil {
			return err
		}
		if n.ID == "" {
			n.ID = ids.New()
		}
		b := tx.Bucket(bucketFeedbackNotes)
		if b.Get(noteKey(n.Agency, n.Feedback, n.ID)) != nil {
			return fmt.Errorf("note %s: %w", n.Name(), errs.AlreadyExists)
		}
		if err := b.Put(noteKey(n.Agency, n.Feedback, n.ID), encodeNote(n)); err != nil {
			return err
		}
		if len(req.Key) > 0 {
			req.Name = n.Name()
			if err := putRequest(tx, req); err != nil {
				return err
			}
		}
		out = n
		return nil
	})
	if err != nil {
		return feedback.Note{}, err
	}
	return out, nil
}

// Note implements feedback.FeedbackStore.
func (s *Store) Note(_ context.Context, agency, fb, id string) (feedback.Note, error) {
	var n feedback.Note
	err := s.db.View(func(tx *bbolt.Tx) error {
		if _, err := loadFeedback(tx, agency, fb); err != nil {
			return err
		}
		var err error
		n, err = loadNote(tx, agency, fb, id)
		return err
	})
	return n, err
}

// ListNotes implements feedback.FeedbackStore.
func (s *Store) ListNotes(_ context.Context, agency, fb string, page feedback.FeedbackPage) ([]feedback.Note, []byte, error) {
	var out []feedback.Note
	var next []byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		if _, err := loadFeedback(tx, agency, fb); err != nil {
			return err
		}
		notes := tx.Bucket(bucketFeedbackNotes)
		var err error
		next, err = fbScan(notes, boltdb.Below(boltdb.Join(agency, fb)), page, false, func(suffix []byte) (bool, error) {
			n, err := loadNote(tx, agency, fb, string(suffix))
			if err != nil {
				return false, err
			}
			out = append(out, n)
			return true, nil
		})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return out, next, nil
}
