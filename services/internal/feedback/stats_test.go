package feedback_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestFeedbackStatsSuppressSmallCells(t *testing.T) {
	t.Parallel()
	e := newFBEnv(t)
	// Ten rated complaints about courtesy in north (k = 10), nine
	// unrated ones about response time, one of them rated: too few to be
	// listed.
	for range 10 {
		e.submit(t, t.Context(), complaint("Rude"))
	}
	for i := range 9 {
		f := complaint("Slow")
		f.Category = "response_time"
		if i > 0 {
			f.Rating = nil
		}
		e.submit(t, t.Context(), f)
	}
	unrated := complaint("Rude, unrated")
	unrated.Area, unrated.Rating = "south", nil
	for range 10 {
		e.submit(t, t.Context(), unrated)
	}
	// May is still running: its cells are the staff's.
	staff := e.analyst("ana", "metro").ctx(t)
	got, err := e.stats.GetFeedbackStats(staff, &feedbackv1.GetFeedbackStatsRequest{Name: "agencies/metro/feedbackStats"})
	must(t, "stats", err)
	if got.GetTimeZone() != "America/Chicago" || got.GetMinCount() != 10 || got.GetInterval() != feedbackv1.Interval_INTERVAL_MONTH {
		t.Fatalf("stats header %v", got)
	}
	may := time.Date(2026, 5, 1, 5, 0, 0, 0, time.UTC) // midnight in Chicago
	june := time.Date(2026, 6, 1, 5, 0, 0, 0, time.UTC)
	rating := 2.0
	kind := feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLAINT
	start, end := timestamppb.New(may), timestamppb.New(june)
	// mean_sentiment is VADER's; compare the rest.
	for _, c := range got.GetCells() {
		c.MeanSentiment = 0
	}
	fbDiff(t, "cells", got.GetCells(), []*feedbackv1.FeedbackStatsCell{
		{StartTime: start, EndTime: end, Kind: kind, Category: "courtesy", Area: "north", Count: 10, MeanRating: &rating, Ongoing: true},
		{StartTime: start, EndTime: end, Kind: kind, Category: "courtesy", Area: "south", Count: 10, Ongoing: true},
	})

	week, err := e.stats.GetFeedbackStats(staff, &feedbackv1.GetFeedbackStatsRequest{
		Name: "agencies/metro/feedbackStats", Interval: feedbackv1.Interval_INTERVAL_WEEK, Area: "south",
		StartTime: timestamppb.New(fbStart.AddDate(0, 0, -7)), EndTime: timestamppb.New(fbStart),
	})
	must(t, "week stats", err)
	monday := time.Date(2026, 5, 4, 5, 0, 0, 0, time.UTC)
	if len(week.GetCells()) != 1 || !week.GetCells()[0].GetStartTime().AsTime().Equal(monday) || week.GetCells()[0].GetCount() != 10 {
		t.Fatalf("week cells %v", week.GetCells())
	}
	_, err = e.stats.GetFeedbackStats(t.Context(), &feedbackv1.GetFeedbackStatsRequest{
		Name: "agencies/metro/feedbackStats", StartTime: timestamppb.New(fbStart.AddDate(-6, 0, 0)), EndTime: timestamppb.New(fbStart),
	})
	wantField(t, "six years", err, "end_time")
	_, err = e.stats.GetFeedbackStats(t.Context(), &feedbackv1.GetFeedbackStatsRequest{Name: "agencies/nowhere/feedbackStats"})
	wantCode(t, "unknown agency", err, codes.NotFound)
}

// TestFeedbackStatsLeaveOutSmallCells checks that a cell of fewer than k
// submissions is not published at all: its category and area are what
// submitters typed, and even a row without figures would tell that
// someone submitted it.
func TestFeedbackStatsLeaveOutSmallCells(t *testing.T) {
	t.Parallel()
	e := newFBEnv(t)
	submit := func(n int, category, area string) {
		for i := range n {
			f := complaint(fmt.Sprintf("Complaint %d about %s", i, category))
			f.Category, f.Area = category, area
			e.submit(t, t.Context(), f)
		}
	}
	submit(9, "sgt_jones_harassed_me", "d9") // k - 1
	submit(10, "response_time", "d8")        // k
	// In June, May and its weeks are published.
	e.clock.Advance(30 * 24 * time.Hour)
	for _, tc := range []struct {
		name string
		req  *feedbackv1.GetFeedbackStatsRequest
		want int64 // the count of the response_time cell; 0 when not asked for
	}{
		{"every area by month", &feedbackv1.GetFeedbackStatsRequest{Name: "agencies/metro/feedbackStats"}, 10},
		{"every area by week", &feedbackv1.GetFeedbackStatsRequest{Name: "agencies/metro/feedbackStats", Interval: feedbackv1.Interval_INTERVAL_WEEK}, 10},
		{"the small cell's area", &feedbackv1.GetFeedbackStatsRequest{Name: "agencies/metro/feedbackStats", Area: "d9"}, 0},
		{"the large cell's area", &feedbackv1.GetFeedbackStatsRequest{Name: "agencies/metro/feedbackStats", Area: "d8"}, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.stats.GetFeedbackStats(t.Context(), tc.req)
			must(t, "stats", err)
			if text := prototext.Format(got); strings.Contains(text, "sgt_jones") || strings.Contains(text, `"d9"`) || strings.Contains(text, "suppressed") {
				t.Fatalf("the answer shows the small cell:\n%s", text)
			}
			var cells []string
			for _, c := range got.GetCells() {
				cells = append(cells, fmt.Sprintf("%s/%s/%d", c.GetCategory(), c.GetArea(), c.GetCount()))
			}
			var want []string
			if tc.want > 0 {
				want = []string{fmt.Sprintf("response_time/d8/%d", tc.want)}
			}
			fbDiff(t, "cells", cells, want)
		})
	}
}

