package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
)

// watchEvent is one event of a feedback watch.
type watchEvent struct {
	eventType, name string
}

// TestWatchFeedback: an analyst watching over gRPC, over REST as NDJSON
// and over REST as Server-Sent Events receives new submissions as they
// arrive.
func TestWatchFeedback(t *testing.T) {
	t.Parallel()
	s := newFeedbackSetup(t)
	tests := []struct {
		name  string
		watch func(ctx context.Context, t *testing.T) <-chan watchEvent
	}{
		{"grpc", s.watchGRPC},
		{"rest ndjson", func(ctx context.Context, t *testing.T) <-chan watchEvent { return s.watchREST(ctx, t, "") }},
		{"rest sse", func(ctx context.Context, t *testing.T) <-chan watchEvent {
			return s.watchREST(ctx, t, "text/event-stream")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			events := tt.watch(ctx, t)
			ev := s.submitUntilSeen(t, events)
			if ev.eventType != "EVENT_TYPE_CREATED" {
				t.Errorf("event type = %q, want EVENT_TYPE_CREATED", ev.eventType)
			}
		})
	}
	// Residents cannot watch.
	r := s.p.do("GET", s.base+"/feedback:watch", s.residents[0], nil)
	if r.status != 403 {
		t.Errorf("a resident's watch = %d %s, want 403", r.status, truncate(r.body))
	}
}

// watchGRPC watches metro-pd's feedback over gRPC as the analyst.
func (s *feedbackSetup) watchGRPC(ctx context.Context, t *testing.T) <-chan watchEvent {
	t.Helper()
	stream, err := feedbackv1.NewFeedbackServiceClient(s.p.conn).WatchFeedback(withToken(ctx, s.analyst),
		&feedbackv1.WatchFeedbackRequest{Parent: s.agency})
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan watchEvent, 64)
	go func() {
		defer close(out)
		for {
			resp, err := stream.Recv()
			if err != nil {
				return
			}
			out <- watchEvent{eventType: resp.GetEventType().String(), name: resp.GetFeedback().GetName()}
		}
	}()
	return out
}

// watchREST watches metro-pd's feedback through the gateway as the
// analyst, as NDJSON or, with accept text/event-stream, as Server-Sent
// Events. The response may start only with the first event, so the
// request runs in the background.
func (s *feedbackSetup) watchREST(ctx context.Context, t *testing.T, accept string) <-chan watchEvent {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.p.base+s.base+"/feedback:watch", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.analyst)
	wantType := "application/x-ndjson"
	if accept != "" {
		req.Header.Set("Accept", accept)
		wantType = accept
	}
	out := make(chan watchEvent, 64)
	go func() {
		defer close(out)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				t.Errorf("watch: %v", err)
			}
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != wantType {
			t.Errorf("watch = %d %s, want 200 %s", resp.StatusCode, resp.Header.Get("Content-Type"), wantType)
			return
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if ev, ok := parseWatchLine(sc.Text(), accept != ""); ok {
				out <- ev
			}
		}
	}()
	return out
}

// parseWatchLine reads an event from a line of an NDJSON stream
// ({"result": …}) or of an event stream ("data: …").
func parseWatchLine(line string, sse bool) (watchEvent, bool) {
	var payload string
	if sse {
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			return watchEvent{}, false
		}
		payload = data
	} else {
		var chunk struct {
			Result json.RawMessage `json:"result"`
		}
		if json.Unmarshal([]byte(line), &chunk) != nil || chunk.Result == nil {
			return watchEvent{}, false
		}
		payload = string(chunk.Result)
	}
	var ev struct {
		EventType string `json:"eventType"`
		Feedback  struct {
			Name string `json:"name"`
		} `json:"feedback"`
	}
	if json.Unmarshal([]byte(payload), &ev) != nil {
		return watchEvent{}, false
	}
	return watchEvent{eventType: ev.EventType, name: ev.Feedback.Name}, true
}

// watchWait bounds how long a watch may take to see a submission before
// the test fails; it measures nothing.
const watchWait = 30 * time.Second

// submitUntilSeen submits anonymous feedback over gRPC until the watch
// reports one of the submissions, and returns that event. The watch may
// start only after the first submissions, so it keeps submitting.
func (s *feedbackSetup) submitUntilSeen(t *testing.T, events <-chan watchEvent) watchEvent {
	t.Helper()
	client := feedbackv1.NewFeedbackServiceClient(s.p.conn)
	submitted := map[string]bool{}
	var seen []watchEvent
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(watchWait)
	for time.Now().Before(deadline) {
		fb, err := client.CreateFeedback(t.Context(), &feedbackv1.CreateFeedbackRequest{
			Parent: s.agency,
			Feedback: &feedbackv1.Feedback{
				Kind: feedbackv1.FeedbackKind_FEEDBACK_KIND_SUGGESTION, Category: "patrols",
				Text: "More foot patrols on Main Street in the evening, please.",
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		submitted[fb.GetName()] = true
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("the watch ended")
			}
			seen = append(seen, ev)
		case <-tick.C:
		}
		for _, ev := range seen {
			if submitted[ev.name] {
				return ev
			}
		}
	}
	t.Fatalf("the watch saw %v within %s, none of the %d submissions", seen, watchWait, len(submitted))
	return watchEvent{}
}
