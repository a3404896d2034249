package alerts_test

import (
	"testing"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// badAlerts are alerts each wrong in one way, and the field the refusal
// names (relative to the alert).
var badAlerts = []struct {
	name  string
	field string
	spoil func(a *alertsv1.Alert)
}{
	{"no status", ".status", func(a *alertsv1.Alert) { a.Status = alertsv1.Status_STATUS_UNSPECIFIED }},
	{"no scope", ".scope", func(a *alertsv1.Alert) { a.Scope = alertsv1.Scope_SCOPE_UNSPECIFIED }},
	{"restricted without restriction", ".restriction", func(a *alertsv1.Alert) { a.Scope = alertsv1.Scope_SCOPE_RESTRICTED }},
	{"no info", ".infos", func(a *alertsv1.Alert) { a.Infos = nil }},
	{"two blocks in one language", ".infos[1].language_code", func(a *alertsv1.Alert) {
		b := proto.Clone(a.Infos[0]).(*alertsv1.Info)
		b.LanguageCode = "EN-us"
		a.Infos = append(a.Infos, b)
	}},
	{"an empty language is en-US", ".infos[1].language_code", func(a *alertsv1.Alert) {
		b := proto.Clone(a.Infos[0]).(*alertsv1.Info)
		b.LanguageCode = ""
		a.Infos = append(a.Infos, b)
	}},
	{"unspecified severity", ".infos[0].severity", func(a *alertsv1.Alert) { a.Infos[0].Severity = alertsv1.Severity_SEVERITY_UNSPECIFIED }},
	{"unknown severity value", ".infos[0].severity", func(a *alertsv1.Alert) { a.Infos[0].Severity = 42 }},
	{"unspecified urgency", ".infos[0].urgency", func(a *alertsv1.Alert) { a.Infos[0].Urgency = 0 }},
	{"empty headline", ".infos[0].headline", func(a *alertsv1.Alert) { a.Infos[0].Headline = "" }},
	{"blank headline", ".infos[0].headline", func(a *alertsv1.Alert) { a.Infos[0].Headline = "   " }},
	{"blank event", ".infos[0].event", func(a *alertsv1.Alert) { a.Infos[0].Event = " " }},
	{"no expiry", ".infos[0].expire_time", func(a *alertsv1.Alert) { a.Infos[0].ExpireTime = nil }},
	{"expires before effective", ".infos[0].expire_time", func(a *alertsv1.Alert) {
		a.Infos[0].EffectiveTime = timestamppb.New(a.Infos[0].GetExpireTime().AsTime().Add(time.Minute))
	}},
	{"expires at onset", ".infos[0].expire_time", func(a *alertsv1.Alert) { a.Infos[0].OnsetTime = a.Infos[0].GetExpireTime() }},
	{"a year typo", ".infos[0].expire_time", func(a *alertsv1.Alert) {
		a.Infos[0].ExpireTime = timestamppb.New(time.Date(20260, 1, 1, 0, 0, 0, 0, time.UTC))
	}},
	{"polygon that does not close", ".infos[0].areas[0].polygons[0].points", func(a *alertsv1.Alert) {
		pts := a.Infos[0].Areas[0].Polygons[0].Points
		pts[len(pts)-1] = &latlng.LatLng{Latitude: 41.9, Longitude: -87.6}
	}},
	{"polygon of three points", ".infos[0].areas[0].polygons[0].points", func(a *alertsv1.Alert) {
		a.Infos[0].Areas[0].Polygons[0].Points = square(41.88, -87.63, 0.01)[:3]
	}},
	{"latitude off the globe", ".infos[0].areas[0].polygons[0].points[2].latitude", func(a *alertsv1.Alert) {
		a.Infos[0].Areas[0].Polygons[0].Points[2].Latitude = 91
	}},
	{"longitude off the globe", ".infos[0].areas[0].circles[0].center.longitude", func(a *alertsv1.Alert) {
		a.Infos[0].Areas[0].Circles = []*alertsv1.Circle{{Center: &latlng.LatLng{Latitude: 41, Longitude: -181}, RadiusKm: 1}}
	}},
	{"no area", ".infos[0].areas", func(a *alertsv1.Alert) { a.Infos[0].Areas = nil }},
	{"blank area", ".infos[0].areas[0].description", func(a *alertsv1.Alert) { a.Infos[0].Areas[0].Description = " " }},
}

func TestBadInputIsRefusedAndNothingStored(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orig := e.publish(t, content(alertsv1.Severity_SEVERITY_MINOR, start))
	draft := e.create(t, e.author(), content(alertsv1.Severity_SEVERITY_MINOR, start))
	for _, tt := range badAlerts {
		t.Run(tt.name, func(t *testing.T) {
			a := content(alertsv1.Severity_SEVERITY_MINOR, start)
			tt.spoil(a)
			_, err := e.alerts.CreateAlert(e.author().ctx(t), &alertsv1.CreateAlertRequest{Parent: "agencies/metro", Alert: a})
			wantField(t, "CreateAlert", err, "alert"+tt.field)

			_, err = e.alerts.SupersedeAlert(e.author().ctx(t), &alertsv1.SupersedeAlertRequest{Name: orig.GetName(), Alert: a})
			wantField(t, "SupersedeAlert", err, "alert"+tt.field)

			a.Name = draft.GetName()
			_, err = e.alerts.UpdateAlert(e.author().ctx(t), &alertsv1.UpdateAlertRequest{Alert: a, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"*"}}})
			wantField(t, "UpdateAlert", err, "alert"+tt.field)
		})
	}
	all := listNames(t, e, e.author().ctx(t), &alertsv1.ListAlertsRequest{Parent: "agencies/metro", States: []alertsv1.Alert_State{
		alertsv1.Alert_STATE_DRAFT, alertsv1.Alert_STATE_PENDING_APPROVAL, alertsv1.Alert_STATE_PUBLISHED,
	}})
	diff(t, "alerts after the refusals", all, []string{draft.GetName(), orig.GetName()})
	got, err := e.alerts.GetAlert(e.author().ctx(t), &alertsv1.GetAlertRequest{Name: draft.GetName()})
	must(t, "GetAlert", err)
	if got.GetEtag() != draft.GetEtag() {
		t.Errorf("a refused update changed the draft: %v", got)
	}
	if n := len(e.events(t)); n != 1 {
		t.Errorf("%d events after the refusals, want 1", n)
	}
}

func TestBadRequestFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.create(t, e.author(), content(alertsv1.Severity_SEVERITY_MINOR, start))
	// Without a mask, an update changes the fields it sets.
	u, err := e.alerts.UpdateAlert(e.author().ctx(t), &alertsv1.UpdateAlertRequest{Alert: &alertsv1.Alert{Name: d.GetName(), Note: "x"}})
	must(t, "UpdateAlert without a mask", err)
	if u.GetNote() != "x" || u.GetStatus() != d.GetStatus() || len(u.GetInfos()) != 1 {
		t.Errorf("update without a mask = %v", u)
	}
	// An output-only field in the mask is ignored; alone, it changes
	// nothing, which is refused.
	u, err = e.alerts.UpdateAlert(e.author().ctx(t), &alertsv1.UpdateAlertRequest{
		Alert: &alertsv1.Alert{Name: d.GetName(), Note: "y", Author: "accounts/mallory"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"author", "note", "etag"}},
	})
	must(t, "UpdateAlert naming an output field", err)
	if u.GetNote() != "y" || u.GetAuthor() != d.GetAuthor() {
		t.Errorf("update naming an output field = %v", u)
	}
	_, err = e.alerts.UpdateAlert(e.author().ctx(t), &alertsv1.UpdateAlertRequest{
		Alert: &alertsv1.Alert{Name: d.GetName(), Note: "x"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"author"}},
	})
	wantField(t, "UpdateAlert of an output field alone", err, "update_mask")
	_, err = e.alerts.UpdateAlert(e.author().ctx(t), &alertsv1.UpdateAlertRequest{
		Alert: &alertsv1.Alert{Name: d.GetName(), Note: "x"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"note", "urgency"}},
	})
	wantField(t, "UpdateAlert of an unknown field", err, "update_mask")
	_, err = e.alerts.CreateAlert(e.author().ctx(t), &alertsv1.CreateAlertRequest{Parent: "agencies/nowhere", Alert: content(alertsv1.Severity_SEVERITY_MINOR, start)})
	wantCode(t, "CreateAlert in an unknown agency", err, codes.PermissionDenied) // no role there
	_, err = e.alerts.GetAlert(anonymous(t), &alertsv1.GetAlertRequest{Name: "agencies/metro/posts/x"})
	wantField(t, "GetAlert of a bad name", err, "name")
	_, err = e.alerts.CancelAlert(e.author().ctx(t), &alertsv1.CancelAlertRequest{Name: d.GetName()})
	wantField(t, "CancelAlert without a reason", err, "reason")
}
