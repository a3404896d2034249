package feedback_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/audit"
	"github.com/engagehq/engage/services/internal/feedback"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// rate answers survey from a new device with a safety and, when fair is
// not negative, a fairness rating.
func (e *svEnv) rate(t *testing.T, survey, area string, safe, fair int32) {
	t.Helper()
	answers := []*feedbackv1.Answer{{QuestionId: "safe", Rating: rating(safe)}}
	if fair >= 0 {
		answers = append(answers, &feedbackv1.Answer{QuestionId: "fair", Rating: rating(fair)})
	}
	e.devices++
	_, err := e.answer(t, survey, fmt.Sprintf("install-device-%04d", e.devices), area, answers...)
	must(t, "answer", err)
}

// suppressedDims are the dimension scores of a suppressed period.
func suppressedDims() []*feedbackv1.DimensionScore {
	var out []*feedbackv1.DimensionScore
	for d := feedbackv1.TrustDimension_TRUST_DIMENSION_SAFETY; d <= feedbackv1.TrustDimension_TRUST_DIMENSION_FAIRNESS; d++ {
		out = append(out, &feedbackv1.DimensionScore{Dimension: d, Suppressed: true})
	}
	return out
}

func TestTrustIndexFigures(t *testing.T) {
	t.Parallel()
	e := newSvEnv(t, feedback.Config{MinCellSize: 3})
	sv := e.mustSurvey(t, e.analyst("ana", "metro"), "metro", feedbackv1.Survey_KIND_GENERAL, true)
	// Scores 70, 90, 40, 70: mean 67.5, Σ(x-mean)² = 1275, s² = 425,
	// s/√4 = 10.3078, half-width 1.96 × 10.3078 = 20.2032.
	e.rate(t, sv.GetName(), "north", 8, 6)
	e.rate(t, sv.GetName(), "north", 9, -1)
	e.rate(t, sv.GetName(), "south", 5, 3)
	e.rate(t, sv.GetName(), "", 6, 8)

	// March is still running: its figures so far are the staff's.
	staff := e.analyst("ana", "metro").ctx(t)
	got, err := e.stats.GetTrustIndex(staff, &feedbackv1.GetTrustIndexRequest{Name: "agencies/metro/trustIndex"})
	must(t, "trust index", err)
	month := func(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, e.newYork) }
	want := &feedbackv1.TrustIndex{
		Name: "agencies/metro/trustIndex", Interval: feedbackv1.Interval_INTERVAL_MONTH,
		TimeZone: "America/New_York", MinResponses: 3,
	}
	for i := range 11 {
		start := month(2025, time.April+time.Month(i))
		want.Periods = append(want.Periods, &feedbackv1.TrustIndexPeriod{
			StartTime: timestamppb.New(start), EndTime: timestamppb.New(start.AddDate(0, 1, 0)),
			Suppressed: true, Dimensions: suppressedDims(),
		})
	}
	dims := suppressedDims()
	dims[0] = &feedbackv1.DimensionScore{Dimension: feedbackv1.TrustDimension_TRUST_DIMENSION_SAFETY, ResponseCount: 4, Score: 70}
	dims[4] = &feedbackv1.DimensionScore{Dimension: feedbackv1.TrustDimension_TRUST_DIMENSION_FAIRNESS, ResponseCount: 3, Score: 170.0 / 3}
	want.Periods = append(want.Periods, &feedbackv1.TrustIndexPeriod{
		StartTime: timestamppb.New(month(2026, time.March)), EndTime: timestamppb.New(month(2026, time.April)),
		ResponseCount: 4, Score: 67.5, Ongoing: true,
		ConfidenceInterval: &feedbackv1.ConfidenceInterval{Lower: 67.5 - 1.96*math.Sqrt(425)/2, Upper: 67.5 + 1.96*math.Sqrt(425)/2},
		Dimensions:         dims,
	})
	approx := cmpopts.EquateApprox(0, 1e-9)
	fbDiff(t, "agency's trust index", got, want, approx)
	if ci := got.GetPeriods()[11].GetConfidenceInterval(); math.Abs(ci.GetLower()-47.2968) > 1e-4 || math.Abs(ci.GetUpper()-87.7032) > 1e-4 {
		t.Fatalf("interval %v, want 47.2968 to 87.7032", ci)
	}

	// North has two respondents: below k, suppressed.
	north, err := e.stats.GetTrustIndex(staff, &feedbackv1.GetTrustIndexRequest{
		Name: "agencies/metro/trustIndex", Area: "north", StartTime: timestamppb.New(svStart), EndTime: timestamppb.New(svStart),
	})
	must(t, "north", err)
	fbDiff(t, "north", north, &feedbackv1.TrustIndex{
		Name: "agencies/metro/trustIndex", Area: "north", Interval: feedbackv1.Interval_INTERVAL_MONTH,
		TimeZone: "America/New_York", MinResponses: 3,
		Periods: []*feedbackv1.TrustIndexPeriod{{
			StartTime: timestamppb.New(month(2026, time.March)), EndTime: timestamppb.New(month(2026, time.April)),
			Suppressed: true, Dimensions: suppressedDims(), Ongoing: true,
		}},
	})

	// Weeks start on Monday at midnight in New York, across the change
	// to daylight saving time on 8 March.
	weeks, err := e.stats.GetTrustIndex(staff, &feedbackv1.GetTrustIndexRequest{
		Name: "agencies/metro/trustIndex", Interval: feedbackv1.Interval_INTERVAL_WEEK,
		StartTime: timestamppb.New(svStart.AddDate(0, 0, -7)),
	})
	must(t, "weeks", err)
	wantStarts := []time.Time{time.Date(2026, 3, 2, 5, 0, 0, 0, time.UTC), time.Date(2026, 3, 9, 4, 0, 0, 0, time.UTC)}
	var starts []time.Time
	for _, p := range weeks.GetPeriods() {
		starts = append(starts, p.GetStartTime().AsTime())
	}
	if d := cmp.Diff(wantStarts, starts); d != "" {
		t.Fatalf("week starts (-want +got):\n%s", d)
	}
	if p := weeks.GetPeriods()[1]; p.GetSuppressed() || p.GetResponseCount() != 4 || p.GetScore() != 67.5 {
		t.Fatalf("this week: %v", p)
	}
}

