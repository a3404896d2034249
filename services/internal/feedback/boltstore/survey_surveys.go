package boltstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/feedback"
	"go.etcd.io/bbolt"
)

const (
	draft  = feedbackv1.Survey_STATE_DRAFT
	open   = feedbackv1.Survey_STATE_OPEN
	closed = feedbackv1.Survey_STATE_CLOSED
)

// errSurveyImmutable reports a mutate function that changed what it may
// not.
var errSurveyImmutable = errors.New("a survey field the store maintains was changed")

// loadSurvey returns a survey with its number of answers, or
// errs.NotFound.
func loadSurvey(tx *bbolt.Tx, k feedback.SurveyKey) (feedback.Survey, error) {
	var r surveyRecord
	ok, err := boltdb.GetJSON(tx.Bucket(bucketSurveys), surveyKey(k), &r)
	if err != nil {
		return feedback.Survey{}, err
	}
	if !ok {
		return feedback.Survey{}, fmt.Errorf("survey %s: %w", k.Name(), errs.NotFound)
	}
	sv := r.domain()
	if n := tx.Bucket(bucketSurveys).Get(responseCountKey(k)); n != nil {
		sv.ResponseCount = int64(boltdb.ParseU64(n))
	}
	return sv, nil
}

// countResponse adds an answer to a survey's count.
func countResponse(tx *bbolt.Tx, sv feedback.Survey) error {
	return tx.Bucket(bucketSurveys).Put(responseCountKey(sv.Key()), boltdb.U64(uint64(sv.ResponseCount)+1))
}

// putSurvey stores a survey's record. The count of its answers is kept by
// countResponse, but one read from an older record moves to its own key
// here, since the record is written without it.
func putSurvey(tx *bbolt.Tx, s feedback.Survey) error {
	b := tx.Bucket(bucketSurveys)
	if s.ResponseCount > 0 && b.Get(responseCountKey(s.Key())) == nil {
		if err := b.Put(responseCountKey(s.Key()), boltdb.U64(uint64(s.ResponseCount))); err != nil {
			return err
		}
	}
	return boltdb.PutJSON(b, surveyKey(s.Key()), toSurveyRecord(s))
}

// CreateSurvey implements feedback.SurveyStore.
func (s *Store) CreateSurvey(ctx context.Context, sv feedback.Survey, retry feedback.Retry) (feedback.Survey, error) {
	var out feedback.Survey
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = feedback.Survey{}
		rec, err := retried(tx, retry)
		if err != nil {
			return err
		}
		if rec != nil {
			parent := "agencies/" + sv.Agency + "/surveys/"
			if !strings.HasPrefix(rec.Name, parent) {
				return fmt.Errorf("create survey: %w", feedback.ErrRetryReused)
			}
			out, err = loadSurvey(tx, feedback.SurveyKey{Agency: sv.Agency, Survey: strings.TrimPrefix(rec.Name, parent)})
			// A draft deleted since is created anew.
			if !errors.Is(err, errs.NotFound) {
				return err
			}
		}
		if sv.Agency == "" || sv.ID == "" {
			return fmt.Errorf("create survey: agency and id are required: %w", errs.InvalidArgument)
		}
		if tx.Bucket(bucketSurveys).Get(surveyKey(sv.Key())) != nil {
			return fmt.Errorf("survey %s: %w", sv.Key().Name(), errs.AlreadyExists)
		}
		sv.Revision, sv.ResponseCount = 1, 0
		if err := putSurvey(tx, sv); err != nil {
			return err
		}
		if err := tx.Bucket(bucketSurveysByTime).Put(surveyTimeKey(sv), nil); err != nil {
			return err
		}
		if err := rememberRetry(tx, retry, sv.Key().Name()); err != nil {
			return err
		}
		out = sv
		return nil
	})
	if err != nil {
		return feedback.Survey{}, err
	}
	return out, nil
}

// Survey implements feedback.SurveyStore.
func (s *Store) Survey(_ context.Context, k feedback.SurveyKey) (feedback.Survey, error) {
	var out feedback.Survey
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		out, err = loadSurvey(tx, k)
		return err
	})
	return out, err
}

