package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/gateway"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// fakeFeedback streams a fixed CSV export in chunks, and a fixed watch. A
// parent of agencies/fail-at-once fails before the first chunk,
// agencies/fail-midway after the second.
type fakeFeedback struct {
	feedbackv1.UnimplementedFeedbackServiceServer
}

var exportChunks = []string{
	"name,kind,text\r\n",
	"agencies/a/feedback/1,FEEDBACK_KIND_COMPLAINT,\"Slow, rude\"\r\n",
	"agencies/a/feedback/2,FEEDBACK_KIND_COMPLIMENT,Thank you\r\n",
}

func (fakeFeedback) ExportFeedback(req *feedbackv1.ExportFeedbackRequest, stream grpc.ServerStreamingServer[httpbody.HttpBody]) error {
	if req.GetParent() == "agencies/fail-at-once" {
		return status.Error(codes.PermissionDenied, "not an analyst of this agency")
	}
	for i, c := range exportChunks {
		if i == 2 && req.GetParent() == "agencies/fail-midway" {
			return status.Error(codes.Unavailable, "store closed")
		}
		if err := stream.Send(&httpbody.HttpBody{ContentType: "text/csv; charset=utf-8", Data: []byte(c)}); err != nil {
			return err
		}
	}
	return nil
}

func (fakeFeedback) WatchFeedback(req *feedbackv1.WatchFeedbackRequest, stream grpc.ServerStreamingServer[feedbackv1.WatchFeedbackResponse]) error {
	for _, id := range []string{"1", "2"} {
		if err := stream.Send(&feedbackv1.WatchFeedbackResponse{
			EventType: feedbackv1.WatchFeedbackResponse_EVENT_TYPE_CREATED,
			Feedback:  &feedbackv1.Feedback{Name: req.GetParent() + "/feedback/" + id},
		}); err != nil {
			return err
		}
	}
	return nil
}

// feedbackEnv serves a gateway in front of fakeFeedback over real HTTP.
func feedbackEnv(t *testing.T) string {
	t.Helper()
	srv := grpc.NewServer()
	feedbackv1.RegisterFeedbackServiceServer(srv, fakeFeedback{})
	conn := serveLoopback(t, srv)
	h, err := gateway.New(t.Context(), gateway.Config{
		Feedback:       conn,
		AnonymousLimit: gateway.RateLimit{Disabled: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs.URL
}

// TestExportIsRawCSV: an HttpBody stream is the file itself, whatever the
// client accepts: no {"result": …} wrapping, no added newlines.
func TestExportIsRawCSV(t *testing.T) {
	t.Parallel()
	base := feedbackEnv(t)
	for _, accept := range []string{"", "text/csv", "application/json", "text/event-stream"} {
		t.Run("accept="+accept, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			if accept != "" {
				h.Set("Accept", accept)
			}
			resp := get(t, base+"/v1/agencies/a/feedback:export", h)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
				t.Errorf("Content-Type = %q, want text/csv", ct)
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(strings.Join(exportChunks, ""), string(body)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExportFailures: a file stream that fails before its first chunk
// answers like a unary call; one that fails later is cut off, so that the
// client cannot take the part for the whole file.
func TestExportFailures(t *testing.T) {
	t.Parallel()
	base := feedbackEnv(t)

	resp := get(t, base+"/v1/agencies/fail-at-once/feedback:export", http.Header{})
	if got := decodeError(t, resp); resp.StatusCode != http.StatusForbidden || got.Status != "PERMISSION_DENIED" {
		t.Errorf("failing at once: %d %+v, want 403 PERMISSION_DENIED", resp.StatusCode, got)
	}

	resp = get(t, base+"/v1/agencies/fail-midway/feedback:export", http.Header{})
	body, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Errorf("failing midway: the transfer completed normally with %q", body)
	}
	if want := strings.Join(exportChunks[:2], ""); string(body) != want {
		t.Errorf("failing midway: body = %q, want the first two chunks %q and nothing else", body, want)
	}
}

// TestWatchFeedbackStreams: the watch is NDJSON, or Server-Sent Events
// when asked for.
func TestWatchFeedbackStreams(t *testing.T) {
	t.Parallel()
	base := feedbackEnv(t)
	tests := []struct {
		name, accept, wantType string
		wantLines              []string
	}{
		{"ndjson", "", "application/x-ndjson", []string{
			`{"result":{"eventType":"EVENT_TYPE_CREATED","feedback":{"name":"agencies/a/feedback/1"`,
			`{"result":{"eventType":"EVENT_TYPE_CREATED","feedback":{"name":"agencies/a/feedback/2"`,
		}},
		{"sse", "text/event-stream", "text/event-stream", []string{
			`data: {"eventType":"EVENT_TYPE_CREATED","feedback":{"name":"agencies/a/feedback/1"`,
			`data: {"eventType":"EVENT_TYPE_CREATED","feedback":{"name":"agencies/a/feedback/2"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			if tt.accept != "" {
				h.Set("Accept", tt.accept)
			}
			resp := get(t, base+"/v1/agencies/a/feedback:watch", h)
			if ct := resp.Header.Get("Content-Type"); ct != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", ct, tt.wantType)
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range strings.Split(normalizeJSONSpaces(string(body)), "\n") {
				if l != "" {
					got = append(got, l)
				}
			}
			if len(got) != len(tt.wantLines) {
				t.Fatalf("lines = %q, want %d", got, len(tt.wantLines))
			}
			for i, want := range tt.wantLines {
				if !strings.HasPrefix(got[i], want) {
					t.Errorf("line %d = %q, want it to start with %q", i, got[i], want)
				}
			}
		})
	}
}
