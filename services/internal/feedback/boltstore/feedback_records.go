package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/feedback"
	"go.etcd.io/bbolt"
)

// errFeedbackImmutable reports a mutate function that changed what it may
// not.
var errFeedbackImmutable = errors.New("a field of feedback that cannot change was changed")

func feedbackKey(agency, id string) []byte { return boltdb.Join(agency, id) }

// createIndexKey, updateIndexKey and submitterIndexKey are the keys of
// feedback in its list indexes.
func createIndexKey(f feedback.Feedback) []byte {
	return append(fbTime(boltdb.Below([]byte(f.Agency)), f.CreateTime), f.ID...)
}

func updateIndexKey(f feedback.Feedback) []byte {
	return append(fbTime(boltdb.Below([]byte(f.Agency)), f.UpdateTime), f.ID...)
}

func submitterIndexKey(f feedback.Feedback) []byte {
	return append(fbTime(boltdb.Below(boltdb.Join(f.Agency, f.Submitter)), f.CreateTime), f.ID...)
}

func loadFeedback(tx *bbolt.Tx, agency, id string) (feedback.Feedback, error) {
	raw := tx.Bucket(bucketFeedback).Get(feedbackKey(agency, id))
	if raw == nil {
		return feedback.Feedback{}, fmt.Errorf("feedback %s: %w", feedback.Feedback{Agency: agency, ID: id}.Name(), errs.NotFound)
	}
	return decodeFeedback(raw)
}

func putFeedback(tx *bbolt.Tx, f feedback.Feedback) error {
	return tx.Bucket(bucketFeedback).Put(feedbackKey(f.Agency, f.ID), encodeFeedback(f))
}

// CreateFeedback implements feedback.FeedbackStore. The record, its keys
// and the request record are encoded before the write is queued, so that
// the transaction, which runs on the one committer goroutine, only reads
// and puts.
func (s *Store) CreateFeedback(ctx context.Context, f feedback.Feedback, req feedback.FeedbackRequest) (feedback.Feedback, *feedback.FeedbackRequest, error) {
	f.Revision = 1
	key, record, byCreate := feedbackKey(f.Agency, f.ID), encodeFeedback(f), createIndexKey(f)
	var bySubmitter, reqKey, reqRecord []byte
	if f.Submitter != "" {
		bySubmitter = submitterIndexKey(f)
	}
	if len(req.Key) > 0 {
		req.Name = f.Name()
		reqKey, reqRecord = requestRecordKey(req.Time.Truncate(time.Hour), req.Key), encodeRequest(req)
	}
	var out feedback.Feedback
	var replay *feedback.FeedbackRequest
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out, replay = feedback.Feedback{}, nil
		if len(req.Key) > 0 {
			r, ok, err := loadFBRequest(tx, req)
			if err != nil {
				return err
			}
			if ok {
				agency, id, err := splitFeedbackName(r.Name)
				if err != nil {
					return err
				}
				if out, err = loadFeedback(tx, agency, id); err != nil {
					return err
				}
				replay = &r
				return nil
			}
		}
		b := tx.Bucket(bucketFeedback)
		// free is set once f.ID is looked up among the derived ids and found
		// unused, which spares looking it up again.
		free := false
		for _, id := range req.Derived {
			raw := b.Get(feedbackKey(f.Agency, id))
			if raw == nil {
				free = free || id == f.ID
				continue
			}
			stored, err := decodeFeedback(raw)
			if err != nil {
				return err
			}
			if stored.CreateTime.Before(req.Time.Add(-feedback.FeedbackRequestLifetime)) {
				continue // past the request's lifetime: the request creates anew
			}
			out, replay = stored, &feedback.FeedbackRequest{Name: stored.Name(), Time: req.Time, Derived: req.Derived}
			return nil
		}
		if !free && b.Get(key) != nil {
			return fmt.Errorf("feedback %s: %w", f.Name(), errs.AlreadyExists)
		}
		if err := b.Put(key, record); err != nil {
			return err
		}
		if err := tx.Bucket(bucketFeedbackByCreate).Put(byCreate, nil); err != nil {
			return err
		}
		if bySubmitter != nil {
			if err := tx.Bucket(bucketFeedbackBySubmitter).Put(bySubmitter, nil); err != nil {
				return err
			}
		}
		if err := countFeedback(tx, f, 1); err != nil {
			return err
		}
		if reqKey != nil {
			if err := tx.Bucket(bucketFeedbackRequests).Put(reqKey, reqRecord); err != nil {
				return err
			}
		}
		out = f
		return nil
	})
	if err != nil {
		return feedback.Feedback{}, nil, err
	}
	return out, replay, nil
}

