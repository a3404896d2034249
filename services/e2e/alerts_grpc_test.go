package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestAlertsGRPC: a partner system (an API key with alert_author) drafts
// and publishes over gRPC; its EXTREME alert waits for the agency's
// approver, and the partner may not approve it. A gRPC stream resuming
// from the list's cursor receives the approved alert; its CAP document
// over gRPC is valid CAP 1.2, and the partner imports a CAP message of its
// own, which is sent under the same rules.
func TestAlertsGRPC(t *testing.T) {
	t.Parallel()
	s := newAlertsSetup(t)
	p := s.p
	partner := p.must(200, "POST", s.base+"/partners", s.admin, map[string]any{
		"displayName": "Metro Transit", "roles": []string{"ROLE_ALERT_AUTHOR"},
	})
	asPartner := withAPIKey(t.Context(), str(partner["apiKey"]))
	client := alertsv1.NewAlertServiceClient(p.conn)

	listed, err := client.ListAlerts(t.Context(), &alertsv1.ListAlertsRequest{Parent: s.agency})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stream, err := client.StreamAlerts(ctx, &alertsv1.StreamAlertsRequest{Parent: s.agency, Cursor: listed.GetStreamCursor()})
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan *alertsv1.StreamAlertsResponse, 16)
	go func() {
		defer close(events)
		for {
			ev, err := stream.Recv()
			if err != nil {
				return
			}
			events <- ev
		}
	}()

	draft, err := client.CreateAlert(asPartner, &alertsv1.CreateAlertRequest{Parent: s.agency, Alert: &alertsv1.Alert{
		Status: alertsv1.Status_STATUS_ACTUAL, Scope: alertsv1.Scope_SCOPE_PUBLIC,
		Infos: []*alertsv1.Info{{
			LanguageCode: "en-US", Categories: []alertsv1.Category{alertsv1.Category_CATEGORY_TRANSPORT},
			Event: "Train derailment", Urgency: alertsv1.Urgency_URGENCY_IMMEDIATE,
			Severity: alertsv1.Severity_SEVERITY_EXTREME, Certainty: alertsv1.Certainty_CERTAINTY_OBSERVED,
			Headline:   "Blue Line derailment: evacuate the station area",
			ExpireTime: timestamppb.New(time.Now().Add(4 * time.Hour)),
			Areas: []*alertsv1.Area{{Description: "Clark/Lake station", Circles: []*alertsv1.Circle{{
				Center: &latlng.LatLng{Latitude: 41.8857, Longitude: -87.6309}, RadiusKm: 0.5,
			}}}},
		}},
	}})
	if err != nil {
		t.Fatalf("CreateAlert as a partner: %v", err)
	}
	pending, err := client.PublishAlert(asPartner, &alertsv1.PublishAlertRequest{Name: draft.GetName(), Etag: draft.GetEtag()})
	if err != nil || pending.GetState() != alertsv1.Alert_STATE_PENDING_APPROVAL {
		t.Fatalf("PublishAlert of an EXTREME alert = %v, %v; want pending approval", pending.GetState(), err)
	}
	if _, err := client.ApproveAlert(asPartner, &alertsv1.ApproveAlertRequest{Name: pending.GetName(), Etag: pending.GetEtag()}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("ApproveAlert by the partner: %v, want PERMISSION_DENIED", err)
	}
	sent, err := client.ApproveAlert(withToken(t.Context(), s.approver), &alertsv1.ApproveAlertRequest{Name: pending.GetName(), Etag: pending.GetEtag()})
	if err != nil || sent.GetState() != alertsv1.Alert_STATE_PUBLISHED {
		t.Fatalf("ApproveAlert by the approver = %v, %v; want published", sent.GetState(), err)
	}
	select {
	case ev, ok := <-events:
		if !ok {
			t.Fatal("the gRPC stream ended")
		}
		if ev.GetEventType() != alertsv1.StreamAlertsResponse_EVENT_TYPE_PUBLISHED || ev.GetAlert().GetName() != sent.GetName() || ev.GetCursor() == "" {
			t.Errorf("stream event = %v, want the publish of %s with a cursor", ev, sent.GetName())
		}
	case <-time.After(streamWait):
		t.Fatalf("the gRPC stream delivered nothing within %s", streamWait)
	}

	doc, err := client.GetAlertCap(t.Context(), &alertsv1.GetAlertCapRequest{Name: sent.GetName()})
	if err != nil {
		t.Fatalf("GetAlertCap: %v", err)
	}
	if !strings.HasPrefix(doc.GetContentType(), "application/cap+xml") {
		t.Errorf("CAP content type = %q", doc.GetContentType())
	}
	validateCAP(t, doc.GetData())

	// The partner imports a CAP message of its own: the document above
	// under a new identifier, MINOR, so it is sent at once.
	xmlDoc := string(doc.GetData())
	xmlDoc = strings.Replace(xmlDoc, "<identifier>"+sent.GetMessageId()+"</identifier>", "<identifier>metro-transit-2026-0001</identifier>", 1)
	xmlDoc = strings.Replace(xmlDoc, "<severity>Extreme</severity>", "<severity>Minor</severity>", 1)
	imported, err := client.ImportCapAlert(asPartner, &alertsv1.ImportCapAlertRequest{Parent: s.agency, CapXml: xmlDoc, Publish: true})
	if err != nil {
		t.Fatalf("ImportCapAlert: %v", err)
	}
	if imported.GetState() != alertsv1.Alert_STATE_PUBLISHED || imported.GetMessageId() != "metro-transit-2026-0001" ||
		imported.GetInfos()[0].GetSeverity() != alertsv1.Severity_SEVERITY_MINOR {
		t.Errorf("imported alert = %v, want published, its identifier kept, MINOR", imported)
	}
	if _, err := client.ImportCapAlert(asPartner, &alertsv1.ImportCapAlertRequest{
		Parent: s.agency, CapXml: `<!DOCTYPE alert><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>`,
	}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("ImportCapAlert with a DOCTYPE: %v, want INVALID_ARGUMENT", err)
	}
}
