package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/engagehq/engage/gateway"
	"github.com/google/go-cmp/cmp"
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health/grpc_health_v1"
)

func scrape(t *testing.T, e *env) string {
	t.Helper()
	resp := e.do(t, http.MethodGet, "/metrics", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Liveness does not depend on the backends.
	e.health.SetServingStatus("", grpc_health_v1.HealthCheckResponse_NOT_SERVING)
	resp := e.do(t, http.MethodGet, "/healthz", "", nil)
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(b)) != `{"status":"SERVING"}` {
		t.Errorf("/healthz = %d %s", resp.StatusCode, b)
	}
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	var notReady error
	e := newEnv(t, func(cfg *gateway.Config, _ *grpc.Server) {
		cfg.ReadyCheck = func(context.Context) error { return notReady }
	})
	ready := func() (int, map[string]any) {
		resp := e.do(t, http.MethodGet, "/readyz", "", nil)
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body
	}
	steps := []struct {
		name     string
		backend  grpc_health_v1.HealthCheckResponse_ServingStatus
		gateway  error
		wantCode int
		wantBody map[string]any
	}{
		{
			name: "backend not serving", backend: grpc_health_v1.HealthCheckResponse_NOT_SERVING, wantCode: 503,
			wantBody: map[string]any{"status": "NOT_SERVING", "checks": map[string]any{"identity": "NOT_SERVING", "gateway": "SERVING"}},
		},
		{
			name: "backend serving", backend: grpc_health_v1.HealthCheckResponse_SERVING, wantCode: 200,
			wantBody: map[string]any{"status": "SERVING", "checks": map[string]any{"identity": "SERVING", "gateway": "SERVING"}},
		},
		{
			name: "gateway draining", backend: grpc_health_v1.HealthCheckResponse_SERVING, gateway: errors.New("draining"), wantCode: 503,
			wantBody: map[string]any{"status": "NOT_SERVING", "checks": map[string]any{"identity": "SERVING", "gateway": "NOT_SERVING"}},
		},
	}
	for _, s := range steps {
		e.health.SetServingStatus("", s.backend)
		notReady = s.gateway
		code, body := ready()
		if code != s.wantCode {
			t.Errorf("%s: /readyz = %d, want %d", s.name, code, s.wantCode)
		}
		if diff := cmp.Diff(s.wantBody, body); diff != "" {
			t.Errorf("%s: body (-want +got):\n%s", s.name, diff)
		}
	}
}

func TestReadyzUnreachableBackend(t *testing.T) {
	t.Parallel()
	srv := grpc.NewServer() // no health service
	conn := serveLoopback(t, srv)
	h, err := gateway.New(t.Context(), gateway.Config{Identity: conn})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{handler: h}
	resp := e.do(t, http.MethodGet, "/readyz", "", nil)
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), `"identity":"UNIMPLEMENTED"`) {
		t.Errorf("/readyz = %d %s", resp.StatusCode, b)
	}
}

func TestMetricsByRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.do(t, http.MethodGet, "/v1/accounts/me", "", nil)
	e.do(t, http.MethodGet, "/v1/accounts/missing", "", nil)
	e.do(t, http.MethodGet, "/v1/no/such/path", "", nil)
	e.do(t, http.MethodGet, "/v1/agencies", "", nil) // another route, after the first
	got := scrape(t, e)
	for _, want := range []string{
		`engage_gateway_http_requests_total{code="200",method="GET",route="/v1/{name=accounts/*}"} 1`,
		`engage_gateway_http_requests_total{code="404",method="GET",route="/v1/{name=accounts/*}"} 1`,
		`engage_gateway_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`engage_gateway_http_request_duration_seconds_count{method="GET",route="/v1/{name=accounts/*}"} 2`,
		`engage_gateway_http_request_duration_seconds_count{method="GET",route="/v1/agencies"} 1`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, raw := range []string{"accounts/me", "accounts/missing", "no/such/path"} {
		if strings.Contains(got, raw) {
			t.Errorf("/metrics has the raw path %s", raw)
		}
	}
}

func TestAccessLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	req := newRequest(t, http.MethodGet, "/v1/accounts/me?name=secret-token", http.Header{
		"User-Agent":      {"NosyBrowser/9.9"},
		"X-Forwarded-For": {"203.0.113.9"},
		"X-Request-Id":    {"log-me"},
		"Authorization":   {"Bearer a-token"},
	})
	req.RemoteAddr = "198.51.100.23:4444"
	e.serve(t, req)

	var line map[string]any
	for _, l := range e.logs.lines(t) {
		if l["msg"] == "http request" {
			line = l
		}
	}
	if line == nil {
		t.Fatalf("no access log line in %s", e.logs.String())
	}
	for k, want := range map[string]any{
		"method": "GET", "route": "/v1/{name=accounts/*}", "status": 200.0, "request_id": "log-me",
		"rpc": "/engage.identity.v1.AccountService/GetAccount",
	} {
		if line[k] != want {
			t.Errorf("log %s = %v, want %v", k, line[k], want)
		}
	}
	if _, ok := line["duration"]; !ok {
		t.Error("log has no duration")
	}
	all := e.logs.String()
	for _, secret := range []string{"198.51.100.23", "203.0.113.9", "NosyBrowser", "secret-token", "accounts/me"} {
		if strings.Contains(all, secret) {
			t.Errorf("the log has %q", secret)
		}
	}
}

func TestOpenAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp := e.do(t, http.MethodGet, "/openapi.json", "", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("/openapi.json = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var doc struct {
		Swagger string         `json:"swagger"`
		Paths   map[string]any `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Swagger != "2.0" {
		t.Errorf("swagger = %q", doc.Swagger)
	}
	if _, ok := doc.Paths["/v1/accounts"]; !ok {
		t.Error(`no "/v1/accounts" path`)
	}
	// The docs page revalidates with the ETag.
	again := e.do(t, http.MethodGet, "/openapi.json", "", http.Header{"If-None-Match": {resp.Header.Get("ETag")}})
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation = %d, want 304", again.StatusCode)
	}
}

func TestDocs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp := e.do(t, http.MethodGet, "/docs/", "", nil)
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("/docs/ = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.Contains(string(page), "/openapi.json") || !strings.Contains(string(page), "swagger-ui-bundle.js") {
		t.Error("the page does not load Swagger UI with /openapi.json")
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self' 'sha256-", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "http") {
		t.Errorf("CSP %q allows too much", csp)
	}
	if resp := e.do(t, http.MethodGet, "/docs", "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("/docs = %d", resp.StatusCode)
	}
	// The assets are in the binary.
	asset := e.do(t, http.MethodGet, "/docs/swagger-ui-bundle.js", "", nil)
	if asset.StatusCode != http.StatusOK || !strings.Contains(asset.Header.Get("Content-Type"), "javascript") {
		t.Errorf("bundle = %d %s", asset.StatusCode, asset.Header.Get("Content-Type"))
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, target := range []string{"/v1/accounts/me", "/v1/accounts/missing", "/healthz", "/nothing"} {
		resp := e.do(t, http.MethodGet, target, "", nil)
		for k, want := range map[string]string{
			"X-Content-Type-Options":  "nosniff",
			"Cache-Control":           "no-store",
			"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
		} {
			if got := resp.Header.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", target, k, got, want)
			}
		}
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	const app = "https://app.example.org"
	withCORS := newEnv(t, func(cfg *gateway.Config, _ *grpc.Server) { cfg.CORSOrigins = []string{app} })
	without := newEnv(t)
	preflight := http.Header{
		"Origin":                         {app},
		"Access-Control-Request-Method":  {"POST"},
		"Access-Control-Request-Headers": {"authorization, content-type"},
	}

	resp := withCORS.do(t, http.MethodOptions, "/v1/sessions", "", preflight)
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("preflight = %d, want 204", resp.StatusCode)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != app {
		t.Errorf("Allow-Origin = %q", got)
	}
	if got := resp.Header.Get("Access-Control-Allow-Headers"); !strings.Contains(got, "Authorization") {
		t.Errorf("Allow-Headers = %q", got)
	}
	if got := resp.Header.Get("Access-Control-Allow-Credentials"); got != "" {
		t.Errorf("Allow-Credentials = %q, want none", got)
	}

	resp = withCORS.do(t, http.MethodGet, "/v1/accounts/me", "", http.Header{"Origin": {app}})
	if got := resp.Header.Get("Access-Control-Allow-Origin"); resp.StatusCode != 200 || got != app {
		t.Errorf("simple request = %d, Allow-Origin %q", resp.StatusCode, got)
	}
	if got := resp.Header.Get("Access-Control-Expose-Headers"); !strings.Contains(got, "X-Request-Id") {
		t.Errorf("Expose-Headers = %q", got)
	}

	evil := http.Header{"Origin": {"https://evil.example"}, "Access-Control-Request-Method": {"POST"}}
	resp = withCORS.do(t, http.MethodOptions, "/v1/sessions", "", evil)
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("other origin preflight = %d, Allow-Origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}

	resp = without.do(t, http.MethodOptions, "/v1/sessions", "", preflight)
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("without configured origins, Allow-Origin = %q", got)
	}
}

