package gateway_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/engagehq/engage/gateway"
	"github.com/google/go-cmp/cmp"
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// watchServer is a gRPC health service whose Watch, a server stream, sends
// the given statuses, then ends with end or, when hold is set, waits for
// the caller to go away. It reports what each call saw.
type watchServer struct {
	grpc_health_v1.UnimplementedHealthServer
	statuses []grpc_health_v1.HealthCheckResponse_ServingStatus
	end      error
	hold     bool
	// header, when set, is sent before anything else: with
	// x-engage-stream: open as a service does when it accepts a watch that
	// may wait for its first event, or other headers (a request id) that
	// any call may carry.
	header metadata.MD
	seen   chan watchCall
}

type watchCall struct {
	md          metadata.MD
	hasDeadline bool
}

func (w *watchServer) Check(context.Context, *grpc_health_v1.HealthCheckRequest) (*grpc_health_v1.HealthCheckResponse, error) {
	return &grpc_health_v1.HealthCheckResponse{Status: grpc_health_v1.HealthCheckResponse_SERVING}, nil
}

func (w *watchServer) Watch(_ *grpc_health_v1.HealthCheckRequest, stream grpc.ServerStreamingServer[grpc_health_v1.HealthCheckResponse]) error {
	ctx := stream.Context()
	md, _ := metadata.FromIncomingContext(ctx)
	_, hasDeadline := ctx.Deadline()
	w.seen <- watchCall{md: md, hasDeadline: hasDeadline}
	if w.header != nil {
		if err := stream.SendHeader(w.header); err != nil {
			return err
		}
	}
	for _, s := range w.statuses {
		if err := stream.Send(&grpc_health_v1.HealthCheckResponse{Status: s}); err != nil {
			return err
		}
	}
	if w.hold {
		<-ctx.Done()
		return status.FromContextError(ctx.Err()).Err()
	}
	return w.end
}

// registerWatch serves Health/Watch at GET /v1/health:watch the way
// protoc-gen-grpc-gateway serves a server-streaming RPC, so the gateway's
// stream handling is tested before any Engage RPC streams.
func registerWatch(_ context.Context, mux *runtime.ServeMux, conn grpc.ClientConnInterface) error {
	client := grpc_health_v1.NewHealthClient(conn)
	const pattern = "/v1/health:watch"
	return mux.HandlePath(http.MethodGet, pattern, func(w http.ResponseWriter, req *http.Request, _ map[string]string) {
		ctx, cancel := context.WithCancel(req.Context())
		defer cancel()
		_, outbound := runtime.MarshalerForRequest(mux, req)
		actx, err := runtime.AnnotateContext(ctx, mux, req, grpc_health_v1.Health_Watch_FullMethodName, runtime.WithHTTPPathPattern(pattern))
		if err != nil {
			runtime.HTTPError(ctx, mux, outbound, w, req, err)
			return
		}
		stream, err := client.Watch(actx, &grpc_health_v1.HealthCheckRequest{})
		if err != nil {
			runtime.HTTPError(actx, mux, outbound, w, req, err)
			return
		}
		header, err := stream.Header()
		if err != nil {
			runtime.HTTPError(actx, mux, outbound, w, req, err)
			return
		}
		actx = runtime.NewServerMetadataContext(actx, runtime.ServerMetadata{HeaderMD: header})
		runtime.ForwardResponseStream(actx, mux, outbound, w, req, func() (proto.Message, error) { return stream.Recv() }, mux.GetForwardResponseOptions()...)
	})
}

// streamEnv serves a gateway with the watch backend over real HTTP, which
// streaming needs.
func streamEnv(t *testing.T, ws *watchServer, mutate func(*gateway.Config)) *httptest.Server {
	t.Helper()
	ws.seen = make(chan watchCall, 1)
	srv := grpc.NewServer()
	grpc_health_v1.RegisterHealthServer(srv, ws)
	conn := serveLoopback(t, srv)
	cfg := gateway.Config{
		Backends:       []gateway.Backend{{Name: "watch", Conn: conn, Register: registerWatch}},
		MaxTimeout:     1, // 1ns: any unary call would fail at once; streams must not
		AnonymousLimit: gateway.RateLimit{Disabled: true},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	h, err := gateway.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs
}

func get(t *testing.T, url string, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

func TestStreamAsNDJSON(t *testing.T) {
	t.Parallel()
	ws := &watchServer{
		statuses: []grpc_health_v1.HealthCheckResponse_ServingStatus{grpc_health_v1.HealthCheckResponse_SERVING, grpc_health_v1.HealthCheckResponse_NOT_SERVING},
		end:      status.Error(codes.NotFound, "no such service"),
	}
	hs := streamEnv(t, ws, nil)
	resp := get(t, hs.URL+"/v1/health:watch", http.Header{})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-ndjson" {
		t.Errorf("Content-Type = %q", ct)
	}
	var lines []map[string]any
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	want := []map[string]any{
		{"result": map[string]any{"status": "SERVING"}},
		{"result": map[string]any{"status": "NOT_SERVING"}},
		// The stream's error has the shape of a unary error.
		{"error": map[string]any{"code": 404.0, "status": "NOT_FOUND", "message": "no such service", "details": []any{}}},
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}
	if c := <-ws.seen; c.hasDeadline {
		t.Error("a stream got a deadline: streams are exempt from the cap")
	}
}

// TestStreamAnswersBeforeItsFirstMessage checks that a stream the service
// has accepted answers at once, though no message has come yet: a quiet
// watch must not look like a hung request.
func TestStreamAnswersBeforeItsFirstMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		accept string
		want   string
	}{
		{name: "ndjson", want: "application/x-ndjson"},
		{name: "server-sent events", accept: "text/event-stream", want: "text/event-stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hs := streamEnv(t, &watchServer{hold: true, header: metadata.Pairs("x-engage-stream", "open")}, nil)
			header := http.Header{}
			if tt.accept != "" {
				header.Set("Accept", tt.accept)
			}
			// get returns once the status line and headers have arrived;
			// the watch holds until the test ends.
			resp := get(t, hs.URL+"/v1/health:watch", header)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != tt.want {
				t.Errorf("Content-Type = %q, want %q", ct, tt.want)
			}
		})
	}
}