// ListSurveys implements feedback.SurveyStore.
func (s *Store) ListSurveys(_ context.Context, agency string, page feedback.SurveyPage, keep func(feedback.Survey) bool) ([]feedback.Survey, []byte, error) {
	var out []feedback.Survey
	var next []byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		var err error
		next, err = fbScan(tx.Bucket(bucketSurveysByTime), boltdb.Below([]byte(agency)), page, false, func(suffix []byte) (bool, error) {
			sv, err := loadSurvey(tx, feedback.SurveyKey{Agency: agency, Survey: string(suffix[8:])})
			if errors.Is(err, errs.NotFound) {
				return false, nil
			}
			if err != nil || (keep != nil && !keep(sv)) {
				return false, err
			}
			out = append(out, sv)
			return true, nil
		})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return out, next, nil
}

// UpdateSurvey implements feedback.SurveyStore.
func (s *Store) UpdateSurvey(ctx context.Context, k feedback.SurveyKey, mutate func(*feedback.Survey) error) (feedback.Survey, error) {
	var out feedback.Survey
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = feedback.Survey{}
		sv, err := loadSurvey(tx, k)
		if err != nil {
			return err
		}
		before := sv
		before.Questions = slices.Clone(sv.Questions)
		if err := mutate(&sv); err != nil {
			return err
		}
		if sv.Agency != before.Agency || sv.ID != before.ID || sv.Revision != before.Revision ||
			sv.ResponseCount != before.ResponseCount || !sv.CreateTime.Equal(before.CreateTime) {
			return fmt.Errorf("update survey %s: %w", k.Name(), errSurveyImmutable)
		}
		if before.State != draft && (sv.Kind != before.Kind || !questionsEqual(sv.Questions, before.Questions)) {
			return errs.WithReason(errs.Public(errs.FailedPrecondition,
				"the questions and kind of a survey are fixed once it is opened"), "SURVEY_NOT_DRAFT")
		}
		if err := checkTransition(before, sv); err != nil {
			return err
		}
		sv.Revision++
		out = sv
		return putSurvey(tx, sv)
	})
	if err != nil {
		return feedback.Survey{}, err
	}
	return out, nil
}

// checkTransition allows a draft to open and an open survey to close, and
// keeps the times of those changes.
func checkTransition(before, after feedback.Survey) error {
	switch {
	case before.State == after.State:
		if !after.OpenTime.Equal(before.OpenTime) || !after.CloseTime.Equal(before.CloseTime) {
			return errSurveyImmutable
		}
		return nil
	case before.State == draft && after.State == open && !after.OpenTime.IsZero():
		return nil
	case before.State == open && after.State == closed && !after.CloseTime.IsZero():
		return nil
	}
	return errs.WithReason(errs.Public(errs.FailedPrecondition,
		"a survey in %s cannot move to %s", before.State, after.State), "SURVEY_STATE")
}

func questionsEqual(a, b []feedback.Question) bool {
	return slices.EqualFunc(a, b, func(x, y feedback.Question) bool {
		return x.ID == y.ID && x.Text == y.Text && x.Type == y.Type && slices.Equal(x.Choices, y.Choices) &&
			x.Required == y.Required && x.Dimension == y.Dimension
	})
}

// DeleteSurvey implements feedback.SurveyStore.
func (s *Store) DeleteSurvey(ctx context.Context, k feedback.SurveyKey, check func(feedback.Survey) error) error {
	return s.db.Update(ctx, func(tx *bbolt.Tx) error {
		sv, err := loadSurvey(tx, k)
		if err != nil {
			return err
		}
		if err := check(sv); err != nil {
			return err
		}
		if sv.State != draft {
			return errs.WithReason(errs.Public(errs.FailedPrecondition,
				"only a draft can be deleted; close the survey instead"), "SURVEY_NOT_DRAFT")
		}
		if err := tx.Bucket(bucketSurveysByTime).Delete(surveyTimeKey(sv)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketSurveys).Delete(responseCountKey(k)); err != nil {
			return err
		}
		return tx.Bucket(bucketSurveys).Delete(surveyKey(k))
	})
}