func TestComplaintSummaryWindows(t *testing.T) {
	t.Parallel()
	e := newFBEnv(t)
	submit := func(category, area string, kind feedbackv1.FeedbackKind) {
		f := complaint("About " + category)
		f.Category, f.Area, f.Kind = category, area, kind
		e.submit(t, t.Context(), f)
	}
	// May 6: two courtesy complaints in north, one in south, a compliment.
	submit("courtesy", "north", feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLAINT)
	submit("courtesy", "north", feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLAINT)
	submit("use_of_force", "south", feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLAINT)
	submit("courtesy", "north", feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLIMENT)
	// May 8: one response-time complaint in north.
	e.clock.Advance(48 * time.Hour)
	submit("response_time", "north", feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLAINT)

	day := func(d, h int) *timestamppb.Timestamp {
		return timestamppb.New(time.Date(2026, 5, d, h, 0, 0, 0, time.UTC))
	}
	tests := []struct {
		name       string
		area       string
		start, end *timestamppb.Timestamp
		want       *feedbackv1.ComplaintSummary
	}{
		{"whole agency, rounded out to whole days", "", day(6, 12), day(8, 1), &feedbackv1.ComplaintSummary{
			Name: "agencies/metro/complaintSummary", StartTime: day(6, 0), EndTime: day(9, 0),
			Categories: []*feedbackv1.CategoryCount{
				{Category: "courtesy", Count: 2}, {Category: "response_time", Count: 1}, {Category: "use_of_force", Count: 1},
			},
		}},
		{"one area, with the window before", "north", day(8, 0), day(9, 0), &feedbackv1.ComplaintSummary{
			Name: "agencies/metro/complaintSummary", Area: "north", StartTime: day(8, 0), EndTime: day(9, 0),
			Categories: []*feedbackv1.CategoryCount{{Category: "response_time", Count: 1}},
		}},
		{"previous window only", "north", day(7, 0), day(8, 0), &feedbackv1.ComplaintSummary{
			Name: "agencies/metro/complaintSummary", Area: "north", StartTime: day(7, 0), EndTime: day(8, 0),
			Categories: []*feedbackv1.CategoryCount{{Category: "courtesy", PreviousCount: 2}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.stats.GetComplaintSummary(service(t), &feedbackv1.GetComplaintSummaryRequest{
				Name: "agencies/metro/complaintSummary", Area: tc.area, StartTime: tc.start, EndTime: tc.end})
			must(t, "summary", err)
			fbDiff(t, "summary", got, tc.want)
		})
	}
	req := &feedbackv1.GetComplaintSummaryRequest{Name: "agencies/metro/complaintSummary", StartTime: day(6, 0), EndTime: day(7, 0)}
	_, err := e.stats.GetComplaintSummary(e.staff("tra", "metro", accessv1.Role_ROLE_TRAINER).ctx(t), req)
	must(t, "a trainer", err)
	_, err = e.stats.GetComplaintSummary(e.resident("r").ctx(t), req)
	wantCode(t, "a resident", err, codes.PermissionDenied)
	_, err = e.stats.GetComplaintSummary(e.analyst("oli", "other").ctx(t), req)
	wantCode(t, "another agency's analyst", err, codes.PermissionDenied)
	_, err = e.stats.GetComplaintSummary(service(t), &feedbackv1.GetComplaintSummaryRequest{
		Name: "agencies/metro/complaintSummary", StartTime: day(7, 0), EndTime: day(6, 0)})
	wantField(t, "end before start", err, "end_time")
}

// TestStatsTimesOutOfRange checks that a time outside the years 1 to 9999
// is refused naming its field, not counted over.
func TestStatsTimesOutOfRange(t *testing.T) {
	t.Parallel()
	e := newFBEnv(t)
	year0 := &timestamppb.Timestamp{Seconds: -62135596800 - 86400}
	year10000 := &timestamppb.Timestamp{Seconds: 253402300800 + 86400}
	now := timestamppb.New(fbStart)
	tests := []struct {
		name       string
		start, end *timestamppb.Timestamp
		field      string
	}{
		{"start in year 0", year0, now, "start_time"},
		{"end in year 10000", nil, year10000, "end_time"},
		{"end in year 10000 after a start", now, year10000, "end_time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := e.stats.GetFeedbackStats(t.Context(), &feedbackv1.GetFeedbackStatsRequest{
				Name: "agencies/metro/feedbackStats", StartTime: tc.start, EndTime: tc.end,
			})
			wantField(t, "stats", err, tc.field)
			if tc.start == nil {
				return
			}
			_, err = e.stats.GetComplaintSummary(service(t), &feedbackv1.GetComplaintSummaryRequest{
				Name: "agencies/metro/complaintSummary", StartTime: tc.start, EndTime: tc.end,
			})
			wantField(t, "complaint summary", err, tc.field)
		})
	}
}
