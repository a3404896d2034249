package e2e

import (
	"testing"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestAlertStreamsEndAtShutdown: live alert streams, over gRPC and
// through the gateway, end when the platform shuts down, and the shutdown
// completes cleanly instead of waiting for them; a gRPC client learns to
// reconnect (UNAVAILABLE) and resume from its cursor.
func TestAlertStreamsEndAtShutdown(t *testing.T) {
	t.Parallel()
	s := newAlertsSetup(t)
	p := s.p
	stream, err := alertsv1.NewAlertServiceClient(p.conn).StreamAlerts(t.Context(), &alertsv1.StreamAlertsRequest{Parent: s.agency})
	if err != nil {
		t.Fatal(err)
	}
	grpcEnded := make(chan error, 1)
	go func() {
		for {
			if _, err := stream.Recv(); err != nil {
				grpcEnded <- err
				return
			}
		}
	}()
	cursor := str(p.must(200, "GET", s.base+"/alerts", "", nil)["streamCursor"])
	rest := s.streamREST(t.Context(), t, cursor, true)
	// The REST stream is open once it delivers: publish until it does.
	s.publish(s.author, s.draft(s.author, alertBody("SEVERITY_MINOR", "Street fair on Main Street")))
	nextEvents(t, rest, 1)

	done := make(chan struct{})
	go func() {
		defer close(done)
		p.stop() // reports a failed shutdown itself
	}()
	select {
	case <-done:
	case <-time.After(exitTimeout):
		t.Fatalf("shutdown with open alert streams did not finish within %s", exitTimeout)
	}
	select {
	case err := <-grpcEnded:
		if c := status.Code(err); c != codes.Unavailable {
			t.Errorf("the gRPC stream ended with %v, want UNAVAILABLE", err)
		}
	case <-time.After(streamWait):
		t.Errorf("the gRPC stream did not end within %s of the shutdown", streamWait)
	}
	select {
	case _, open := <-rest:
		if open {
			t.Errorf("the REST stream delivered after the shutdown")
		}
	case <-time.After(streamWait):
		t.Errorf("the REST stream did not end within %s of the shutdown", streamWait)
	}
}