func TestTrustIndexRequests(t *testing.T) {
	t.Parallel()
	e := newSvEnv(t, feedback.Config{})
	tests := []struct {
		name  string
		req   *feedbackv1.GetTrustIndexRequest
		code  codes.Code
		field string
	}{
		{"unknown agency", &feedbackv1.GetTrustIndexRequest{Name: "agencies/ghost/trustIndex"}, codes.NotFound, ""},
		{"start in year 0", &feedbackv1.GetTrustIndexRequest{
			Name: "agencies/metro/trustIndex", StartTime: &timestamppb.Timestamp{Seconds: -62135596800 - 86400},
		}, codes.InvalidArgument, "start_time"},
		{"end in year 10000", &feedbackv1.GetTrustIndexRequest{
			Name: "agencies/metro/trustIndex", EndTime: &timestamppb.Timestamp{Seconds: 253402300800 + 10},
		}, codes.InvalidArgument, "end_time"},
		{"over five years", &feedbackv1.GetTrustIndexRequest{
			Name: "agencies/metro/trustIndex", StartTime: timestamppb.New(svStart.AddDate(-6, 0, 0)),
		}, codes.InvalidArgument, "end_time"},
		{"start after end", &feedbackv1.GetTrustIndexRequest{
			Name: "agencies/metro/trustIndex", StartTime: timestamppb.New(svStart.Add(time.Hour)), EndTime: timestamppb.New(svStart),
		}, codes.InvalidArgument, "start_time"},
		{"start in the future, no end", &feedbackv1.GetTrustIndexRequest{
			Name: "agencies/metro/trustIndex", StartTime: timestamppb.New(svStart.Add(time.Hour)),
		}, codes.InvalidArgument, "start_time"},
		{"start and end in the future", &feedbackv1.GetTrustIndexRequest{
			Name: "agencies/metro/trustIndex", StartTime: timestamppb.New(svStart.AddDate(0, 1, 0)), EndTime: timestamppb.New(svStart.AddDate(0, 2, 0)),
		}, codes.InvalidArgument, "start_time"},
	}
	// An end in the future ends the range with the running period: later
	// ones have not begun.
	later, err := e.stats.GetTrustIndex(t.Context(), &feedbackv1.GetTrustIndexRequest{
		Name: "agencies/metro/trustIndex", EndTime: timestamppb.New(svStart.AddDate(2, 0, 0)),
	})
	must(t, "end in two years", err)
	now, err := e.stats.GetTrustIndex(t.Context(), &feedbackv1.GetTrustIndexRequest{Name: "agencies/metro/trustIndex"})
	must(t, "no end", err)
	fbDiff(t, "an end in two years", later, now)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := e.stats.GetTrustIndex(t.Context(), tc.req)
			if tc.field != "" {
				wantField(t, tc.name, err, tc.field)
				return
			}
			wantCode(t, tc.name, err, tc.code)
		})
	}
}

