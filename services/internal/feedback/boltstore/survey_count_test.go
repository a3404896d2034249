package boltstore

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/feedback"
	"go.etcd.io/bbolt"
)

// openCountSurvey returns a store holding an open general survey.
func openCountSurvey(t *testing.T) (*Store, feedback.Survey) {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "feedback.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	t0 := time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)
	sv := feedback.Survey{Agency: "metro", ID: "gen", Title: "t", Kind: feedbackv1.Survey_KIND_GENERAL,
		State: feedbackv1.Survey_STATE_OPEN, OpenTime: t0, CreateTime: t0}
	if sv, err = s.CreateSurvey(t.Context(), sv, feedback.Retry{}); err != nil {
		t.Fatal(err)
	}
	return s, sv
}

func answerCountSurvey(t *testing.T, s *Store, id, device string) {
	t.Helper()
	r := feedback.SurveyResponse{Agency: "metro", Survey: "gen", ID: id, CreateTime: time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)}
	proof := feedback.ResponseProof{DeviceToken: device}
	if _, _, err := s.CreateSurveyResponse(t.Context(), r, proof, nil, func(feedback.Survey) error { return nil }, nil); err != nil {
		t.Fatalf("answer %s: %v", id, err)
	}
}

func surveyBytes(t *testing.T, s *Store, k feedback.SurveyKey) []byte {
	t.Helper()
	var raw []byte
	if err := s.db.View(func(tx *bbolt.Tx) error {
		raw = bytes.Clone(tx.Bucket(bucketSurveys).Get(surveyKey(k)))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestAnswerLeavesSurveyRecord(t *testing.T) {
	t.Parallel()
	s, sv := openCountSurvey(t)
	before := surveyBytes(t, s, sv.Key())
	answerCountSurvey(t, s, "r1", "device-token-0123456789")
	answerCountSurvey(t, s, "r2", "device-token-9876543210")
	if after := surveyBytes(t, s, sv.Key()); !bytes.Equal(before, after) {
		t.Fatalf("an answer rewrote the survey record:\n%s\n%s", before, after)
	}
	got, err := s.Survey(t.Context(), sv.Key())
	if err != nil || got.ResponseCount != 2 {
		t.Fatalf("response count %d (%v), want 2", got.ResponseCount, err)
	}
}

func TestResponseCountOfOlderRecord(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// then changes the store after the older record is written.
		then func(t *testing.T, s *Store, k feedback.SurveyKey)
		want int64
	}{
		{name: "read as is", then: func(*testing.T, *Store, feedback.SurveyKey) {}, want: 7},
		{name: "answered", then: func(t *testing.T, s *Store, _ feedback.SurveyKey) {
			answerCountSurvey(t, s, "r1", "device-token-0123456789")
		}, want: 8},
		{name: "updated, then answered", then: func(t *testing.T, s *Store, k feedback.SurveyKey) {
			if _, err := s.UpdateSurvey(t.Context(), k, func(sv *feedback.Survey) error {
				sv.Title = "Renamed"
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			answerCountSurvey(t, s, "r1", "device-token-0123456789")
		}, want: 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, sv := openCountSurvey(t)
			// A record as stored before the count had its own key.
			rec := toSurveyRecord(sv)
			rec.ResponseCount = 7
			raw, err := json.Marshal(rec)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.db.Bolt().Update(func(tx *bbolt.Tx) error {
				return tx.Bucket(bucketSurveys).Put(surveyKey(sv.Key()), raw)
			}); err != nil {
				t.Fatal(err)
			}
			tt.then(t, s, sv.Key())
			got, err := s.Survey(t.Context(), sv.Key())
			if err != nil || got.ResponseCount != tt.want {
				t.Fatalf("response count %d (%v), want %d", got.ResponseCount, err, tt.want)
			}
		})
	}
}
