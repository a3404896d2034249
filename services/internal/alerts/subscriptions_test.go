package alerts_test

import (
	"fmt"
	"testing"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/genproto/googleapis/type/timeofday"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// home is a subscription to safety alerts of at least MODERATE severity
// around a home downtown, quiet from 22:00 to 07:00 in Chicago.
func home() *alertsv1.Subscription {
	return &alertsv1.Subscription{
		DisplayName: "Home",
		Places:      []*alertsv1.Place{{Label: "Home", Point: &latlng.LatLng{Latitude: 41.885, Longitude: -87.625}}},
		Categories:  []alertsv1.Category{alertsv1.Category_CATEGORY_SAFETY},
		MinSeverity: alertsv1.Severity_SEVERITY_MODERATE,
		QuietHours: &alertsv1.QuietHours{
			Start: &timeofday.TimeOfDay{Hours: 22}, End: &timeofday.TimeOfDay{Hours: 7}, TimeZone: "America/Chicago",
		},
	}
}

// subscribe saves sub in metro as u.
func (e *env) subscribe(t testing.TB, u *user, sub *alertsv1.Subscription) *alertsv1.Subscription {
	t.Helper()
	got, err := e.subs.CreateSubscription(u.ctx(t), &alertsv1.CreateSubscriptionRequest{Parent: "agencies/metro", Subscription: sub})
	must(t, "CreateSubscription", err)
	return got
}

func TestSubscriptionLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.resident("alice")
	created := e.subscribe(t, alice, home())
	want := home()
	want.Name, want.Etag = created.GetName(), created.GetEtag()
	want.CreateTime, want.UpdateTime = timestamppb.New(start), timestamppb.New(start)
	diff(t, "created", created, want)

	got, err := e.subs.GetSubscription(alice.ctx(t), &alertsv1.GetSubscriptionRequest{Name: created.GetName()})
	must(t, "GetSubscription", err)
	diff(t, "read", got, want)

	// A masked update changes only what it names; the etag guards it.
	e.clock.Advance(time.Minute)
	updated, err := e.subs.UpdateSubscription(alice.ctx(t), &alertsv1.UpdateSubscriptionRequest{
		Subscription: &alertsv1.Subscription{Name: created.GetName(), DisplayName: "Home and school", Etag: created.GetEtag()},
		UpdateMask:   &fieldmaskpb.FieldMask{Paths: []string{"display_name"}},
	})
	must(t, "UpdateSubscription", err)
	want.DisplayName, want.Etag, want.UpdateTime = "Home and school", updated.GetEtag(), timestamppb.New(start.Add(time.Minute))
	diff(t, "updated", updated, want)
	if updated.GetEtag() == created.GetEtag() {
		t.Fatal("the etag did not change")
	}
	_, err = e.subs.UpdateSubscription(alice.ctx(t), &alertsv1.UpdateSubscriptionRequest{
		Subscription: &alertsv1.Subscription{Name: created.GetName(), DisplayName: "Stale", Etag: created.GetEtag()},
		UpdateMask:   &fieldmaskpb.FieldMask{Paths: []string{"display_name"}},
	})
	wantCode(t, "update with a stale etag", err, codes.FailedPrecondition)

	// Without a mask, an update changes the fields it sets; the etag and
	// output-only fields a client sends back are ignored.
	e.clock.Advance(time.Minute)
	renamed, err := e.subs.UpdateSubscription(alice.ctx(t), &alertsv1.UpdateSubscriptionRequest{
		Subscription: &alertsv1.Subscription{Name: created.GetName(), DisplayName: "Everything", Etag: updated.GetEtag(), CreateTime: timestamppb.New(start.Add(time.Hour))},
	})
	must(t, "UpdateSubscription without a mask", err)
	want.DisplayName, want.Etag, want.UpdateTime = "Everything", renamed.GetEtag(), timestamppb.New(start.Add(2*time.Minute))
	diff(t, "updated without a mask", renamed, want)

	// "*" replaces every writable field: what is not sent is cleared.
	replaced, err := e.subs.UpdateSubscription(alice.ctx(t), &alertsv1.UpdateSubscriptionRequest{
		Subscription: &alertsv1.Subscription{Name: created.GetName(), DisplayName: "Everything"},
		UpdateMask:   &fieldmaskpb.FieldMask{Paths: []string{"*"}},
	})
	must(t, "UpdateSubscription of *", err)
	if replaced.GetDisplayName() != "Everything" || len(replaced.GetPlaces()) != 0 || len(replaced.GetCategories()) != 0 ||
		replaced.GetMinSeverity() != alertsv1.Severity_SEVERITY_UNSPECIFIED || replaced.GetQuietHours() != nil {
		t.Fatalf("replaced = %v", replaced)
	}
	if !replaced.GetCreateTime().AsTime().Equal(start) {
		t.Fatalf("the create time moved to %v", replaced.GetCreateTime().AsTime())
	}

	_, err = e.subs.DeleteSubscription(alice.ctx(t), &alertsv1.DeleteSubscriptionRequest{Name: created.GetName(), Etag: created.GetEtag()})
	wantCode(t, "delete with a stale etag", err, codes.FailedPrecondition)
	_, err = e.subs.DeleteSubscription(alice.ctx(t), &alertsv1.DeleteSubscriptionRequest{Name: created.GetName(), Etag: replaced.GetEtag()})
	must(t, "DeleteSubscription", err)
	_, err = e.subs.GetSubscription(alice.ctx(t), &alertsv1.GetSubscriptionRequest{Name: created.GetName()})
	wantCode(t, "read after delete", err, codes.NotFound)
}

