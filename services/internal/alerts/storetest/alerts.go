package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/engagehq/engage/services/internal/alerts"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func testChange(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)

	// Create: the store sets the etag, on the value given too.
	a := newAlert("metro", "a1", 0)
	got := put(t, s, a)[0]
	if got.GetEtag() == "" || a.GetEtag() != got.GetEtag() {
		t.Fatalf("created etag %q, Put set %q: want the same, non-empty", got.GetEtag(), a.GetEtag())
	}
	read, err := s.Alert(ctx, a.GetName())
	if err != nil {
		t.Fatalf("Alert: %v", err)
	}
	if d := cmp.Diff(got, read, protocmp.Transform()); d != "" {
		t.Errorf("Alert after create (-created +read):\n%s", d)
	}

	// Update: a new etag; a Tx read sees a copy.
	var before string
	updated, err := s.Change(ctx, alerts.Retry{}, func(tx alerts.Tx) (*alertsv1.Alert, error) {
		cur, err := tx.Alert(a.GetName())
		if err != nil {
			return nil, err
		}
		before = cur.GetEtag()
		cur.Note = "changed"
		return cur, tx.Put(cur)
	})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if before != got.GetEtag() || updated.GetEtag() == before || updated.GetNote() != "changed" {
		t.Errorf("update: etag %q → %q, note %q; want a new etag and the note", before, updated.GetEtag(), updated.GetNote())
	}

	// AlertByMessageID finds it in its agency only.
	_, err = s.Change(ctx, alerts.Retry{}, func(tx alerts.Tx) (*alertsv1.Alert, error) {
		found, err := tx.AlertByMessageID("agencies/metro", a.GetMessageId())
		if err != nil || found.GetName() != a.GetName() {
			t.Errorf("AlertByMessageID = %v, %v; want %s", found.GetName(), err, a.GetName())
		}
		if _, err := tx.AlertByMessageID("agencies/other", a.GetMessageId()); !errors.Is(err, errs.NotFound) {
			t.Errorf("AlertByMessageID in another agency: %v, want NotFound", err)
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// A message id is unique within its agency, not across agencies.
	dup := newAlert("metro", "a2", 1)
	dup.MessageId = a.GetMessageId()
	_, err = s.Change(ctx, alerts.Retry{}, func(tx alerts.Tx) (*alertsv1.Alert, error) { return dup, tx.Put(dup) })
	if !errors.Is(err, errs.AlreadyExists) {
		t.Errorf("Put with a taken message id: %v, want AlreadyExists", err)
	}
	if _, err := s.Alert(ctx, dup.GetName()); !errors.Is(err, errs.NotFound) {
		t.Errorf("alert refused for its message id was stored: %v", err)
	}
	elsewhere := newAlert("other", "a1", 1)
	elsewhere.MessageId = a.GetMessageId()
	put(t, s, elsewhere)

	// An error from fn rolls everything back, and comes back unchanged.
	boom := errors.New("boom")
	rolled := newAlert("metro", "a3", 2)
	_, err = s.Change(ctx, alerts.Retry{}, func(tx alerts.Tx) (*alertsv1.Alert, error) {
		if err := tx.Put(rolled); err != nil {
			return nil, err
		}
		cur, err := tx.Alert(a.GetName())
		if err != nil {
			return nil, err
		}
		cur.Note = "rolled back"
		if err := tx.Put(cur); err != nil {
			return nil, err
		}
		if _, err := tx.Send(alertsv1.StreamAlertsResponse_EVENT_TYPE_PUBLISHED, cur); err != nil {
			return nil, err
		}
		return nil, boom
	})
	if err != boom {
		t.Errorf("Change whose fn failed = %v, want the fn's error", err)
	}
	if _, err := s.Alert(ctx, rolled.GetName()); !errors.Is(err, errs.NotFound) {
		t.Errorf("alert of a failed Change was stored: %v", err)
	}
	if cur, _ := s.Alert(ctx, a.GetName()); cur.GetNote() != "changed" || cur.GetEtag() != updated.GetEtag() {
		t.Errorf("failed Change changed an alert: note %q etag %q", cur.GetNote(), cur.GetEtag())
	}
	if last, err := s.LastEvent(ctx); err != nil || last != 0 {
		t.Errorf("LastEvent after a failed Change = %d, %v; want 0", last, err)
	}

	// Delete removes the alert and frees its message id.
	_, err = s.Change(ctx, alerts.Retry{}, func(tx alerts.Tx) (*alertsv1.Alert, error) { return nil, tx.Delete(a.GetName()) })
	if err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Alert(ctx, a.GetName()); !errors.Is(err, errs.NotFound) {
		t.Errorf("Alert after Delete: %v, want NotFound", err)
	}
	put(t, s, dup)
	_, err = s.Change(ctx, alerts.Retry{}, func(tx alerts.Tx) (*alertsv1.Alert, error) { return nil, tx.Delete(a.GetName()) })
	if !errors.Is(err, errs.NotFound) {
		t.Errorf("Delete of a missing alert: %v, want NotFound", err)
	}
	if _, err := s.Alert(ctx, "agencies/metro/alerts/missing"); !errors.Is(err, errs.NotFound) {
		t.Errorf("Alert of a missing alert: %v, want NotFound", err)
	}
}

func testList(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	// Created out of order; two at the same time, ordered by name.
	put(t, s,
		newAlert("metro", "b", 2),
		newAlert("metro", "a", 0),
		newAlert("metro", "d", 3),
		newAlert("metro", "c", 3),
		newAlert("other", "e", 5),
	)
	all := []string{"agencies/metro/alerts/d", "agencies/metro/alerts/c", "agencies/metro/alerts/b", "agencies/metro/alerts/a"}
	var got []string
	page := alerts.Page{Size: 3}
	for i := 0; ; i++ {
		as, next, err := s.ListAlerts(ctx, "agencies/metro", page, nil)
		if err != nil {
			t.Fatalf("ListAlerts: %v", err)
		}
		got = append(got, names(as)...)
		if next == nil {
			break
		}
		if i > 3 {
			t.Fatal("ListAlerts does not end")
		}
		page.After = next
	}
	if d := cmp.Diff(all, got); d != "" {
		t.Errorf("ListAlerts pages (-want +got):\n%s", d)
	}
	// An exact last page has no next cursor.
	if _, next, err := s.ListAlerts(ctx, "agencies/metro", alerts.Page{Size: 4}, nil); err != nil || next != nil {
		t.Errorf("ListAlerts of exactly a page: next %q, %v; want nil", next, err)
	}
	// keep skips records without ending the page early.
	as, next, err := s.ListAlerts(ctx, "agencies/metro", alerts.Page{Size: 2}, func(a *alertsv1.Alert) bool {
		return a.GetName() != "agencies/metro/alerts/c"
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{all[0], all[2]}, names(as)); d != "" || next == nil {
		t.Errorf("ListAlerts with keep: next %q (want a cursor), alerts (-want +got):\n%s", next, d)
	}
	if as, _, _ := s.ListAlerts(ctx, "agencies/none", alerts.Page{Size: 3}, nil); len(as) != 0 {
		t.Errorf("ListAlerts of an agency without alerts = %v", names(as))
	}
}

func testActive(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	draft := newAlert("metro", "draft", 0)
	early := newAlert("metro", "early", 1) // expires base+61m
	late := newAlert("metro", "late", 2)
	late.Infos = append(late.Infos, proto.Clone(late.GetInfos()[0]).(*alertsv1.Info))
	late.Infos[1].LanguageCode = "es"
	late.Infos[1].ExpireTime = timestamppb.New(base.Add(5 * time.Hour))
	otherAgency := newAlert("other", "x", 3)
	put(t, s, draft)
	publish(t, s, early)
	publish(t, s, late)
	publish(t, s, otherAgency)

	check := func(what string, at time.Time, want ...string) {
		t.Helper()
		got, err := s.ActiveAlerts(ctx, "agencies/metro", at)
		if err != nil {
			t.Fatalf("%s: ActiveAlerts: %v", what, err)
		}
		if d := cmp.Diff(want, names(got), cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s: ActiveAlerts (-want +got):\n%s", what, d)
		}
	}
	check("at base", base, late.GetName(), early.GetName())
	// Expiry is exclusive: at the expire time an alert is no longer active.
	check("at the first expiry", base.Add(61*time.Minute), late.GetName())
	// The latest expiry of any info block counts.
	check("after the first block expired", base.Add(3*time.Hour), late.GetName())
	check("after everything expired", base.Add(6*time.Hour))

	// Leaving PUBLISHED leaves the index.
	_, err := s.Change(ctx, alerts.Retry{}, func(tx alerts.Tx) (*alertsv1.Alert, error) {
		cur, err := tx.Alert(early.GetName())
		if err != nil {
			return nil, err
		}
		cur.State = alertsv1.Alert_STATE_SUPERSEDED
		return cur, tx.Put(cur)
	})
	if err != nil {
		t.Fatal(err)
	}
	check("after superseding", base, late.GetName())
}
