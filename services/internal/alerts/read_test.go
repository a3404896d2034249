package alerts_test

import (
	"context"
	"testing"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// listActive lists metro's active alerts as ctx's caller, by name.
func listActive(t testing.TB, e *env, ctx context.Context) []string {
	t.Helper()
	return listNames(t, e, ctx, &alertsv1.ListAlertsRequest{Parent: "agencies/metro"})
}

// listNames lists every page of req, by name.
func listNames(t testing.TB, e *env, ctx context.Context, req *alertsv1.ListAlertsRequest) []string {
	t.Helper()
	names := []string{}
	for range 100 {
		resp, err := e.alerts.ListAlerts(ctx, req)
		must(t, "ListAlerts", err)
		for _, a := range resp.GetAlerts() {
			names = append(names, a.GetName())
		}
		if resp.GetNextPageToken() == "" {
			return names
		}
		req.PageToken = resp.GetNextPageToken()
	}
	t.Fatal("ListAlerts does not end")
	return nil
}

func TestVisibility(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	public := e.publish(t, content(alertsv1.Severity_SEVERITY_MINOR, start))
	rc := content(alertsv1.Severity_SEVERITY_MINOR, start)
	rc.Scope, rc.Restriction = alertsv1.Scope_SCOPE_RESTRICTED, "Patrol officers"
	restricted := e.publish(t, rc)
	draft := e.create(t, e.author(), content(alertsv1.Severity_SEVERITY_MINOR, start))

	for _, who := range []struct {
		name string
		ctx  context.Context
	}{
		{"anonymous", anonymous(t)},
		{"a resident", e.resident("r").ctx(t)},
		{"another agency's author", e.otherAuthor().ctx(t)},
	} {
		got, err := e.alerts.GetAlert(who.ctx, &alertsv1.GetAlertRequest{Name: public.GetName()})
		must(t, who.name+" reading a public alert", err)
		if got.GetAuthor() != "" || got.GetPublisher() != "" || got.GetDeliveryCount() != 0 {
			t.Errorf("%s sees staff fields: %v", who.name, got)
		}
		for _, hidden := range []string{restricted.GetName(), draft.GetName(), "agencies/metro/alerts/missing"} {
			_, err := e.alerts.GetAlert(who.ctx, &alertsv1.GetAlertRequest{Name: hidden})
			wantCode(t, who.name+" reading "+hidden, err, codes.NotFound)
		}
		diff(t, who.name+"'s list", listActive(t, e, who.ctx), []string{public.GetName()})
		_, err = e.alerts.ListAlerts(who.ctx, &alertsv1.ListAlertsRequest{Parent: "agencies/metro", States: []alertsv1.Alert_State{alertsv1.Alert_STATE_DRAFT}})
		wantCode(t, who.name+" listing drafts", err, codes.PermissionDenied)
	}
	for _, who := range []*user{e.author(), e.approver(), e.admin(), e.service()} {
		for _, name := range []string{public.GetName(), restricted.GetName(), draft.GetName()} {
			got, err := e.alerts.GetAlert(who.ctx(t), &alertsv1.GetAlertRequest{Name: name})
			must(t, who.name()+" reading "+name, err)
			if got.GetAuthor() != e.author().name() {
				t.Errorf("%s does not see the author of %s", who.name(), name)
			}
		}
		diff(t, who.name()+"'s list", listActive(t, e, who.ctx(t)), []string{restricted.GetName(), public.GetName()})
		diff(t, who.name()+"'s drafts", listNames(t, e, who.ctx(t), &alertsv1.ListAlertsRequest{
			Parent: "agencies/metro", States: []alertsv1.Alert_State{alertsv1.Alert_STATE_DRAFT},
		}), []string{draft.GetName()})
	}
	_, err := e.alerts.GetAlert(anonymous(t), &alertsv1.GetAlertRequest{Name: "agencies/nowhere/alerts/x"})
	wantCode(t, "an alert of an unknown agency", err, codes.NotFound)
}

func TestListActiveOverTime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	now := e.clock.Now()
	soon := e.publish(t, content(alertsv1.Severity_SEVERITY_MINOR, now)) // expires now+1h
	lc := content(alertsv1.Severity_SEVERITY_MODERATE, now)
	lc.Infos[0].EffectiveTime = timestamppb.New(now.Add(30 * time.Minute))
	lc.Infos[0].ExpireTime = timestamppb.New(now.Add(3 * time.Hour))
	later := e.publish(t, lc)

	diff(t, "at first", listActive(t, e, anonymous(t)), []string{soon.GetName()})
	e.clock.Advance(30 * time.Minute)
	diff(t, "once the second is effective", listActive(t, e, anonymous(t)), []string{later.GetName(), soon.GetName()})
	e.clock.Advance(30 * time.Minute)
	diff(t, "when the first expires", listActive(t, e, anonymous(t)), []string{later.GetName()})
	// PUBLISHED, asked for by state, includes the expired.
	diff(t, "published by state", listNames(t, e, anonymous(t), &alertsv1.ListAlertsRequest{
		Parent: "agencies/metro", States: []alertsv1.Alert_State{alertsv1.Alert_STATE_PUBLISHED},
	}), []string{later.GetName(), soon.GetName()})
}

func TestListFiltersAndPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var names []string
	for i := range 5 {
		c := content(alertsv1.Severity_SEVERITY_MINOR, e.clock.Now())
		if i%2 == 1 {
			c.Infos[0].Severity = alertsv1.Severity_SEVERITY_MODERATE
			c.Infos[0].Categories = []alertsv1.Category{alertsv1.Category_CATEGORY_FIRE}
		}
		names = append([]string{e.publish(t, c).GetName()}, names...)
		e.clock.Advance(time.Second)
	}
	diff(t, "pages of 2", listNames(t, e, anonymous(t), &alertsv1.ListAlertsRequest{Parent: "agencies/metro", PageSize: 2}), names)
	diff(t, "moderate or worse", listNames(t, e, anonymous(t), &alertsv1.ListAlertsRequest{
		Parent: "agencies/metro", MinSeverity: alertsv1.Severity_SEVERITY_MODERATE, PageSize: 1,
	}), []string{names[1], names[3]})
	diff(t, "fire", listNames(t, e, anonymous(t), &alertsv1.ListAlertsRequest{
		Parent: "agencies/metro", Categories: []alertsv1.Category{alertsv1.Category_CATEGORY_FIRE},
	}), []string{names[1], names[3]})
	diff(t, "a point outside", listNames(t, e, anonymous(t), &alertsv1.ListAlertsRequest{
		Parent: "agencies/metro", Point: &latlng.LatLng{Latitude: 40, Longitude: -80},
	}), []string{})
	diff(t, "a point inside", listNames(t, e, anonymous(t), &alertsv1.ListAlertsRequest{
		Parent: "agencies/metro", Point: &latlng.LatLng{Latitude: 41.885, Longitude: -87.625}, PageSize: 3,
	}), names)
	resp, err := e.alerts.ListAlerts(anonymous(t), &alertsv1.ListAlertsRequest{Parent: "agencies/metro"})
	must(t, "ListAlerts", err)
	if resp.GetStreamCursor() != "5" {
		t.Errorf("stream cursor = %q, want 5", resp.GetStreamCursor())
	}
	// A page token is for the query it came from.
	first, err := e.alerts.ListAlerts(anonymous(t), &alertsv1.ListAlertsRequest{Parent: "agencies/metro", PageSize: 1})
	must(t, "ListAlerts", err)
	_, err = e.alerts.ListAlerts(anonymous(t), &alertsv1.ListAlertsRequest{Parent: "agencies/metro", PageSize: 1, PageToken: first.GetNextPageToken(), MinSeverity: alertsv1.Severity_SEVERITY_SEVERE})
	wantField(t, "a page token of another query", err, "page_token")
}

func TestListRefusesAPointOffTheGlobe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		p     *latlng.LatLng
		field string
	}{
		{&latlng.LatLng{Latitude: 999, Longitude: 0}, "point.latitude"},
		{&latlng.LatLng{Latitude: 0, Longitude: -181}, "point.longitude"},
	} {
		_, err := e.alerts.ListAlerts(anonymous(t), &alertsv1.ListAlertsRequest{Parent: "agencies/metro", Point: tc.p})
		wantField(t, "ListAlerts at "+tc.p.String(), err, tc.field)
	}
}
