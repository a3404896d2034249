package alerts_test

import (
	"strings"
	"testing"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/engagehq/engage/services/internal/alerts"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// notice is a Trust Index drop notice for metro's north district.
func notice() *alertsv1.RaiseStaffNoticeRequest {
	return &alertsv1.RaiseStaffNoticeRequest{
		Parent:      "agencies/metro",
		Event:       "Trust Index drop",
		Headline:    "Trust Index fell 18.2 points in north",
		Description: "The Trust Index in north fell from 72.5 in April 2026 to 54.2 in May 2026 (31 responses).",
		Area:        "north",
		RequestId:   "5d6e7f80-91a2-4b3c-8d4e-5f60718293a4",
	}
}

func TestRaiseStaffNotice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	got, err := e.alerts.RaiseStaffNotice(e.service().ctx(t), notice())
	must(t, "RaiseStaffNotice", err)
	want := &alertsv1.Alert{
		Name:        got.GetName(),
		State:       alertsv1.Alert_STATE_PUBLISHED,
		MessageId:   got.GetMessageId(),
		Sender:      "metro@engage.example.org",
		SendTime:    timestamppb.New(start),
		Status:      alertsv1.Status_STATUS_ACTUAL,
		MessageType: alertsv1.MessageType_MESSAGE_TYPE_ALERT,
		Scope:       alertsv1.Scope_SCOPE_RESTRICTED,
		Restriction: "The agency's staff only",
		Infos: []*alertsv1.Info{{
			Categories:    []alertsv1.Category{alertsv1.Category_CATEGORY_OTHER},
			Event:         "Trust Index drop",
			ResponseTypes: []alertsv1.ResponseType{alertsv1.ResponseType_RESPONSE_TYPE_ASSESS},
			Urgency:       alertsv1.Urgency_URGENCY_FUTURE,
			Severity:      alertsv1.Severity_SEVERITY_MINOR,
			Certainty:     alertsv1.Certainty_CERTAINTY_OBSERVED,
			Headline:      notice().GetHeadline(),
			Description:   notice().GetDescription(),
			ExpireTime:    timestamppb.New(start.Add(alerts.NoticeLifetime)),
			Areas:         []*alertsv1.Area{{Description: "north"}},
		}},
		Author:     "services/feedback",
		Publisher:  "services/feedback",
		CreateTime: timestamppb.New(start),
		UpdateTime: timestamppb.New(start),
		Etag:       got.GetEtag(),
	}
	diff(t, "notice", got, want)
	es := e.events(t)
	if len(es) != 1 || es[0].Type != alertsv1.StreamAlertsResponse_EVENT_TYPE_PUBLISHED || es[0].Alert.GetName() != got.GetName() {
		t.Fatalf("events = %v", es)
	}
	if !strings.HasPrefix(got.GetMessageId(), "urn:uuid:") {
		t.Fatalf("message id %q", got.GetMessageId())
	}

	// Staff read it; residents and the public do not.
	read, err := e.alerts.GetAlert(e.author().ctx(t), &alertsv1.GetAlertRequest{Name: got.GetName()})
	must(t, "staff read it", err)
	diff(t, "read by staff", read, got, protocmp.IgnoreFields(&alertsv1.Alert{}, "delivery_count"))
	_, err = e.alerts.GetAlert(e.resident("alice").ctx(t), &alertsv1.GetAlertRequest{Name: got.GetName()})
	wantCode(t, "a resident reads it", err, codes.NotFound)
	_, err = e.alerts.GetAlert(anonymous(t), &alertsv1.GetAlertRequest{Name: got.GetName()})
	wantCode(t, "the public reads it", err, codes.NotFound)
}

func TestRaiseStaffNoticeOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first, err := e.alerts.RaiseStaffNotice(e.service().ctx(t), notice())
	must(t, "RaiseStaffNotice", err)
	// The same notice again, with figures that moved since: the first.
	e.clock.Advance(time.Minute)
	again := notice()
	again.Headline, again.Description = "Trust Index fell 19.0 points in north", "Other figures."
	got, err := e.alerts.RaiseStaffNotice(e.service().ctx(t), again)
	must(t, "raised again", err)
	diff(t, "raised again", got, first)
	if n := len(e.events(t)); n != 1 {
		t.Fatalf("%d events, want 1", n)
	}
	// The same request id for another event is refused.
	other := notice()
	other.Event = "Something else"
	_, err = e.alerts.RaiseStaffNotice(e.service().ctx(t), other)
	wantField(t, "request id reused", err, "request_id")
	// Another request id is another notice.
	next := notice()
	next.RequestId = "6e7f8091-a2b3-4c4d-9e5f-60718293a4b5"
	second, err := e.alerts.RaiseStaffNotice(e.service().ctx(t), next)
	must(t, "another notice", err)
	if second.GetName() == first.GetName() {
		t.Fatal("another request id returned the first notice")
	}
}

func TestRaiseStaffNoticeJurisdictionAndRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	whole := notice()
	whole.Area = ""
	got, err := e.alerts.RaiseStaffNotice(e.service().ctx(t), whole)
	must(t, "a notice of the whole jurisdiction", err)
	if a := got.GetInfos()[0].GetAreas(); len(a) != 1 || a[0].GetDescription() != "The agency's jurisdiction" || len(a[0].GetPolygons())+len(a[0].GetCircles())+len(a[0].GetGeocodes()) != 0 {
		t.Fatalf("areas = %v", a)
	}

	for _, u := range []struct {
		who string
		u   *user
	}{{"an alert author", e.author()}, {"an agency admin", e.admin()}, {"a resident", e.resident("alice")}} {
		_, err := e.alerts.RaiseStaffNotice(u.u.ctx(t), notice())
		wantCode(t, u.who, err, codes.PermissionDenied)
	}
	_, err = e.alerts.RaiseStaffNotice(anonymous(t), notice())
	wantCode(t, "anonymous", err, codes.Unauthenticated)
	unknown := notice()
	unknown.Parent = "agencies/nowhere"
	_, err = e.alerts.RaiseStaffNotice(e.service().ctx(t), unknown)
	wantCode(t, "an unknown agency", err, codes.NotFound)

	tests := []struct {
		name   string
		change func(r *alertsv1.RaiseStaffNoticeRequest)
		field  string
	}{
		{"no request id", func(r *alertsv1.RaiseStaffNoticeRequest) { r.RequestId = "" }, "request_id"},
		{"no event", func(r *alertsv1.RaiseStaffNoticeRequest) { r.Event = "" }, "event"},
		{"no headline", func(r *alertsv1.RaiseStaffNoticeRequest) { r.Headline = "" }, "headline"},
		{"long headline", func(r *alertsv1.RaiseStaffNoticeRequest) { r.Headline = strings.Repeat("x", 161) }, "headline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := notice()
			tt.change(r)
			_, err := e.alerts.RaiseStaffNotice(e.service().ctx(t), r)
			wantField(t, tt.name, err, tt.field)
		})
	}
}
