package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// TestAlertsSuite runs the whole suite at a small scale on Engage and the
// bare server in this process: 200 subscribers on each path, each of
// which must receive every alert exactly once, and the report, which must
// name every path with a verdict.
func TestAlertsSuite(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts Engage and 400 streams on each server")
	}
	engage, err := startEngage(t.Context(), t.TempDir(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := engage.stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	bare, err := startAlertsBare()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := bare.stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	var out strings.Builder
	r := &runner{o: options{suite: suiteAlerts}, stdout: &out, stderr: io.Discard}
	sc := alertsScale{subscribers: 200, conns: 4, alerts: 10}
	if err := benchAlerts(t.Context(), alertsServers{bare: bare.addrs, engage: engage.addrs}, sc, r); err != nil {
		t.Fatalf("%v\noutput:\n%s", err, out.String())
	}
	report := out.String()
	for _, want := range []string{"gRPC StreamAlerts", "REST alerts:stream NDJSON", "to last receipt", "ratio p99"} {
		if !strings.Contains(report, want) {
			t.Errorf("the report does not say %q:\n%s", want, report)
		}
	}
	if !strings.Contains(report, "PASS") && !strings.Contains(report, "BELOW") {
		t.Errorf("the report gives no verdict:\n%s", report)
	}
}