func TestPanicsBecome500(t *testing.T) {
	t.Parallel()
	srv := grpc.NewServer()
	conn := serveLoopback(t, srv)
	logs := &syncBuffer{}
	register := func(_ context.Context, mux *runtime.ServeMux, _ grpc.ClientConnInterface) error {
		if err := mux.HandlePath(http.MethodGet, "/v1/panic", func(http.ResponseWriter, *http.Request, map[string]string) {
			panic("handler bug")
		}); err != nil {
			return err
		}
		return mux.HandlePath(http.MethodGet, "/v1/panicLate", func(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
			_, _ = io.WriteString(w, "{")
			panic("late handler bug")
		})
	}
	h, err := gateway.New(t.Context(), gateway.Config{
		Backends: []gateway.Backend{{Name: "buggy", Conn: conn, Register: register}},
		Logger:   newJSONLogger(logs),
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{handler: h}
	resp := e.do(t, http.MethodGet, "/v1/panic", "", nil)
	got := decodeError(t, resp)
	if resp.StatusCode != 500 || got.Message != "internal error" {
		t.Errorf("panic = %d %+v", resp.StatusCode, got)
	}
	if !strings.Contains(logs.String(), "handler bug") || !strings.Contains(logs.String(), "goroutine") {
		t.Error("the panic and its stack are not logged")
	}

	// Once the response has started, the connection is cut so the client
	// cannot mistake the truncated body for a whole one.
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	hs.Config.ErrorLog = nil
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, hs.URL+"/v1/panicLate", nil)
	late, err := http.DefaultClient.Do(req)
	if err == nil {
		_, err = io.ReadAll(late.Body)
		_ = late.Body.Close()
	}
	if err == nil {
		t.Error("a response cut by a panic read as complete")
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	srv := grpc.NewServer()
	conn := serveLoopback(t, srv)
	noop := func(context.Context, *runtime.ServeMux, grpc.ClientConnInterface) error { return nil }
	tests := []struct {
		name string
		cfg  gateway.Config
	}{
		{name: "no backend", cfg: gateway.Config{}},
		{name: "duplicate name", cfg: gateway.Config{Identity: conn, Backends: []gateway.Backend{{Name: "identity", Conn: conn, Register: noop}}}},
		{name: "reserved name", cfg: gateway.Config{Backends: []gateway.Backend{{Name: "gateway", Conn: conn, Register: noop}}}},
		{name: "no register", cfg: gateway.Config{Backends: []gateway.Backend{{Name: "x", Conn: conn}}}},
		{name: "registration fails", cfg: gateway.Config{Backends: []gateway.Backend{{Name: "x", Conn: conn, Register: func(context.Context, *runtime.ServeMux, grpc.ClientConnInterface) error {
			return errors.New("boom")
		}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := gateway.New(t.Context(), tc.cfg); err == nil {
				t.Error("New accepted the config")
			}
		})
	}
	// The same registry cannot take a second gateway's metrics.
	cfg := gateway.Config{Identity: conn, Registry: newEnv(t).reg}
	if _, err := gateway.New(t.Context(), cfg); err == nil {
		t.Error("New registered its metrics twice on one registry")
	}
}
