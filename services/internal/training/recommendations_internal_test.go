package training

import (
	"strings"
	"testing"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestTrend(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name            string
		count, previous int64
		want            trainingv1.Trend
	}{
		{"none either time", 0, 0, trainingv1.Trend_TREND_STEADY},
		{"new", 3, 0, trainingv1.Trend_TREND_NEW},
		{"up by exactly a fifth", 12, 10, trainingv1.Trend_TREND_STEADY},
		{"up by more than a fifth", 13, 10, trainingv1.Trend_TREND_RISING},
		{"down by exactly a fifth", 8, 10, trainingv1.Trend_TREND_STEADY},
		{"down by more than a fifth", 7, 10, trainingv1.Trend_TREND_FALLING},
		{"down to none", 0, 4, trainingv1.Trend_TREND_FALLING},
		{"same", 6, 6, trainingv1.Trend_TREND_STEADY},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := trend(tc.count, tc.previous); got != tc.want {
				t.Fatalf("trend(%d, %d) = %s, want %s", tc.count, tc.previous, got, tc.want)
			}
		})
	}
}

func TestRecommend(t *testing.T) {
	t.Parallel()
	course := func(id, title string, categories ...string) *trainingv1.Course {
		return &trainingv1.Course{Name: "agencies/metro/courses/" + id, Title: title, FeedbackCategories: categories}
	}
	retired := course("old", "Old courtesy", "courtesy")
	retired.DeleteTime = timestamppb.Now()
	courses := []*trainingv1.Course{
		course("courtesy", "Courtesy", "courtesy", "use_of_force"),
		course("force", "Force", "use_of_force"),
		course("steady", "A steady one", "wait_time"),
		course("quiet", "Quiet", "parking"),
		course("twin", "Twin", "wait_time"),
		retired,
	}
	counts := []*feedbackv1.CategoryCount{
		{Category: "courtesy", Count: 11, PreviousCount: 6},
		{Category: "use_of_force", Count: 3},
		{Category: "wait_time", Count: 14, PreviousCount: 20},
		{Category: "parking", PreviousCount: 2},
		{Category: "language", Count: 5, PreviousCount: 5},
		{Category: "noise", Count: 9},
	}
	ev := func(c string, n, prev int64, tr trainingv1.Trend) *trainingv1.CategoryEvidence {
		return &trainingv1.CategoryEvidence{Category: c, Count: n, PreviousCount: prev, Trend: tr}
	}
	courtesy := &trainingv1.Recommendation{
		Course: "agencies/metro/courses/courtesy", CourseTitle: "Courtesy", Rank: 1,
		ComplaintCount: 14, PreviousComplaintCount: 6, Trend: trainingv1.Trend_TREND_RISING,
		Evidence: []*trainingv1.CategoryEvidence{
			ev("courtesy", 11, 6, trainingv1.Trend_TREND_RISING), ev("use_of_force", 3, 0, trainingv1.Trend_TREND_NEW),
		},
	}
	waitTime := []*trainingv1.CategoryEvidence{ev("wait_time", 14, 20, trainingv1.Trend_TREND_FALLING)}
	want := []*trainingv1.Recommendation{
		// 14 complaints each: the one that rose comes first, then titles.
		courtesy,
		{Course: "agencies/metro/courses/steady", CourseTitle: "A steady one", Rank: 2, ComplaintCount: 14, PreviousComplaintCount: 20, Trend: trainingv1.Trend_TREND_FALLING, Evidence: waitTime},
		{Course: "agencies/metro/courses/twin", CourseTitle: "Twin", Rank: 3, ComplaintCount: 14, PreviousComplaintCount: 20, Trend: trainingv1.Trend_TREND_FALLING, Evidence: waitTime},
		{Course: "agencies/metro/courses/force", CourseTitle: "Force", Rank: 4, ComplaintCount: 3, Trend: trainingv1.Trend_TREND_NEW, Evidence: []*trainingv1.CategoryEvidence{ev("use_of_force", 3, 0, trainingv1.Trend_TREND_NEW)}},
	}
	wantUnaddressed := []*trainingv1.CategoryEvidence{
		ev("noise", 9, 0, trainingv1.Trend_TREND_NEW), ev("language", 5, 5, trainingv1.Trend_TREND_STEADY),
	}
	for _, tc := range []struct {
		name  string
		limit int
		want  []*trainingv1.Recommendation
	}{
		{"all", 10, want},
		{"the best two", 2, want[:2]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			recs, unaddressed := recommend(courses, counts, tc.limit)
			if d := cmp.Diff(tc.want, recs, protocmp.Transform()); d != "" {
				t.Errorf("recommendations (-want +got):\n%s", d)
			}
			if d := cmp.Diff(wantUnaddressed, unaddressed, protocmp.Transform()); d != "" {
				t.Errorf("unaddressed categories (-want +got):\n%s", d)
			}
		})
	}
}

func TestRecommendationReason(t *testing.T) {
	t.Parallel()
	sum := func(area string) *feedbackv1.ComplaintSummary {
		return &feedbackv1.ComplaintSummary{
			Area:      area,
			StartTime: timestamppb.New(time.Date(2026, 8, 25, 0, 0, 0, 0, time.UTC)),
			EndTime:   timestamppb.New(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)),
		}
	}
	ev := func(c string, n, prev int64) *trainingv1.CategoryEvidence {
		return &trainingv1.CategoryEvidence{Category: c, Count: n, PreviousCount: prev, Trend: trend(n, prev)}
	}
	many := &trainingv1.Recommendation{ComplaintCount: 200}
	for i := range 200 {
		many.Evidence = append(many.Evidence, ev("category_with_a_rather_long_name_"+strings.Repeat("x", i%7), 1, 1))
	}
	for _, tc := range []struct {
		name string
		rec  *trainingv1.Recommendation
		area string
		want string
	}{
		{
			name: "two categories",
			rec:  &trainingv1.Recommendation{ComplaintCount: 14, Evidence: []*trainingv1.CategoryEvidence{ev("courtesy", 11, 6), ev("use_of_force", 3, 0)}},
			area: "north",
			want: "14 complaints about courtesy (11, up from 6) and use_of_force (new: 3) in north, 2026-08-25 to 2026-11-23",
		},
		{
			name: "one category across the agency",
			rec:  &trainingv1.Recommendation{ComplaintCount: 1, Evidence: []*trainingv1.CategoryEvidence{ev("courtesy", 1, 4)}},
			want: "1 complaint about courtesy (down from 4) across the agency, 2026-08-25 to 2026-11-23",
		},
		{
			name: "three, one steady",
			rec:  &trainingv1.Recommendation{ComplaintCount: 9, Evidence: []*trainingv1.CategoryEvidence{ev("a", 5, 5), ev("b", 3, 0), ev("c", 1, 0)}},
			area: "south",
			want: "9 complaints about a (5, steady from 5), b (new: 3) and c (new: 1) in south, 2026-08-25 to 2026-11-23",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := recommendationReason(tc.rec, sum(tc.area)); got != tc.want {
				t.Fatalf("reason\n got %q\nwant %q", got, tc.want)
			}
		})
	}
	t.Run("too many categories", func(t *testing.T) {
		t.Parallel()
		got := recommendationReason(many, sum("north"))
		if len(got) > maxReasonLen || !strings.HasPrefix(got, "200 complaints about category_with") ||
			!strings.Contains(got, " other categories in north, 2026-08-25 to 2026-11-23") {
			t.Fatalf("reason of %d characters: %q", len(got), got)
		}
	})
}
