package storetest

import (
	"testing"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/feedback"
	"github.com/google/go-cmp/cmp"
)

func testTrustCells(t *testing.T, s feedback.Store) {
	ctx := t.Context()
	mustOpenSurvey(t, s, testSurvey("gen", feedbackv1.Survey_KIND_GENERAL))
	week := surveyT0.Truncate(24 * time.Hour)
	month := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	periods := []feedback.TrustPeriod{
		{Interval: feedbackv1.Interval_INTERVAL_WEEK, Start: week},
		{Interval: feedbackv1.Interval_INTERVAL_MONTH, Start: month},
	}
	key := func(area string, i feedbackv1.Interval, start time.Time) feedback.TrustCellKey {
		return feedback.TrustCellKey{Agency: "metro", Area: area, Interval: i, Start: start}
	}
	answers := []struct {
		area  string
		score float64
		dims  [5]float64
		rated [5]bool
	}{
		{"north", 80, [5]float64{8, 0, 0, 0, 0}, [5]bool{true}},
		{"north", 50, [5]float64{6, 4, 0, 0, 0}, [5]bool{true, true}},
		{"", 30, [5]float64{0, 3, 0, 0, 0}, [5]bool{false, true}},
	}
	for i, a := range answers {
		r := generalAnswer("r" + string(rune('a'+i)))
		r.Area = a.area
		r.Trust = &feedback.TrustContribution{Score: a.score, Rated: a.rated, Dimensions: a.dims}
		proof := feedback.ResponseProof{DeviceToken: "device-token-number-" + string(rune('a'+i)), Now: surveyT0}
		_, cells, err := s.CreateSurveyResponse(ctx, r, proof, periods, svAcceptOpen)
		if err != nil {
			t.Fatal(err)
		}
		if want := 2 * len(periods); a.area == "" {
			want = len(periods)
			if len(cells) != want {
				t.Fatalf("answer %d changed %d cells, want %d", i, len(cells), want)
			}
		} else if len(cells) != want {
			t.Fatalf("answer %d changed %d cells, want %d", i, len(cells), want)
		}
	}
	// An answer without a score changes no cell.
	r := generalAnswer("plain")
	r.Trust = nil
	_, cells, err := s.CreateSurveyResponse(ctx, r, feedback.ResponseProof{DeviceToken: "device-token-without-score", Now: surveyT0}, periods, svAcceptOpen)
	if err != nil || len(cells) != 0 {
		t.Fatalf("answer without a score: %d cells (%v), want none", len(cells), err)
	}

	keys := []feedback.TrustCellKey{
		key("north", feedbackv1.Interval_INTERVAL_WEEK, week),
		key("", feedbackv1.Interval_INTERVAL_MONTH, month),
		key("south", feedbackv1.Interval_INTERVAL_MONTH, month),
		key("north", feedbackv1.Interval_INTERVAL_MONTH, month.AddDate(0, -1, 0)),
	}
	got, err := s.TrustCells(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	want := []feedback.TrustCell{
		{TrustCellKey: keys[0], N: 2, Sum: 130, SumSq: 80*80 + 50*50,
			Dimensions: [5]feedback.DimensionSum{{N: 2, Sum: 14}, {N: 1, Sum: 4}}},
		{TrustCellKey: keys[1], N: 3, Sum: 160, SumSq: 80*80 + 50*50 + 30*30,
			Dimensions: [5]feedback.DimensionSum{{N: 2, Sum: 14}, {N: 2, Sum: 7}}},
		{TrustCellKey: keys[2]},
		{TrustCellKey: keys[3]},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("cells (-want +got):\n%s", d)
	}

	for i, wantNew := range []bool{true, false} {
		added, err := s.MarkTrustDrop(ctx, keys[0])
		if err != nil || added != wantNew {
			t.Fatalf("mark %d: %v %v, want %v", i, added, err, wantNew)
		}
	}
	if added, err := s.MarkTrustDrop(ctx, keys[1]); err != nil || !added {
		t.Fatalf("mark another cell: %v %v", added, err)
	}
}

func testPurgeRetries(t *testing.T, s feedback.Store) {
	ctx := t.Context()
	for i, at := range []time.Time{surveyT0, surveyT0.Add(time.Hour), surveyT0.Add(3 * time.Hour)} {
		sv := testSurvey("s"+string(rune('a'+i)), feedbackv1.Survey_KIND_GENERAL)
		retry := feedback.Retry{Caller: "accounts/ana", ID: "id-" + sv.ID, Time: at}
		if _, err := s.CreateSurvey(ctx, sv, retry); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.PurgeSurveyRequests(ctx, surveyT0.Add(2*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("purge: %d %v, want 2", n, err)
	}
	// A purged request id creates anew; a kept one still returns its survey.
	got, err := s.CreateSurvey(ctx, testSurvey("new", feedbackv1.Survey_KIND_GENERAL), feedback.Retry{Caller: "accounts/ana", ID: "id-sa", Time: surveyT0.Add(3 * time.Hour)})
	if err != nil || got.ID != "new" {
		t.Fatalf("purged retry: %+v %v", got, err)
	}
	got, err = s.CreateSurvey(ctx, testSurvey("other", feedbackv1.Survey_KIND_GENERAL), feedback.Retry{Caller: "accounts/ana", ID: "id-sc", Time: surveyT0.Add(3 * time.Hour)})
	if err != nil || got.ID != "sc" {
		t.Fatalf("kept retry: %+v %v", got, err)
	}
}
