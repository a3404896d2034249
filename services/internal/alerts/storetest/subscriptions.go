package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/engagehq/engage/services/internal/alerts"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// subT0 is the time of the subscription tests.
var subT0 = time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)

// The owners of the subscription tests.
const (
	alice = "accounts/alice"
	bob   = "accounts/bob"
)

// newSub is a subscription as a handler makes it, created at subT0 plus
// minutes.
func newSub(agency, id string, minutes int) *alertsv1.Subscription {
	ts := timestamppb.New(subT0.Add(time.Duration(minutes) * time.Minute))
	return &alertsv1.Subscription{
		Name:        "agencies/" + agency + "/subscriptions/" + id,
		DisplayName: "Home " + id,
		Places:      []*alertsv1.Place{{Label: "Home", Point: &latlng.LatLng{Latitude: 41.88, Longitude: -87.63}}},
		Categories:  []alertsv1.Category{alertsv1.Category_CATEGORY_SAFETY},
		MinSeverity: alertsv1.Severity_SEVERITY_MODERATE,
		CreateTime:  ts, UpdateTime: ts,
	}
}

// mustSubscribe creates subscriptions for owner, failing the test on an
// error.
func mustSubscribe(t *testing.T, s alerts.Store, owner string, subs ...*alertsv1.Subscription) {
	t.Helper()
	for _, sub := range subs {
		if _, err := s.CreateSubscription(t.Context(), sub, owner, 20, alerts.Retry{}); err != nil {
			t.Fatalf("create %s: %v", sub.GetName(), err)
		}
	}
}

// subNames returns the names of subs, in order.
func subNames(subs []*alertsv1.Subscription) []string {
	var out []string
	for _, s := range subs {
		out = append(out, s.GetName())
	}
	return out
}

