package storetest

import (
	"context"
	"testing"

	"github.com/engagehq/engage/services/internal/alerts"
)

// testDeliveries checks AddDeliveries: counts add up across calls, are
// filled in on every read (Alert, ListAlerts, ActiveAlerts) without
// changing the alert's etag, and names that do not exist are skipped.
// Run calls it as "deliveries".
func testDeliveries(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	a := newAlert("metro", "a1", 0)
	b := newAlert("metro", "a2", 1)
	stored := put(t, s, a, b)
	publish(t, s, a)
	sent, err := s.Alert(ctx, a.GetName())
	if err != nil {
		t.Fatal(err)
	}

	if err := s.AddDeliveries(ctx, map[string]int64{}); err != nil {
		t.Fatalf("AddDeliveries of nothing: %v", err)
	}
	if err := s.AddDeliveries(ctx, map[string]int64{a.GetName(): 3, "agencies/metro/alerts/gone": 5, "not a name": 1}); err != nil {
		t.Fatalf("AddDeliveries: %v", err)
	}
	if err := s.AddDeliveries(ctx, map[string]int64{a.GetName(): 4, b.GetName(): 2}); err != nil {
		t.Fatalf("AddDeliveries: %v", err)
	}

	got, err := s.Alert(ctx, a.GetName())
	if err != nil {
		t.Fatal(err)
	}
	if got.GetDeliveryCount() != 7 {
		t.Errorf("Alert delivery count = %d, want 7", got.GetDeliveryCount())
	}
	if got.GetEtag() != sent.GetEtag() {
		t.Errorf("AddDeliveries changed the etag: %q → %q", sent.GetEtag(), got.GetEtag())
	}
	if got, _ := s.Alert(ctx, b.GetName()); got.GetDeliveryCount() != 2 || got.GetEtag() != stored[1].GetEtag() {
		t.Errorf("second alert: count %d etag %q, want 2 and %q", got.GetDeliveryCount(), got.GetEtag(), stored[1].GetEtag())
	}
	if _, err := s.Alert(ctx, "agencies/metro/alerts/gone"); err == nil {
		t.Errorf("AddDeliveries created an alert that did not exist")
	}

	list, _, err := s.ListAlerts(ctx, "agencies/metro", alerts.Page{Size: 10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for _, al := range list {
		counts[al.GetName()] = al.GetDeliveryCount()
	}
	if counts[a.GetName()] != 7 || counts[b.GetName()] != 2 {
		t.Errorf("ListAlerts delivery counts = %v, want 7 and 2", counts)
	}
	active, err := s.ActiveAlerts(ctx, "agencies/metro", base)
	if err != nil {
		t.Fatal(err)
	}
	if len(active) != 1 || active[0].GetDeliveryCount() != 7 {
		t.Errorf("ActiveAlerts = %v, want %s with 7 deliveries", names(active), a.GetName())
	}
}
