package feedback_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/feedback"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/testing/protocmp"
)

// noticeClient is the Alerts client of the tests: it keeps the notices
// asked for and answers with err.
type noticeClient struct {
	alertsv1.AlertServiceClient // any other method panics

	mu   sync.Mutex
	reqs []*alertsv1.RaiseStaffNoticeRequest
	err  error
}

func (c *noticeClient) RaiseStaffNotice(_ context.Context, in *alertsv1.RaiseStaffNoticeRequest, _ ...grpc.CallOption) (*alertsv1.Alert, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reqs = append(c.reqs, in)
	if c.err != nil {
		return nil, c.err
	}
	return &alertsv1.Alert{Name: in.GetParent() + "/alerts/notice"}, nil
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestAlertsNotifier(t *testing.T) {
	t.Parallel()
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	may := time.Date(2026, 5, 1, 0, 0, 0, 0, chicago)
	drop := feedback.TrustDrop{
		Agency: "agencies/metro", Area: "north", Interval: feedbackv1.Interval_INTERVAL_MONTH,
		PeriodStart: may, PreviousStart: may.AddDate(0, -1, 0),
		Score: 54.25, PreviousScore: 72.5, Responses: 31,
	}
	c := &noticeClient{}
	n := feedback.NewAlertsNotifier(c)
	if err := n.NotifyTrustDrop(t.Context(), drop); err != nil {
		t.Fatal(err)
	}
	got := c.reqs[0]
	want := &alertsv1.RaiseStaffNoticeRequest{
		Parent:   "agencies/metro",
		Event:    "Trust Index drop",
		Headline: "Trust Index fell 18.2 points in north",
		Description: "The Trust Index in north fell from 72.5 in April 2026 to 54.2 in May 2026 (31 responses). " +
			"See the Trust Index of the Feedback service for the dimensions and their confidence intervals.",
		Area:      "north",
		RequestId: got.GetRequestId(),
	}
	if d := cmp.Diff(want, got, protocmp.Transform()); d != "" {
		t.Fatalf("notice (-want +got):\n%s", d)
	}
	if !uuidPattern.MatchString(got.GetRequestId()) {
		t.Fatalf("request id %q is not a UUID", got.GetRequestId())
	}

	// The same drop, notified again, even with other scores (a second
	// process counting one more answer), raises the same notice; another
	// agency, area, interval or period is another notice.
	again := drop
	again.Score, again.Responses = 53, 32
	variants := map[string]func(d *feedback.TrustDrop){
		"agency":   func(d *feedback.TrustDrop) { d.Agency = "agencies/river" },
		"area":     func(d *feedback.TrustDrop) { d.Area = "south" },
		"interval": func(d *feedback.TrustDrop) { d.Interval = feedbackv1.Interval_INTERVAL_WEEK },
		"period":   func(d *feedback.TrustDrop) { d.PeriodStart = d.PeriodStart.AddDate(0, 1, 0) },
	}
	if err := n.NotifyTrustDrop(t.Context(), again); err != nil {
		t.Fatal(err)
	}
	if c.reqs[1].GetRequestId() != got.GetRequestId() {
		t.Fatalf("the same drop notified again has request id %s, first %s", c.reqs[1].GetRequestId(), got.GetRequestId())
	}
	unspecified := drop
	unspecified.Interval = feedbackv1.Interval_INTERVAL_UNSPECIFIED
	if err := n.NotifyTrustDrop(t.Context(), unspecified); err != nil {
		t.Fatal(err)
	}
	if c.reqs[2].GetRequestId() != got.GetRequestId() {
		t.Fatal("an unspecified interval (a month) gives another request id than MONTH")
	}
	seen := map[string]string{got.GetRequestId(): "first"}
	for name, change := range variants {
		d := drop
		change(&d)
		if err := n.NotifyTrustDrop(t.Context(), d); err != nil {
			t.Fatal(err)
		}
		id := c.reqs[len(c.reqs)-1].GetRequestId()
		if prev, ok := seen[id]; ok {
			t.Fatalf("another %s gives the request id of %s", name, prev)
		}
		seen[id] = name
	}
}

func TestAlertsNotifierText(t *testing.T) {
	t.Parallel()
	week := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
	long := strings.Repeat("Riverside and the old mill district ", 20)
	tests := []struct {
		name                 string
		area                 string
		interval             feedbackv1.Interval
		headline, descPrefix string
		wantArea             string
		headlineLen          int
	}{
		{
			name: "whole agency, weekly", interval: feedbackv1.Interval_INTERVAL_WEEK,
			headline:   "Trust Index fell 10.0 points across the agency",
			descPrefix: "The Trust Index across the agency fell from 70.0 in the week of 2026-04-27 to 60.0 in the week of 2026-05-04 (12 responses).",
		},
		{
			name: "long area", area: long, interval: feedbackv1.Interval_INTERVAL_WEEK,
			wantArea: string([]rune(long)[:500]), headlineLen: 160,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &noticeClient{}
			err := feedback.NewAlertsNotifier(c).NotifyTrustDrop(t.Context(), feedback.TrustDrop{
				Agency: "agencies/metro", Area: tt.area, Interval: tt.interval,
				PeriodStart: week, PreviousStart: week.AddDate(0, 0, -7),
				Score: 60, PreviousScore: 70, Responses: 12,
			})
			if err != nil {
				t.Fatal(err)
			}
			got := c.reqs[0]
			if tt.headline != "" && got.GetHeadline() != tt.headline {
				t.Errorf("headline %q, want %q", got.GetHeadline(), tt.headline)
			}
			if !strings.HasPrefix(got.GetDescription(), tt.descPrefix) {
				t.Errorf("description %q, want it to start %q", got.GetDescription(), tt.descPrefix)
			}
			if got.GetArea() != tt.wantArea {
				t.Errorf("area %q, want %q", got.GetArea(), tt.wantArea)
			}
			if tt.headlineLen > 0 && len([]rune(got.GetHeadline())) != tt.headlineLen {
				t.Errorf("headline of %d characters, want %d", len([]rune(got.GetHeadline())), tt.headlineLen)
			}
		})
	}
}

func TestAlertsNotifierFails(t *testing.T) {
	t.Parallel()
	c := &noticeClient{err: status.Error(codes.Unavailable, "alerts is down")}
	err := feedback.NewAlertsNotifier(c).NotifyTrustDrop(t.Context(), feedback.TrustDrop{
		Agency: "agencies/metro", PeriodStart: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC),
	})
	if status.Code(errors.Unwrap(err)) != codes.Unavailable {
		t.Fatalf("error %v, want the client's UNAVAILABLE wrapped", err)
	}
}
