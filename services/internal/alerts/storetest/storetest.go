// Package storetest is the conformance suite every alerts.Store
// implementation must pass: each test opens a fresh, empty store.
package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/engagehq/engage/services/internal/alerts"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Opener returns a new, empty store, closed when the test ends.
type Opener func(t *testing.T) alerts.Store

// Run runs the whole suite against the stores open returns.
func Run(t *testing.T, open Opener) {
	t.Run("change", func(t *testing.T) { t.Parallel(); testChange(t, open) })
	t.Run("list", func(t *testing.T) { t.Parallel(); testList(t, open) })
	t.Run("active", func(t *testing.T) { t.Parallel(); testActive(t, open) })
	t.Run("events", func(t *testing.T) { t.Parallel(); testEvents(t, open) })
	t.Run("requests", func(t *testing.T) { t.Parallel(); testRequests(t, open) })
	t.Run("subscriptions", func(t *testing.T) { t.Parallel(); testSubscriptions(t, open) })
	t.Run("deliveries", func(t *testing.T) { t.Parallel(); testDeliveries(t, open) })
}

// base is the suite's reference time.
var base = time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)

// newAlert returns a draft of agency (an id) with id, created at base plus
// minutes, expiring an hour after that.
func newAlert(agency, id string, minutes int) *alertsv1.Alert {
	created := base.Add(time.Duration(minutes) * time.Minute)
	return &alertsv1.Alert{
		Name:        fmt.Sprintf("agencies/%s/alerts/%s", agency, id),
		State:       alertsv1.Alert_STATE_DRAFT,
		MessageId:   "urn:engage:" + agency + ":" + id,
		Sender:      agency + "@engage.example.org",
		Status:      alertsv1.Status_STATUS_ACTUAL,
		MessageType: alertsv1.MessageType_MESSAGE_TYPE_ALERT,
		Scope:       alertsv1.Scope_SCOPE_PUBLIC,
		Infos: []*alertsv1.Info{{
			Categories: []alertsv1.Category{alertsv1.Category_CATEGORY_SAFETY},
			Event:      "Police activity",
			Urgency:    alertsv1.Urgency_URGENCY_IMMEDIATE,
			Severity:   alertsv1.Severity_SEVERITY_MODERATE,
			Certainty:  alertsv1.Certainty_CERTAINTY_OBSERVED,
			Headline:   "Avoid Main Street",
			ExpireTime: timestamppb.New(created.Add(time.Hour)),
			Areas:      []*alertsv1.Area{{Description: "Downtown"}},
		}},
		Author:     "accounts/author",
		CreateTime: timestamppb.New(created),
		UpdateTime: timestamppb.New(created),
	}
}

// put stores alerts in one Change each, returning them as stored.
func put(t *testing.T, s alerts.Store, as ...*alertsv1.Alert) []*alertsv1.Alert {
	t.Helper()
	out := make([]*alertsv1.Alert, 0, len(as))
	for _, a := range as {
		got, err := s.Change(context.Background(), alerts.Retry{}, func(tx alerts.Tx) (*alertsv1.Alert, error) {
			return a, tx.Put(a)
		})
		if err != nil {
			t.Fatalf("Put %s: %v", a.GetName(), err)
		}
		out = append(out, got)
	}
	return out
}

// publish stores a as PUBLISHED and sends it.
func publish(t *testing.T, s alerts.Store, a *alertsv1.Alert) uint64 {
	t.Helper()
	var seq uint64
	_, err := s.Change(context.Background(), alerts.Retry{}, func(tx alerts.Tx) (*alertsv1.Alert, error) {
		a.State = alertsv1.Alert_STATE_PUBLISHED
		a.SendTime = a.GetCreateTime()
		if err := tx.Put(a); err != nil {
			return nil, err
		}
		var err error
		seq, err = tx.Send(alertsv1.StreamAlertsResponse_EVENT_TYPE_PUBLISHED, a)
		return a, err
	})
	if err != nil {
		t.Fatalf("publish %s: %v", a.GetName(), err)
	}
	return seq
}

// names returns the names of alerts.
func names(as []*alertsv1.Alert) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		out = append(out, a.GetName())
	}
	return out
}
