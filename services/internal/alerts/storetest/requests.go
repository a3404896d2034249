package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/engagehq/engage/services/internal/alerts"
)

func testRequests(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	retry := alerts.Retry{Caller: "accounts/author", ID: "r1", Fingerprint: []byte("f1"), Time: base}
	runs := 0
	create := func(r alerts.Retry, id string) (*alertsv1.Alert, error) {
		return s.Change(ctx, r, func(tx alerts.Tx) (*alertsv1.Alert, error) {
			runs++
			a := newAlert("metro", id, runs)
			if err := tx.Put(a); err != nil {
				return nil, err
			}
			_, err := tx.Send(alertsv1.StreamAlertsResponse_EVENT_TYPE_PUBLISHED, a)
			return a, err
		})
	}
	first, err := create(retry, "a1")
	if err != nil {
		t.Fatal(err)
	}
	// The first call's alert changes; a retry returns it as it is now,
	// without running fn.
	_, err = s.Change(ctx, alerts.Retry{}, func(tx alerts.Tx) (*alertsv1.Alert, error) {
		cur, err := tx.Alert(first.GetName())
		if err != nil {
			return nil, err
		}
		cur.Note = "later"
		return cur, tx.Put(cur)
	})
	if err != nil {
		t.Fatal(err)
	}
	again, err := create(retry, "a2")
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if runs != 1 || again.GetName() != first.GetName() || again.GetNote() != "later" {
		t.Errorf("retry ran fn %d times and returned %s (note %q); want 1 run and %s as it is now", runs, again.GetName(), again.GetNote(), first.GetName())
	}
	if es, _ := s.Events(ctx, "", 0, 10); len(es) != 1 {
		t.Errorf("retry sent again: %d events, want 1", len(es))
	}

	// The same id for another request, by the same caller, is refused;
	// another caller's id is their own.
	reused := retry
	reused.Fingerprint = []byte("f2")
	if _, err := create(reused, "a3"); !errors.Is(err, alerts.ErrRetryReused) {
		t.Errorf("reused request id: %v, want ErrRetryReused", err)
	}
	otherCaller := retry
	otherCaller.Caller = "accounts/someone-else"
	if a, err := create(otherCaller, "a4"); err != nil || a.GetName() != "agencies/metro/alerts/a4" {
		t.Errorf("another caller's request id: %v, %v; want a4 created", a.GetName(), err)
	}

	// A failed call remembers nothing: its retry runs again.
	failing := alerts.Retry{Caller: "accounts/author", ID: "r2", Fingerprint: []byte("f"), Time: base}
	boom := errors.New("boom")
	if _, err := s.Change(ctx, failing, func(tx alerts.Tx) (*alertsv1.Alert, error) { return nil, boom }); err != boom {
		t.Fatalf("failing Change: %v", err)
	}
	if a, err := create(failing, "a5"); err != nil || a.GetName() != "agencies/metro/alerts/a5" {
		t.Errorf("retry of a failed call: %v, %v; want a5 created", a.GetName(), err)
	}

	// Purging forgets ids from before the time given, and only those.
	later := alerts.Retry{Caller: "accounts/author", ID: "r3", Fingerprint: []byte("f"), Time: base.Add(time.Hour)}
	if _, err := create(later, "a6"); err != nil {
		t.Fatal(err)
	}
	n, err := s.PurgeRequests(ctx, base.Add(time.Minute))
	if err != nil || n != 3 {
		t.Errorf("PurgeRequests = %d, %v; want 3 (r1 twice by two callers, r2)", n, err)
	}
	runs = 10
	if a, err := create(retry, "a7"); err != nil || a.GetName() != "agencies/metro/alerts/a7" {
		t.Errorf("purged request id: %v, %v; want a new call creating a7", a.GetName(), err)
	}
	if a, err := create(later, "a8"); err != nil || a.GetName() != "agencies/metro/alerts/a6" {
		t.Errorf("kept request id: %v, %v; want a6 returned", a.GetName(), err)
	}
}