// testSubscriptions checks residents' subscriptions: create with the
// owner beside the record, the per-owner limit, retries, listing one
// owner's oldest first in pages, update and delete with their checks.
func testSubscriptions(t *testing.T, open Opener) {
	t.Run("create and read", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		in := newSub("metro", "s1", 0)
		got, err := s.CreateSubscription(t.Context(), in, alice, 20, alerts.Retry{})
		if err != nil {
			t.Fatal(err)
		}
		if got.GetEtag() == "" {
			t.Fatal("created subscription has no etag")
		}
		want := newSub("metro", "s1", 0)
		want.Etag = got.GetEtag()
		if d := cmp.Diff(want, got, protocmp.Transform()); d != "" {
			t.Fatalf("created (-want +got):\n%s", d)
		}
		read, owner, err := s.Subscription(t.Context(), in.GetName())
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, read, protocmp.Transform()); d != "" {
			t.Fatalf("read (-want +got):\n%s", d)
		}
		if owner != alice {
			t.Fatalf("owner %q, want %q", owner, alice)
		}
		if _, err := s.CreateSubscription(t.Context(), in, bob, 20, alerts.Retry{}); !errors.Is(err, errs.AlreadyExists) {
			t.Fatalf("second create: %v, want AlreadyExists", err)
		}
		for _, name := range []string{"agencies/metro/subscriptions/nope", "agencies/other/subscriptions/s1", "garbage"} {
			if _, _, err := s.Subscription(t.Context(), name); !errors.Is(err, errs.NotFound) {
				t.Fatalf("Subscription(%s): %v, want NotFound", name, err)
			}
		}
	})

	t.Run("limit per owner and agency", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for i := range 3 {
			if _, err := s.CreateSubscription(t.Context(), newSub("metro", fmt.Sprintf("a%d", i), i), alice, 3, alerts.Retry{}); err != nil {
				t.Fatal(err)
			}
		}
		_, err := s.CreateSubscription(t.Context(), newSub("metro", "a3", 3), alice, 3, alerts.Retry{})
		if !errors.Is(err, errs.FailedPrecondition) {
			t.Fatalf("fourth of alice's: %v, want FailedPrecondition", err)
		}
		if _, _, err := s.Subscription(t.Context(), "agencies/metro/subscriptions/a3"); !errors.Is(err, errs.NotFound) {
			t.Fatalf("the refused subscription was stored: %v", err)
		}
		// Another owner, and the same owner in another agency, count apart.
		if _, err := s.CreateSubscription(t.Context(), newSub("metro", "b0", 4), bob, 3, alerts.Retry{}); err != nil {
			t.Fatalf("bob's first: %v", err)
		}
		if _, err := s.CreateSubscription(t.Context(), newSub("river", "a4", 5), alice, 3, alerts.Retry{}); err != nil {
			t.Fatalf("alice's first in river: %v", err)
		}
		// A deletion makes room.
		if err := s.DeleteSubscription(t.Context(), "agencies/metro/subscriptions/a1", func(*alertsv1.Subscription, string) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateSubscription(t.Context(), newSub("metro", "a3", 6), alice, 3, alerts.Retry{}); err != nil {
			t.Fatalf("after a deletion: %v", err)
		}
	})

	t.Run("retries", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		retry := alerts.Retry{Caller: alice, ID: "7b0e8f4c-6c4e-4c1e-9a51-2f0d5c3b9e21", Fingerprint: []byte("one"), Time: subT0}
		first, err := s.CreateSubscription(t.Context(), newSub("metro", "s1", 0), alice, 1, retry)
		if err != nil {
			t.Fatal(err)
		}
		// The retry makes a new id, as a handler does; it gets the first,
		// even at the limit.
		again, err := s.CreateSubscription(t.Context(), newSub("metro", "s2", 1), alice, 1, retry)
		if err != nil {
			t.Fatalf("retry: %v", err)
		}
		if d := cmp.Diff(first, again, protocmp.Transform()); d != "" {
			t.Fatalf("retry (-first +retry):\n%s", d)
		}
		if _, _, err := s.Subscription(t.Context(), "agencies/metro/subscriptions/s2"); !errors.Is(err, errs.NotFound) {
			t.Fatalf("the retry stored a second subscription: %v", err)
		}
		other := retry
		other.Fingerprint = []byte("two")
		if _, err := s.CreateSubscription(t.Context(), newSub("metro", "s3", 2), alice, 5, other); !errors.Is(err, alerts.ErrRetryReused) {
			t.Fatalf("request id reused: %v, want ErrRetryReused", err)
		}
	})

	t.Run("list one owner's oldest first", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		mustSubscribe(t, s, alice, newSub("metro", "z", 0), newSub("metro", "a", 2), newSub("metro", "m", 1), newSub("metro", "b", 3), newSub("metro", "c", 3))
		mustSubscribe(t, s, bob, newSub("metro", "bob", 1))
		mustSubscribe(t, s, alice, newSub("river", "elsewhere", 1))
		all := []string{
			"agencies/metro/subscriptions/z", "agencies/metro/subscriptions/m", "agencies/metro/subscriptions/a",
			"agencies/metro/subscriptions/b", "agencies/metro/subscriptions/c",
		}
		var got []string
		page := alerts.Page{Size: 2}
		for i := 0; ; i++ {
			list, next, err := s.ListSubscriptions(t.Context(), "agencies/metro", alice, page)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, subNames(list)...)
			if next == nil {
				break
			}
			if i > 3 {
				t.Fatal("the pages do not end")
			}
			page.After = next
		}
		if d := cmp.Diff(all, got); d != "" {
			t.Fatalf("pages (-want +got):\n%s", d)
		}
		// A full last page has no next page.
		list, next, err := s.ListSubscriptions(t.Context(), "agencies/metro", alice, alerts.Page{Size: 5})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 5 || next != nil {
			t.Fatalf("a page of exactly all: %d subscriptions, next %q", len(list), next)
		}
		list, _, err = s.ListSubscriptions(t.Context(), "agencies/metro", "accounts/carol", alerts.Page{Size: 5})
		if err != nil || len(list) != 0 {
			t.Fatalf("carol's: %v, %v", subNames(list), err)
		}
	})

	t.Run("update", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		mustSubscribe(t, s, alice, newSub("metro", "s1", 0), newSub("metro", "s2", 1))
		name := "agencies/metro/subscriptions/s1"
		before, _, err := s.Subscription(t.Context(), name)
		if err != nil {
			t.Fatal(err)
		}
		var seenOwner string
		got, err := s.UpdateSubscription(t.Context(), name, func(sub *alertsv1.Subscription, owner string) error {
			seenOwner = owner
			sub.DisplayName = "School"
			sub.Name = "agencies/metro/subscriptions/elsewhere" // ignored
			sub.UpdateTime = timestamppb.New(subT0.Add(time.Hour))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if seenOwner != alice {
			t.Fatalf("mutate was given owner %q, want %q", seenOwner, alice)
		}
		if got.GetName() != name || got.GetDisplayName() != "School" || got.GetEtag() == before.GetEtag() {
			t.Fatalf("updated: name %s, display name %q, etag %s (was %s)", got.GetName(), got.GetDisplayName(), got.GetEtag(), before.GetEtag())
		}
		read, owner, err := s.Subscription(t.Context(), name)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(got, read, protocmp.Transform()); d != "" || owner != alice {
			t.Fatalf("read after update, owner %s (-updated +read):\n%s", owner, d)
		}
		// A refusal changes nothing.
		refused := errors.New("refused")
		if _, err := s.UpdateSubscription(t.Context(), name, func(sub *alertsv1.Subscription, _ string) error {
			sub.DisplayName = "Not this"
			return refused
		}); !errors.Is(err, refused) {
			t.Fatalf("refused update: %v", err)
		}
		if read, _, _ := s.Subscription(t.Context(), name); read.GetDisplayName() != "School" {
			t.Fatalf("a refused update stored %q", read.GetDisplayName())
		}
		// The order follows a change of creation time.
		if _, err := s.UpdateSubscription(t.Context(), name, func(sub *alertsv1.Subscription, _ string) error {
			sub.CreateTime = timestamppb.New(subT0.Add(2 * time.Minute))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		list, _, err := s.ListSubscriptions(t.Context(), "agencies/metro", alice, alerts.Page{Size: 10})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]string{"agencies/metro/subscriptions/s2", name}, subNames(list)); d != "" {
			t.Fatalf("order after update (-want +got):\n%s", d)
		}
		if _, err := s.UpdateSubscription(t.Context(), "agencies/metro/subscriptions/nope", func(*alertsv1.Subscription, string) error { return nil }); !errors.Is(err, errs.NotFound) {
			t.Fatalf("update of a missing one: %v, want NotFound", err)
		}
	})

	t.Run("delete", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		mustSubscribe(t, s, alice, newSub("metro", "s1", 0))
		name := "agencies/metro/subscriptions/s1"
		refused := errors.New("not yours")
		var seenOwner string
		err := s.DeleteSubscription(t.Context(), name, func(_ *alertsv1.Subscription, owner string) error {
			seenOwner = owner
			return refused
		})
		if !errors.Is(err, refused) || seenOwner != alice {
			t.Fatalf("refused delete: %v, owner %q", err, seenOwner)
		}
		if _, _, err := s.Subscription(t.Context(), name); err != nil {
			t.Fatalf("a refused delete removed it: %v", err)
		}
		if err := s.DeleteSubscription(t.Context(), name, func(*alertsv1.Subscription, string) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Subscription(t.Context(), name); !errors.Is(err, errs.NotFound) {
			t.Fatalf("read after delete: %v, want NotFound", err)
		}
		list, _, err := s.ListSubscriptions(t.Context(), "agencies/metro", alice, alerts.Page{Size: 10})
		if err != nil || len(list) != 0 {
			t.Fatalf("list after delete: %v, %v", subNames(list), err)
		}
		if err := s.DeleteSubscription(t.Context(), name, func(*alertsv1.Subscription, string) error { return nil }); !errors.Is(err, errs.NotFound) {
			t.Fatalf("second delete: %v, want NotFound", err)
		}
	})
}