func TestTrustDropNotifiedOnce(t *testing.T) {
	t.Parallel()
	e := newSvEnv(t, feedback.Config{MinCellSize: 3, TrustDropPoints: 10})
	sv := e.mustSurvey(t, e.analyst("ana", "metro"), "metro", feedbackv1.Survey_KIND_GENERAL, true)
	// Last week (2–8 March): three respondents at 80.
	e.setClock(svStart.AddDate(0, 0, -7))
	for range 3 {
		e.rate(t, sv.GetName(), "north", 8, -1)
	}
	// This week: 60 each. The drop counts only from the third answer on,
	// and is notified once per cell however many answers follow.
	e.setClock(svStart)
	for i := range 5 {
		e.rate(t, sv.GetName(), "north", 6, -1)
		e.svc.WaitTrustNotices()
		if n := len(e.notices.all()); (i < 2 && n != 0) || (i >= 2 && n != 2) {
			t.Fatalf("after answer %d of this week: %d notices", i+1, n)
		}
	}
	thisWeek := time.Date(2026, 3, 9, 4, 0, 0, 0, time.UTC)
	lastWeek := time.Date(2026, 3, 2, 5, 0, 0, 0, time.UTC)
	drop := func(area string) feedback.TrustDrop {
		return feedback.TrustDrop{
			Agency: "agencies/metro", Area: area, Interval: feedbackv1.Interval_INTERVAL_WEEK,
			PeriodStart: thisWeek, PreviousStart: lastWeek, Score: 60, PreviousScore: 80, Responses: 3,
		}
	}
	got := e.notices.all()
	less := func(a, b feedback.TrustDrop) bool { return a.Area < b.Area }
	if d := cmp.Diff([]feedback.TrustDrop{drop(""), drop("north")}, got, cmpopts.SortSlices(less)); d != "" {
		t.Fatalf("notices (-want +got):\n%s", d)
	}
}

func TestTrustDropSmallFall(t *testing.T) {
	t.Parallel()
	e := newSvEnv(t, feedback.Config{MinCellSize: 3, TrustDropPoints: 10})
	e.rateTwoWeeks(t, 8, 7) // a fall of exactly 10 points
	if got := e.notices.all(); len(got) != 0 {
		t.Fatalf("notices for a fall of 10 points: %v", got)
	}
}

func TestAuditNotifier(t *testing.T) {
	t.Parallel()
	rec := &svRecorder{}
	n := feedback.NewAuditNotifier(rec)
	err := n.NotifyTrustDrop(t.Context(), feedback.TrustDrop{Agency: "agencies/metro", Area: "north", Interval: feedbackv1.Interval_INTERVAL_WEEK})
	must(t, "notify", err)
	want := []audit.Event{{
		Agency: "metro", Actor: "services/feedback", Method: "/engage.feedback.v1.StatsService/TrustIndexDrop",
		Resource: "agencies/metro/trustIndex", Outcome: "TRUST_INDEX_DROP", Service: "feedback",
		Details: map[string]string{"area": "north", "interval": "INTERVAL_WEEK"},
	}}
	got := rec.withOutcome("TRUST_INDEX_DROP")
	if d := cmp.Diff(want, got, cmpopts.IgnoreFields(audit.Event{}, "Time")); d != "" {
		t.Fatalf("events (-want +got):\n%s", d)
	}
	if tm := got[0].Time; tm.IsZero() || !tm.Equal(tm.Truncate(time.Hour)) {
		t.Fatalf("event time %v, want a whole hour", tm)
	}
}
