package storetest

import (
	"testing"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/feedback"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
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

	testTrustNotices(t, s, keys[0], keys[1])
}

// testTrustNotices records notices of two cells: each cell takes one,
// pending until done, and none after.
func testTrustNotices(t *testing.T, s feedback.Store, a, b feedback.TrustCellKey) {
	ctx := t.Context()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	notice := func(k feedback.TrustCellKey, score float64) feedback.TrustNotice {
		return feedback.TrustNotice{
			Cell: k,
			Drop: feedback.TrustDrop{
				Agency: "agencies/" + k.Agency, Area: k.Area, Interval: k.Interval,
				PeriodStart: k.Start.In(ny), PreviousStart: k.Start.AddDate(0, 0, -7).In(ny),
				Score: score, PreviousScore: 80, Responses: 12,
			},
			Since: surveyT0.Truncate(time.Hour),
		}
	}
	pending := func(what string, want ...feedback.TrustNotice) {
		t.Helper()
		got, err := s.PendingTrustNotices(ctx)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		less := func(x, y feedback.TrustNotice) bool {
			return x.Cell.Area+x.Cell.Interval.String() < y.Cell.Area+y.Cell.Interval.String()
		}
		if d := cmp.Diff(want, got, cmpopts.SortSlices(less), cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("%s: pending (-want +got):\n%s", what, d)
		}
		// The periods keep their offset from UTC, which names their days.
		for _, n := range got {
			if _, off := n.Drop.PeriodStart.Zone(); n.Cell == a && off != -4*3600 && off != -5*3600 {
				t.Fatalf("%s: period start %v lost its offset", what, n.Drop.PeriodStart)
			}
		}
	}
	pending("none yet")
	for i, wantNew := range []bool{true, false} {
		added, err := s.AddTrustNotice(ctx, notice(a, 60-float64(i)))
		if err != nil || added != wantNew {
			t.Fatalf("add %d: %v %v, want %v", i, added, err, wantNew)
		}
	}
	if added, err := s.AddTrustNotice(ctx, notice(b, 50)); err != nil || !added {
		t.Fatalf("add another cell: %v %v", added, err)
	}
	pending("two recorded", notice(a, 60), notice(b, 50))
	if err := s.TrustNoticeDone(ctx, a); err != nil {
		t.Fatal(err)
	}
	pending("one done", notice(b, 50))
	if added, err := s.AddTrustNotice(ctx, notice(a, 40)); err != nil || added {
		t.Fatalf("add to a cell done: %v %v, want false", added, err)
	}
	pending("after adding to a cell done", notice(b, 50))
	if err := s.TrustNoticeDone(ctx, b); err != nil {
		t.Fatal(err)
	}
	pending("both done")
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