// splitFeedbackName parses `agencies/{agency}/feedback/{id}` as stored in
// request records.
func splitFeedbackName(name string) (agency, id string, err error) {
	parts := bytes.Split([]byte(name), []byte("/"))
	if len(parts) != 4 || string(parts[0]) != "agencies" || string(parts[2]) != "feedback" {
		return "", "", fmt.Errorf("request names %q, not feedback: %w", name, errFBCorrupt)
	}
	return string(parts[1]), string(parts[3]), nil
}

// Feedback implements feedback.FeedbackStore.
func (s *Store) Feedback(_ context.Context, agency, id string) (feedback.Feedback, error) {
	var f feedback.Feedback
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		f, err = loadFeedback(tx, agency, id)
		return err
	})
	return f, err
}

// ListFeedback implements feedback.FeedbackStore. It walks one index,
// forwards or backwards, from the cursor on, and reads the records of the
// rows it examines. The update-time orders walk two: feedback_by_update
// for feedback updated at least once (Revision above 1) merged with
// feedback_by_create for the rest, whose update time is their create time.
func (s *Store) ListFeedback(_ context.Context, q feedback.FeedbackQuery, page feedback.FeedbackPage, keep func(feedback.Feedback) bool) ([]feedback.Feedback, []byte, error) {
	byUpdate := q.Order == feedback.FeedbackRecentlyUpdatedFirst || q.Order == feedback.FeedbackLeastRecentlyUpdatedFirst
	reverse := q.Order == feedback.FeedbackNewestFirst || q.Order == feedback.FeedbackRecentlyUpdatedFirst
	var out []feedback.Feedback
	var next []byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		agency := boltdb.Below([]byte(q.Agency))
		sources := []fbSource{{tx.Bucket(bucketFeedbackByCreate), agency}}
		switch {
		case byUpdate:
			sources = append(sources, fbSource{tx.Bucket(bucketFeedbackByUpdate), agency})
		case q.Submitter != "":
			sources[0] = fbSource{tx.Bucket(bucketFeedbackBySubmitter), boltdb.Below(boltdb.Join(q.Agency, q.Submitter))}
		}
		records := tx.Bucket(bucketFeedback)
		var err error
		next, err = fbMerge(sources, page, reverse, func(source int, suffix []byte) (bool, error) {
			if len(suffix) <= 8 {
				return false, fmt.Errorf("list feedback: index key %x: %w", suffix, errFBCorrupt)
			}
			raw := records.Get(feedbackKey(q.Agency, string(suffix[8:])))
			if raw == nil {
				return false, nil
			}
			f, err := decodeFeedback(raw)
			if err != nil {
				return false, err
			}
			// By update time, each feedback counts from one index alone.
			if byUpdate && (source == 1) != (f.Revision > 1) {
				return false, nil
			}
			if q.Submitter != "" && f.Submitter != q.Submitter {
				return false, nil
			}
			if keep != nil && !keep(f) {
				return false, nil
			}
			out = append(out, f)
			return true, nil
		})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return out, next, nil
}

// UpdateFeedback implements feedback.FeedbackStore.
func (s *Store) UpdateFeedback(ctx context.Context, agency, id string, mutate func(*feedback.Feedback) error) (feedback.Feedback, error) {
	var out feedback.Feedback
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = feedback.Feedback{}
		before, err := loadFeedback(tx, agency, id)
		if err != nil {
			return err
		}
		f, _ := decodeFeedback(encodeFeedback(before)) // a deep copy for mutate
		if err := mutate(&f); err != nil {
			if errors.Is(err, feedback.ErrFeedbackUnchanged) {
				out = before
				return nil
			}
			return err
		}
		if !sameImmutable(before, f) {
			return fmt.Errorf("update feedback %s: %w", before.Name(), errFeedbackImmutable)
		}
		f.Revision = before.Revision + 1
		// feedback_by_update holds feedback from its first update on.
		if before.Revision <= 1 || !f.UpdateTime.Equal(before.UpdateTime) {
			idx := tx.Bucket(bucketFeedbackByUpdate)
			if err := idx.Delete(updateIndexKey(before)); err != nil {
				return err
			}
			if err := idx.Put(updateIndexKey(f), nil); err != nil {
				return err
			}
		}
		if f.Category != before.Category || f.Area != before.Area {
			if err := countFeedback(tx, before, -1); err != nil {
				return err
			}
			if err := countFeedback(tx, f, 1); err != nil {
				return err
			}
		}
		out = f
		return putFeedback(tx, f)
	})
	if err != nil {
		return feedback.Feedback{}, err
	}
	return out, nil
}

// sameImmutable reports whether b differs from a only in what
// UpdateFeedback's mutate may change.
func sameImmutable(a, b feedback.Feedback) bool {
	b.State, b.Category, b.Area, b.Assignee = a.State, a.Category, a.Area, a.Assignee
	b.History, b.Replies, b.UpdateTime, b.Revision = a.History, a.Replies, a.UpdateTime, a.Revision
	return bytes.Equal(encodeFeedback(a), encodeFeedback(b))
}
