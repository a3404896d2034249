package storetest

import (
	"context"
	"testing"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/engagehq/engage/services/internal/alerts"
	"github.com/google/go-cmp/cmp"
)

func testEvents(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	if last, err := s.LastEvent(ctx); err != nil || last != 0 {
		t.Fatalf("LastEvent of an empty log = %d, %v; want 0", last, err)
	}
	m1, o1, m2 := newAlert("metro", "m1", 0), newAlert("other", "o1", 1), newAlert("metro", "m2", 2)
	seqs := []uint64{publish(t, s, m1), publish(t, s, o1), publish(t, s, m2)}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Fatalf("sequence numbers %v do not increase", seqs)
		}
	}
	// The event holds the alert as sent, not as it later became.
	_, err := s.Change(ctx, alerts.Retry{}, func(tx alerts.Tx) (*alertsv1.Alert, error) {
		cur, err := tx.Alert(m1.GetName())
		if err != nil {
			return nil, err
		}
		cur.State = alertsv1.Alert_STATE_CANCELLED
		return cur, tx.Put(cur)
	})
	if err != nil {
		t.Fatal(err)
	}
	if last, err := s.LastEvent(ctx); err != nil || last != seqs[2] {
		t.Errorf("LastEvent = %d, %v; want %d", last, err, seqs[2])
	}

	type ev struct {
		Seq   uint64
		Type  alertsv1.StreamAlertsResponse_EventType
		Name  string
		State alertsv1.Alert_State
		Etag  string
	}
	flat := func(es []alerts.Event) []ev {
		out := make([]ev, 0, len(es))
		for _, e := range es {
			out = append(out, ev{e.Seq, e.Type, e.Alert.GetName(), e.Alert.GetState(), e.Alert.GetEtag()})
		}
		return out
	}
	pub := alertsv1.StreamAlertsResponse_EVENT_TYPE_PUBLISHED
	published := alertsv1.Alert_STATE_PUBLISHED
	all := []ev{
		{seqs[0], pub, m1.GetName(), published, m1.GetEtag()},
		{seqs[1], pub, o1.GetName(), published, o1.GetEtag()},
		{seqs[2], pub, m2.GetName(), published, m2.GetEtag()},
	}
	tests := []struct {
		name   string
		agency string
		after  uint64
		limit  int
		want   []ev
	}{
		{"every agency", "", 0, 10, all},
		{"after a cursor", "", seqs[0], 10, all[1:]},
		{"limited", "", 0, 2, all[:2]},
		{"one agency", "agencies/metro", 0, 10, []ev{all[0], all[2]}},
		{"one agency after a cursor of another", "agencies/metro", seqs[1], 10, all[2:]},
		{"one agency, limited", "agencies/metro", 0, 1, all[:1]},
		{"an agency without events", "agencies/none", 0, 10, []ev{}},
		{"after the end", "", seqs[2], 10, []ev{}},
	}
	for _, tt := range tests {
		got, err := s.Events(ctx, tt.agency, tt.after, tt.limit)
		if err != nil {
			t.Fatalf("%s: Events: %v", tt.name, err)
		}
		if d := cmp.Diff(tt.want, flat(got)); d != "" {
			t.Errorf("%s: Events (-want +got):\n%s", tt.name, d)
		}
	}
}