// TestStreamRefusedAfterHeadersAnswersLikeUnary: headers alone (a request
// id) do not start a stream; a refusal that follows them keeps its status.
func TestStreamRefusedAfterHeadersAnswersLikeUnary(t *testing.T) {
	t.Parallel()
	ws := &watchServer{header: metadata.Pairs("x-request-id", "r-1"), end: status.Error(codes.PermissionDenied, "not an analyst")}
	hs := streamEnv(t, ws, nil)
	resp := get(t, hs.URL+"/v1/health:watch", http.Header{})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("status = %d, want 403", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
}

func TestStreamAsServerSentEvents(t *testing.T) {
	t.Parallel()
	ws := &watchServer{
		statuses: []grpc_health_v1.HealthCheckResponse_ServingStatus{grpc_health_v1.HealthCheckResponse_SERVING},
		end:      status.Error(codes.Internal, "disk on fire"),
	}
	hs := streamEnv(t, ws, nil)
	resp := get(t, hs.URL+"/v1/health:watch", http.Header{
		"Accept":        {"text/event-stream"},
		"Last-Event-Id": {"cursor-17"},
	})
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type = %q", ct)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	want := "data: {\"status\":\"SERVING\"}\n\n" +
		"event: error\ndata: {\"code\":500,\"status\":\"INTERNAL\",\"message\":\"internal error\",\"details\":[]}\n\n"
	if diff := cmp.Diff(want, normalizeJSONSpaces(string(body))); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	c := <-ws.seen
	if got := c.md.Get("last-event-id"); len(got) != 1 || got[0] != "cursor-17" {
		t.Errorf("last-event-id metadata = %q", got)
	}
}

func TestDrainEndsStreams(t *testing.T) {
	t.Parallel()
	drain, drainNow := context.WithCancel(context.Background())
	defer drainNow()
	ws := &watchServer{statuses: []grpc_health_v1.HealthCheckResponse_ServingStatus{grpc_health_v1.HealthCheckResponse_SERVING}, hold: true}
	hs := streamEnv(t, ws, func(cfg *gateway.Config) { cfg.Drain = drain })
	resp := get(t, hs.URL+"/v1/health:watch", http.Header{})
	rd := bufio.NewReader(resp.Body)
	first, err := rd.ReadString('\n')
	if err != nil || !strings.Contains(first, "SERVING") {
		t.Fatalf("first line %q, %v", first, err)
	}
	drainNow()
	// The stream ends: the read returns instead of waiting for ever.
	rest, err := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rest), `"status":"CANCELLED"`) {
		t.Errorf("after the drain: %q", rest)
	}
}

// normalizeJSONSpaces removes the spaces protojson may put after ':' and
// ',' (it varies them on purpose) outside of strings; good enough for the
// values these tests use.
func normalizeJSONSpaces(s string) string {
	return strings.NewReplacer(`": `, `":`, `, "`, `,"`).Replace(s)
}

func TestStreamFailingAtOnceAnswersLikeUnary(t *testing.T) {
	t.Parallel()
	for _, accept := range []string{"", "text/event-stream"} {
		t.Run("accept="+accept, func(t *testing.T) {
			t.Parallel()
			ws := &watchServer{end: status.Error(codes.FailedPrecondition, "subscription expired")}
			hs := streamEnv(t, ws, nil)
			h := http.Header{}
			if accept != "" {
				h.Set("Accept", accept)
			}
			resp := get(t, hs.URL+"/v1/health:watch", h)
			if resp.StatusCode != http.StatusPreconditionFailed {
				t.Errorf("status = %d, want 412", resp.StatusCode)
			}
			got := decodeError(t, resp)
			want := apiError{Code: 412, Status: "FAILED_PRECONDITION", Message: "subscription expired", Details: []map[string]any{}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}
