package training_test

import (
	"net"
	"testing"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/training"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestRecommendations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.trainer("tr", "metro")
	ctx := tr.ctx(t)
	course := func(title string, categories ...string) string {
		t.Helper()
		out, err := e.courses.CreateCourse(ctx, &trainingv1.CreateCourseRequest{Parent: "agencies/metro", Course: &trainingv1.Course{Title: title, FeedbackCategories: categories}})
		must(t, "create course", err)
		return out.GetName()
	}
	courtesy := course("Courtesy first", "courtesy", "use_of_force")
	force := course("Force options", "use_of_force")
	course("Parking", "parking")
	retired := course("Old courtesy", "courtesy")
	_, err := e.courses.DeleteCourse(ctx, &trainingv1.DeleteCourseRequest{Name: retired})
	must(t, "retire a course", err)
	e.stats.mu.Lock()
	e.stats.summary = &feedbackv1.ComplaintSummary{Categories: []*feedbackv1.CategoryCount{
		{Category: "courtesy", Count: 11, PreviousCount: 6},
		{Category: "noise", Count: 4, PreviousCount: 4},
		{Category: "use_of_force", Count: 3},
	}}
	e.stats.mu.Unlock()

	got, err := e.reports.GetTrainingRecommendations(ctx, &trainingv1.GetTrainingRecommendationsRequest{
		Name: "agencies/metro/trainingRecommendations", Area: "north",
	})
	must(t, "recommendations", err)
	end := timestamppb.New(start)
	begin := timestamppb.New(start.Add(-90 * 24 * time.Hour))
	evidence := func(c string, n, prev int64, tr trainingv1.Trend) *trainingv1.CategoryEvidence {
		return &trainingv1.CategoryEvidence{Category: c, Count: n, PreviousCount: prev, Trend: tr}
	}
	want := &trainingv1.TrainingRecommendations{
		Name: "agencies/metro/trainingRecommendations", Area: "north", StartTime: begin, EndTime: end,
		Recommendations: []*trainingv1.Recommendation{
			{
				Course: courtesy, CourseTitle: "Courtesy first", Rank: 1, ComplaintCount: 14, PreviousComplaintCount: 6,
				Trend: trainingv1.Trend_TREND_RISING,
				Evidence: []*trainingv1.CategoryEvidence{
					evidence("courtesy", 11, 6, trainingv1.Trend_TREND_RISING), evidence("use_of_force", 3, 0, trainingv1.Trend_TREND_NEW),
				},
				Reason: "14 complaints about courtesy (11, up from 6) and use_of_force (new: 3) in north, 2026-08-25 to 2026-11-23",
			},
			{
				Course: force, CourseTitle: "Force options", Rank: 2, ComplaintCount: 3, Trend: trainingv1.Trend_TREND_NEW,
				Evidence: []*trainingv1.CategoryEvidence{evidence("use_of_force", 3, 0, trainingv1.Trend_TREND_NEW)},
				Reason:   "3 complaints about use_of_force (new: 3) in north, 2026-08-25 to 2026-11-23",
			},
		},
		UnaddressedCategories: []*trainingv1.CategoryEvidence{evidence("noise", 4, 4, trainingv1.Trend_TREND_STEADY)},
	}
	diff(t, "recommendations", got, want)

	e.stats.mu.Lock()
	call := e.stats.calls[len(e.stats.calls)-1]
	e.stats.mu.Unlock()
	diff(t, "the summary request", call, &feedbackv1.GetComplaintSummaryRequest{
		Name: "agencies/metro/complaintSummary", Area: "north", StartTime: begin, EndTime: end,
	})

	t.Run("a window, an end and a limit", func(t *testing.T) {
		got, err := e.reports.GetTrainingRecommendations(ctx, &trainingv1.GetTrainingRecommendationsRequest{
			Name: "agencies/metro/trainingRecommendations", Window: durationpb.New(7 * 24 * time.Hour),
			EndTime: timestamppb.New(start.Add(-time.Hour)), MaxResults: 1,
		})
		must(t, "recommendations", err)
		if len(got.GetRecommendations()) != 1 || got.GetRecommendations()[0].GetCourse() != courtesy {
			t.Fatalf("recommendations %v", got.GetRecommendations())
		}
		if got.GetStartTime().AsTime() != start.Add(-time.Hour-7*24*time.Hour) || got.GetEndTime().AsTime() != start.Add(-time.Hour) {
			t.Fatalf("window %v to %v", got.GetStartTime().AsTime(), got.GetEndTime().AsTime())
		}
	})

	t.Run("access", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			who  *user
			want codes.Code
		}{
			{"trainer of another agency", e.trainer("ot", "other"), codes.PermissionDenied},
			{"officer", e.officerAccount("o", "metro"), codes.PermissionDenied},
			{"resident", e.resident("r"), codes.PermissionDenied},
		} {
			_, err := e.reports.GetTrainingRecommendations(tc.who.ctx(t), &trainingv1.GetTrainingRecommendationsRequest{Name: "agencies/metro/trainingRecommendations"})
			wantCode(t, tc.name, err, tc.want)
		}
	})
}

func TestRecommendationsFeedbackFails(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want codes.Code
	}{
		{"unavailable", status.Error(codes.Unavailable, "connection refused"), codes.Unavailable},
		{"deadline", status.Error(codes.DeadlineExceeded, "too slow"), codes.Unavailable},
		{"not found", status.Error(codes.NotFound, "no such agency"), codes.NotFound},
		{"internal", status.Error(codes.Internal, "boom"), codes.Unavailable},
		{"permission", status.Error(codes.PermissionDenied, "bad service credential"), codes.Unavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.stats.err = tc.err
			_, err := e.reports.GetTrainingRecommendations(e.trainer("tr", "metro").ctx(t), &trainingv1.GetTrainingRecommendationsRequest{Name: "agencies/metro/trainingRecommendations"})
			wantCode(t, "recommendations", err, tc.want)
		})
	}
}

// TestRecommendationsFeedbackUnreachable calls a Feedback service that is
// not there: a real client to a closed local port.
func TestRecommendationsFeedbackUnreachable(t *testing.T) {
	t.Parallel()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, "listen", err)
	addr := lis.Addr().String()
	must(t, "close", lis.Close())
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	must(t, "client", err)
	t.Cleanup(func() { _ = conn.Close() })
	const timeout = 300 * time.Millisecond
	e := newEnv(t, func(c *training.Config) {
		c.Stats = feedbackv1.NewStatsServiceClient(conn)
		c.SummaryTimeout = timeout
	})
	ctx := e.trainer("tr", "metro").ctx(t)
	began := time.Now()
	_, err = e.reports.GetTrainingRecommendations(ctx, &trainingv1.GetTrainingRecommendationsRequest{Name: "agencies/metro/trainingRecommendations"})
	wantCode(t, "recommendations", err, codes.Unavailable)
	if took := time.Since(began); took > timeout+2*time.Second {
		t.Fatalf("UNAVAILABLE took %v", took)
	}
	if msg := status.Convert(err).Message(); msg == "" || msg == "unavailable" {
		t.Fatalf("message %q does not say what is unavailable", msg)
	}
	_, err = e.courses.ListCourses(ctx, &trainingv1.ListCoursesRequest{Parent: "agencies/metro"})
	must(t, "list courses with Feedback down", err)
}
