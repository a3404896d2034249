package feedback_test

import (
	"context"
	"testing"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/feedback"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The public Trust Index and statistics publish a period once it has
// ended: read before and after one anonymous answer, the running period's
// figures would give that answer (n+1 times the new mean less n times the
// old) and when it came. These tests make that subtraction as the public
// and find nothing to subtract.

// lastPeriod returns the last period of a Trust Index.
func lastPeriod(t *testing.T, ti *feedbackv1.TrustIndex) *feedbackv1.TrustIndexPeriod {
	t.Helper()
	ps := ti.GetPeriods()
	if len(ps) == 0 {
		t.Fatalf("trust index without periods: %v", ti)
	}
	return ps[len(ps)-1]
}

func TestTrustIndexPublishedWhenPeriodEnds(t *testing.T) {
	t.Parallel()
	e := newSvEnv(t, feedback.Config{MinCellSize: 3})
	sv := e.mustSurvey(t, e.analyst("ana", "metro"), "metro", feedbackv1.Survey_KIND_GENERAL, true)
	// March 2026 in New York; the clock is on 10 March.
	march := time.Date(2026, 3, 1, 0, 0, 0, 0, e.newYork)
	april := march.AddDate(0, 1, 0)
	for _, r := range []int32{8, 6, 7, 9} {
		e.rate(t, sv.GetName(), "north", r, -1)
	}
	public := map[string]func() context.Context{
		"anonymous":            t.Context,
		"a resident":           func() context.Context { return e.resident("rita").ctx(t) },
		"the agency's partner": func() context.Context { return cad(t) },
		"another agency's analyst": func() context.Context {
			return e.analyst("oli", "other").ctx(t)
		},
		"an officer of the agency": func() context.Context { return e.staff("off", "metro", officer).ctx(t) },
	}
	staff := e.analyst("ana", "metro").ctx(t)
	get := func(ctx context.Context, interval feedbackv1.Interval) *feedbackv1.TrustIndex {
		t.Helper()
		ti, err := e.stats.GetTrustIndex(ctx, &feedbackv1.GetTrustIndexRequest{Name: "agencies/metro/trustIndex", Area: "north", Interval: interval})
		must(t, "trust index", err)
		return ti
	}
	ongoing := func(start, end time.Time) *feedbackv1.TrustIndexPeriod {
		return &feedbackv1.TrustIndexPeriod{StartTime: timestamppb.New(start), EndTime: timestamppb.New(end), Ongoing: true}
	}
	thisWeek := time.Date(2026, 3, 9, 0, 0, 0, 0, e.newYork)

	// The running month and week: no figures, not even whether they reach
	// k, before and after a fifth answer.
	before := map[string][]*feedbackv1.TrustIndex{}
	for who, ctx := range public {
		before[who] = []*feedbackv1.TrustIndex{get(ctx(), feedbackv1.Interval_INTERVAL_MONTH), get(ctx(), feedbackv1.Interval_INTERVAL_WEEK)}
		fbDiff(t, who+"'s running month", lastPeriod(t, before[who][0]), ongoing(march, april))
		fbDiff(t, who+"'s running week", lastPeriod(t, before[who][1]), ongoing(thisWeek, thisWeek.AddDate(0, 0, 7)))
	}
	staffBefore := lastPeriod(t, get(staff, feedbackv1.Interval_INTERVAL_MONTH))
	e.rate(t, sv.GetName(), "north", 2, -1)
	for who, ctx := range public {
		fbDiff(t, who+"'s month after one more answer", get(ctx(), feedbackv1.Interval_INTERVAL_MONTH), before[who][0])
		fbDiff(t, who+"'s week after one more answer", get(ctx(), feedbackv1.Interval_INTERVAL_WEEK), before[who][1])
	}

	// Staff follow the running month live.
	staffAfter := lastPeriod(t, get(staff, feedbackv1.Interval_INTERVAL_MONTH))
	if !staffBefore.GetOngoing() || staffBefore.GetResponseCount() != 4 || staffBefore.GetScore() != 75 {
		t.Fatalf("the staff's running month before = %v, want 4 answers scoring 75, in progress", staffBefore)
	}
	if !staffAfter.GetOngoing() || staffAfter.GetResponseCount() != 5 || staffAfter.GetScore() != 64 {
		t.Fatalf("the staff's running month after = %v, want 5 answers scoring 64, in progress", staffAfter)
	}

	// At midnight on 1 April March has ended: everyone gets its figures,
	// and April is running.
	e.setClock(april)
	for who, ctx := range public {
		ti := get(ctx(), feedbackv1.Interval_INTERVAL_MONTH)
		ps := ti.GetPeriods()
		if len(ps) < 2 {
			t.Fatalf("%s's months in April: %v", who, ti)
		}
		got := ps[len(ps)-2]
		if got.GetOngoing() || got.GetSuppressed() || got.GetResponseCount() != 5 || got.GetScore() != 64 || len(got.GetDimensions()) != 5 {
			t.Errorf("%s's March once ended = %v, want 5 answers scoring 64", who, got)
		}
		fbDiff(t, who+"'s April", ps[len(ps)-1], ongoing(april, april.AddDate(0, 1, 0)))
	}
	// An answer in April leaves March as it was.
	ended := get(t.Context(), feedbackv1.Interval_INTERVAL_MONTH).GetPeriods()
	e.rate(t, sv.GetName(), "north", 10, -1)
	fbDiff(t, "the months after an answer in April", get(t.Context(), feedbackv1.Interval_INTERVAL_MONTH).GetPeriods(), ended)
}

func TestFeedbackStatsPublishedWhenPeriodEnds(t *testing.T) {
	t.Parallel()
	e := newFBEnv(t)
	for range 10 { // k
		e.submit(t, t.Context(), complaint("Rude"))
	}
	staff := e.analyst("ana", "metro").ctx(t)
	public := map[string]func() context.Context{
		"an officer of the agency": func() context.Context { return e.staff("off", "metro", officer).ctx(t) },
		"anonymous":                t.Context,
		"a resident":               func() context.Context { return e.resident("rita").ctx(t) },
		"another agency's analyst": func() context.Context {
			return e.analyst("oli", "other").ctx(t)
		},
	}
	get := func(ctx context.Context, interval feedbackv1.Interval) *feedbackv1.FeedbackStats {
		t.Helper()
		st, err := e.stats.GetFeedbackStats(ctx, &feedbackv1.GetFeedbackStatsRequest{Name: "agencies/metro/feedbackStats", Interval: interval})
		must(t, "stats", err)
		return st
	}
	intervals := []feedbackv1.Interval{feedbackv1.Interval_INTERVAL_MONTH, feedbackv1.Interval_INTERVAL_WEEK}
	// May is running: the public gets no cell of it, before and after an
	// eleventh complaint.
	before := map[string][]*feedbackv1.FeedbackStats{}
	for who, ctx := range public {
		for _, i := range intervals {
			st := get(ctx(), i)
			if len(st.GetCells()) != 0 {
				t.Fatalf("%s's %s cells while it runs: %v", who, i, st.GetCells())
			}
			before[who] = append(before[who], st)
		}
	}
	live := get(staff, feedbackv1.Interval_INTERVAL_MONTH).GetCells()
	r := int32(5)
	e.submit(t, t.Context(), &feedbackv1.Feedback{
		Kind: feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLAINT, Category: "courtesy", Area: "north", Text: "Terrible, awful, rude.", Rating: &r,
	})
	for who, ctx := range public {
		for j, i := range intervals {
			fbDiff(t, who+"'s stats after one more complaint", get(ctx(), i), before[who][j])
		}
	}
	// Staff follow it live.
	after := get(staff, feedbackv1.Interval_INTERVAL_MONTH).GetCells()
	if len(live) != 1 || len(after) != 1 || !live[0].GetOngoing() || live[0].GetCount() != 10 || after[0].GetCount() != 11 {
		t.Fatalf("the staff's running May: %v, then %v; want 10, then 11, in progress", live, after)
	}

	// On 1 June at midnight in Chicago, May has ended, and so has the week
	// of 4 May.
	e.clock.Advance(time.Date(2026, 6, 1, 5, 0, 0, 0, time.UTC).Sub(e.clock.Now()))
	for who, ctx := range public {
		for _, i := range intervals {
			cells := get(ctx(), i).GetCells()
			if len(cells) != 1 || cells[0].GetOngoing() || cells[0].GetCount() != 11 || cells[0].GetMeanRating() != 25.0/11 {
				t.Errorf("%s's %s cells once May ended = %v, want the 11 complaints", who, i, cells)
			}
		}
	}
}
