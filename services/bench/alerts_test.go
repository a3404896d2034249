package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAlertsFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    alertsScale
		wantErr bool
	}{
		{"defaults", []string{"-suite", "alerts"}, alertsScale{subscribers: 10_000, conns: 100, alerts: 100}, false},
		{"quick look", []string{"-suite", "alerts", "-alert-subscribers", "1000", "-alert-conns", "10", "-alerts", "20"}, alertsScale{subscribers: 1000, conns: 10, alerts: 20}, false},
		{"no subscribers", []string{"-suite", "alerts", "-alert-subscribers", "0"}, alertsScale{}, true},
		{"too many subscribers", []string{"-suite", "alerts", "-alert-subscribers", "50001"}, alertsScale{}, true},
		{"more connections than subscribers", []string{"-suite", "alerts", "-alert-subscribers", "10", "-alert-conns", "11"}, alertsScale{}, true},
		{"no alerts", []string{"-suite", "alerts", "-alerts", "0"}, alertsScale{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, err := parseFlags(tt.args, io.Discard)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseFlags(%q) error = %v, want error: %v", tt.args, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, alertsScaleOf(o), cmp.AllowUnexported(alertsScale{})); diff != "" {
				t.Errorf("scale (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStreamedAlertName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, line, want string
		wantErr          bool
	}{
		{"compact", `{"result":{"cursor":"7","eventType":"EVENT_TYPE_PUBLISHED","alert":{"name":"agencies/a/alerts/x","state":"STATE_PUBLISHED"}}}`, "agencies/a/alerts/x", false},
		{"protojson spacing", `{"result":{"cursor": "7", "alert": {"name":  "agencies/a/alerts/y", "infos": [{"areas": [{"description": "d"}]}]}}}`, "agencies/a/alerts/y", false},
		{"stream error", `{"error":{"code":8,"message":"fell behind; resume from cursor 7"}}`, "", true},
		{"no name", `{"result":{"cursor":"7"}}`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := streamedAlertName([]byte(tt.line))
			if (err != nil) != tt.wantErr {
				t.Fatalf("streamedAlertName(%s) error = %v, want error: %v", tt.line, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("streamedAlertName(%s) = %q, want %q", tt.line, got, tt.want)
			}
		})
	}
}

// TestFanoutCounts checks the bookkeeping: an alert is delivered when its
// last subscriber receives it, and a missed, repeated or unknown alert
// fails the exactly-once check.
func TestFanoutCounts(t *testing.T) {
	t.Parallel()
	names := []string{"a", "b", "c"}
	tests := []struct {
		name     string
		receipts [][]string // per subscriber
		wantErr  string
	}{
		{"every alert once", [][]string{{"a", "b", "c"}, {"a", "b", "c"}}, ""},
		{"missed", [][]string{{"a", "b", "c"}, {"a", "c"}}, "1 deliveries missing"},
		{"repeated", [][]string{{"a", "b", "b", "c"}, {"a", "b", "c"}}, "1 repeated"},
		{"unknown", [][]string{{"a", "b", "z", "c"}, {"a", "b", "c"}}, "named no published alert"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFanout(len(tt.receipts), names)
			for s, got := range tt.receipts {
				for _, n := range got {
					f.received(s, n)
				}
			}
			select {
			case <-f.slots[0].done:
			default:
				t.Errorf("alert a reached every subscriber but is not delivered")
			}
			err := f.exactlyOnce(0, len(names))
			if tt.wantErr == "" && err != nil {
				t.Fatalf("exactlyOnce: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("exactlyOnce error = %v, want one saying %q", err, tt.wantErr)
			}
		})
	}
}

// TestBareFanout runs both paths against the bare fan-out server in this
// process at a small scale: every subscriber must receive every alert
// exactly once, which fanoutRun checks.
func TestBareFanout(t *testing.T) {
	t.Parallel()
	s, err := startAlertsBare()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	side, err := newBareAlertsSide(s.addrs, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(side.close)
	sc := alertsScale{subscribers: 200, conns: 4, alerts: 10}
	for _, p := range alertsPaths() {
		run, err := fanoutRun(t.Context(), side, p, sc)
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		if len(run.latencies) != sc.alerts {
			t.Errorf("%s: %d latencies, want %d", p.name, len(run.latencies), sc.alerts)
		}
	}
}