func TestSubscriptionsAreTheOwnersAlone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob := e.resident("alice"), e.resident("bob")
	sub := e.subscribe(t, alice, home())
	name := sub.GetName()
	for _, u := range []struct {
		who string
		u   *user
	}{{"another resident", bob}, {"an agency admin", e.admin()}, {"an alert author", e.author()}} {
		_, err := e.subs.GetSubscription(u.u.ctx(t), &alertsv1.GetSubscriptionRequest{Name: name})
		wantCode(t, u.who+" reads it", err, codes.NotFound)
		_, err = e.subs.UpdateSubscription(u.u.ctx(t), &alertsv1.UpdateSubscriptionRequest{
			Subscription: &alertsv1.Subscription{Name: name, DisplayName: "Mine"},
			UpdateMask:   &fieldmaskpb.FieldMask{Paths: []string{"display_name"}},
		})
		wantCode(t, u.who+" changes it", err, codes.NotFound)
		_, err = e.subs.DeleteSubscription(u.u.ctx(t), &alertsv1.DeleteSubscriptionRequest{Name: name})
		wantCode(t, u.who+" deletes it", err, codes.NotFound)
		list, err := e.subs.ListSubscriptions(u.u.ctx(t), &alertsv1.ListSubscriptionsRequest{Parent: "agencies/metro"})
		must(t, u.who+" lists", err)
		if len(list.GetSubscriptions()) != 0 {
			t.Fatalf("%s lists %v", u.who, list.GetSubscriptions())
		}
	}
	got, err := e.subs.GetSubscription(alice.ctx(t), &alertsv1.GetSubscriptionRequest{Name: name})
	must(t, "the owner reads it", err)
	if got.GetDisplayName() != "Home" {
		t.Fatalf("someone else changed it: %v", got)
	}

	// Anonymous callers and other services are refused by the policy.
	_, err = e.subs.ListSubscriptions(anonymous(t), &alertsv1.ListSubscriptionsRequest{Parent: "agencies/metro"})
	wantCode(t, "anonymous list", err, codes.Unauthenticated)
	_, err = e.subs.CreateSubscription(anonymous(t), &alertsv1.CreateSubscriptionRequest{Parent: "agencies/metro", Subscription: home()})
	wantCode(t, "anonymous create", err, codes.Unauthenticated)
	_, err = e.subs.GetSubscription(e.service().ctx(t), &alertsv1.GetSubscriptionRequest{Name: name})
	wantCode(t, "a service reads it", err, codes.PermissionDenied)

	// An agency that does not exist has no subscriptions.
	_, err = e.subs.CreateSubscription(alice.ctx(t), &alertsv1.CreateSubscriptionRequest{Parent: "agencies/nowhere", Subscription: home()})
	wantCode(t, "create in an unknown agency", err, codes.NotFound)
}

func TestSubscriptionLimitAndPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.resident("alice")
	var names []string
	for i := range 20 {
		sub := home()
		sub.DisplayName = fmt.Sprintf("Place %02d", i)
		names = append(names, e.subscribe(t, alice, sub).GetName())
		e.clock.Advance(time.Second)
	}
	_, err := e.subs.CreateSubscription(alice.ctx(t), &alertsv1.CreateSubscriptionRequest{Parent: "agencies/metro", Subscription: home()})
	wantCode(t, "the 21st", err, codes.FailedPrecondition)
	// Another agency and another account count apart.
	_, err = e.subs.CreateSubscription(alice.ctx(t), &alertsv1.CreateSubscriptionRequest{Parent: "agencies/other", Subscription: home()})
	must(t, "alice's first in other", err)
	e.subscribe(t, e.resident("bob"), home())

	// The default page is all 20, oldest first; smaller pages follow.
	all, err := e.subs.ListSubscriptions(alice.ctx(t), &alertsv1.ListSubscriptionsRequest{Parent: "agencies/metro"})
	must(t, "ListSubscriptions", err)
	var got []string
	for _, s := range all.GetSubscriptions() {
		got = append(got, s.GetName())
	}
	diff(t, "the default page", got, names)
	if all.GetNextPageToken() != "" {
		t.Fatalf("a page of all has a next page token")
	}
	got = nil
	req := &alertsv1.ListSubscriptionsRequest{Parent: "agencies/metro", PageSize: 7}
	for i := 0; ; i++ {
		page, err := e.subs.ListSubscriptions(alice.ctx(t), req)
		must(t, "ListSubscriptions page", err)
		for _, s := range page.GetSubscriptions() {
			got = append(got, s.GetName())
		}
		if page.GetNextPageToken() == "" {
			break
		}
		if i > 3 {
			t.Fatal("the pages do not end")
		}
		req.PageToken = page.GetNextPageToken()
	}
	diff(t, "pages of 7", got, names)
	// A token is alice's: bob cannot page with it.
	first, err := e.subs.ListSubscriptions(alice.ctx(t), &alertsv1.ListSubscriptionsRequest{Parent: "agencies/metro", PageSize: 7})
	must(t, "first page", err)
	_, err = e.subs.ListSubscriptions(e.resident("bob").ctx(t), &alertsv1.ListSubscriptionsRequest{Parent: "agencies/metro", PageToken: first.GetNextPageToken()})
	wantField(t, "bob pages with alice's token", err, "page_token")

	// Deleting one makes room.
	_, err = e.subs.DeleteSubscription(alice.ctx(t), &alertsv1.DeleteSubscriptionRequest{Name: names[3]})
	must(t, "DeleteSubscription", err)
	e.subscribe(t, alice, home())
}

func TestSubscriptionRetry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.resident("alice")
	req := &alertsv1.CreateSubscriptionRequest{Parent: "agencies/metro", Subscription: home(), RequestId: "9a1c2e3f-4b5d-4e6f-8a7b-1c2d3e4f5a6b"}
	first, err := e.subs.CreateSubscription(alice.ctx(t), req)
	must(t, "CreateSubscription", err)
	again, err := e.subs.CreateSubscription(alice.ctx(t), req)
	must(t, "retried CreateSubscription", err)
	diff(t, "retry", again, first)
	list, err := e.subs.ListSubscriptions(alice.ctx(t), &alertsv1.ListSubscriptionsRequest{Parent: "agencies/metro"})
	must(t, "ListSubscriptions", err)
	if n := len(list.GetSubscriptions()); n != 1 {
		t.Fatalf("a retried create saved %d subscriptions", n)
	}
	other := home()
	other.DisplayName = "Work"
	_, err = e.subs.CreateSubscription(alice.ctx(t), &alertsv1.CreateSubscriptionRequest{Parent: "agencies/metro", Subscription: other, RequestId: req.GetRequestId()})
	wantField(t, "request id reused", err, "request_id")
}

func TestSubscriptionBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.resident("alice")
	tod := func(h, m int32) *timeofday.TimeOfDay { return &timeofday.TimeOfDay{Hours: h, Minutes: m} }
	tests := []struct {
		name   string
		change func(s *alertsv1.Subscription)
		field  string
	}{
		{"no display name", func(s *alertsv1.Subscription) { s.DisplayName = "" }, "subscription.display_name"},
		{"blank display name", func(s *alertsv1.Subscription) { s.DisplayName = "   " }, "subscription.display_name"},
		{"quiet hours start at 24", func(s *alertsv1.Subscription) { s.QuietHours.Start = tod(24, 0) }, "subscription.quiet_hours.start.hours"},
		{"quiet hours end at minute 60", func(s *alertsv1.Subscription) { s.QuietHours.End = tod(7, 60) }, "subscription.quiet_hours.end.minutes"},
		{"negative minutes", func(s *alertsv1.Subscription) { s.QuietHours.Start = tod(22, -1) }, "subscription.quiet_hours.start.minutes"},
		{"start equals end", func(s *alertsv1.Subscription) { s.QuietHours.Start, s.QuietHours.End = tod(7, 30), tod(7, 30) }, "subscription.quiet_hours.end"},
		{"unknown time zone", func(s *alertsv1.Subscription) { s.QuietHours.TimeZone = "Mars/Olympus_Mons" }, "subscription.quiet_hours.time_zone"},
		{"the server's zone", func(s *alertsv1.Subscription) { s.QuietHours.TimeZone = "Local" }, "subscription.quiet_hours.time_zone"},
		{"no start", func(s *alertsv1.Subscription) { s.QuietHours.Start = nil }, "subscription.quiet_hours.start"},
		{"latitude off the globe", func(s *alertsv1.Subscription) { s.Places[0].Point.Latitude = 91 }, "subscription.places[0].point.latitude"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sub := home()
			tt.change(sub)
			_, err := e.subs.CreateSubscription(alice.ctx(t), &alertsv1.CreateSubscriptionRequest{Parent: "agencies/metro", Subscription: sub})
			wantField(t, "create", err, tt.field)
		})
	}
	// Nothing was stored; the same checks guard an update.
	list, err := e.subs.ListSubscriptions(alice.ctx(t), &alertsv1.ListSubscriptionsRequest{Parent: "agencies/metro"})
	must(t, "ListSubscriptions", err)
	if len(list.GetSubscriptions()) != 0 {
		t.Fatalf("refused subscriptions were stored: %v", list.GetSubscriptions())
	}
	sub := e.subscribe(t, alice, home())
	_, err = e.subs.UpdateSubscription(alice.ctx(t), &alertsv1.UpdateSubscriptionRequest{
		Subscription: &alertsv1.Subscription{Name: sub.GetName(), QuietHours: &alertsv1.QuietHours{Start: tod(6, 0), End: tod(6, 0)}},
		UpdateMask:   &fieldmaskpb.FieldMask{Paths: []string{"quiet_hours"}},
	})
	wantField(t, "update to an empty window", err, "subscription.quiet_hours.end")
	_, err = e.subs.UpdateSubscription(alice.ctx(t), &alertsv1.UpdateSubscriptionRequest{
		Subscription: &alertsv1.Subscription{Name: sub.GetName(), DisplayName: "x"},
		UpdateMask:   &fieldmaskpb.FieldMask{Paths: []string{"create_time"}},
	})
	wantField(t, "a mask of an output-only field alone", err, "update_mask")
	_, err = e.subs.UpdateSubscription(alice.ctx(t), &alertsv1.UpdateSubscriptionRequest{
		Subscription: &alertsv1.Subscription{Name: sub.GetName(), DisplayName: "x"},
		UpdateMask:   &fieldmaskpb.FieldMask{Paths: []string{"display_name", "owner"}},
	})
	wantField(t, "an unknown field in the mask", err, "update_mask")
	// Quiet hours without a zone take the agency's.
	ok := home()
	ok.QuietHours.TimeZone = ""
	e.subscribe(t, alice, ok)
}
