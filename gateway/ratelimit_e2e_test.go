package gateway_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/engagehq/engage/gateway"
	"google.golang.org/grpc"
)

func TestAnonymousRateLimit(t *testing.T) {
	t.Parallel()
	// One request per ~3 hours: no refill can happen during the test.
	e := newEnv(t, func(cfg *gateway.Config, _ *grpc.Server) {
		cfg.AnonymousLimit = gateway.RateLimit{PerSecond: 1e-4, Burst: 1}
	})
	anon := func(addr string) *http.Response {
		req := newRequest(t, http.MethodPost, "/v1/sessions", http.Header{"Content-Type": {"application/json"}})
		req.RemoteAddr = addr
		return e.serve(t, req)
	}
	if resp := anon("192.0.2.10:1000"); resp.StatusCode != http.StatusOK {
		t.Fatalf("first anonymous request: %d", resp.StatusCode)
	}
	calls := e.fake.callCount()
	resp := anon("192.0.2.10:1001")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("second anonymous request: %d, want 429", resp.StatusCode)
	}
	if ra := resp.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After = %q", ra)
	}
	got := decodeError(t, resp)
	if got.Status != "RESOURCE_EXHAUSTED" || got.detail("google.rpc.RetryInfo") == nil {
		t.Errorf("body = %+v", got)
	}
	if e.fake.callCount() != calls {
		t.Error("a limited request reached the backend")
	}
	if resp := anon("192.0.2.11:1000"); resp.StatusCode != http.StatusOK {
		t.Errorf("another address: %d", resp.StatusCode)
	}
	// Requests with credentials are limited per principal by the services.
	req := newRequest(t, http.MethodGet, "/v1/accounts/me", http.Header{"Authorization": {"Bearer t"}})
	req.RemoteAddr = "192.0.2.10:1002"
	if resp := e.serve(t, req); resp.StatusCode != http.StatusOK {
		t.Errorf("authenticated request: %d", resp.StatusCode)
	}
	// Health probes are not API calls.
	req = newRequest(t, http.MethodGet, "/healthz", nil)
	req.RemoteAddr = "192.0.2.10:1003"
	if resp := e.serve(t, req); resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %d", resp.StatusCode)
	}
	if !strings.Contains(scrape(t, e), "engage_gateway_rate_limited_total 1") {
		t.Error("the refusal is not counted")
	}
	if strings.Contains(e.logs.String(), "192.0.2.10") {
		t.Error("the client address was logged")
	}
}
