package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/gateway"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
)

func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	resp := e.do(t, http.MethodPost, "/v1/accounts?requestId=0b7c1f0e-8f7e-4c1a-9a53-3a4b2b1c9d10",
		`{"email":"ada@example.org","displayName":"Ada","password":"correct horse battery"}`, nil)
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var got map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	// Default values are written: false, empty lists and strings are there,
	// an unset message is absent rather than null, and so is the input-only
	// password (a field with presence).
	want := map[string]any{
		"name":          "accounts/a1",
		"email":         "ada@example.org",
		"displayName":   "Ada",
		"totpEnabled":   false,
		"platformAdmin": false,
		"agencyRoles":   []any{},
		"createTime":    "2026-01-02T03:04:05Z",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("response body (-want +got):\n%s", diff)
	}

	c := e.fake.lastCall(t)
	wantReq := &identityv1.CreateAccountRequest{
		Account:   &identityv1.Account{Email: "ada@example.org", DisplayName: "Ada", Password: proto.String("correct horse battery")},
		RequestId: "0b7c1f0e-8f7e-4c1a-9a53-3a4b2b1c9d10",
	}
	if diff := cmp.Diff(any(wantReq), c.req, protocmp.Transform()); diff != "" {
		t.Errorf("backend request (-want +got):\n%s", diff)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(cfg *gateway.Config, _ *grpc.Server) { cfg.MaxBodyBytes = 1 << 20 })
	twoMiB := `{"email":"` + strings.Repeat("a", 2<<20) + `"}`

	tests := []struct {
		name        string
		method      string
		target      string
		body        string
		header      http.Header
		chunked     bool // send the body without Content-Length
		wantHTTP    int
		wantStatus  string
		wantField   string // BadRequest field violation, if any
		wantReason  string // ErrorInfo reason, if any
		wantInMsg   string
		notInMsg    string
		wantBackend bool
	}{
		{
			name: "unknown field names it", method: "POST", target: "/v1/accounts",
			body:     `{"email":"a@example.org","nickname":"x"}`,
			wantHTTP: 400, wantStatus: "INVALID_ARGUMENT", wantField: "nickname", wantReason: "INVALID_REQUEST", wantInMsg: `"nickname"`,
		},
		{
			name: "malformed JSON", method: "POST", target: "/v1/accounts", body: `{"email":`,
			wantHTTP: 400, wantStatus: "INVALID_ARGUMENT", wantReason: "MALFORMED_JSON", wantInMsg: "malformed JSON",
		},
		{
			name: "not an object", method: "POST", target: "/v1/sessions", body: `[1,2]`,
			wantHTTP: 400, wantStatus: "INVALID_ARGUMENT", wantReason: "MALFORMED_JSON",
		},
		{
			name: "wrong JSON type", method: "POST", target: "/v1/accounts", body: `{"email":5}`,
			wantHTTP: 400, wantStatus: "INVALID_ARGUMENT", wantField: "email", wantInMsg: "email",
		},
		{
			name: "bad enum value", method: "POST", target: "/v1/accounts", body: `{"agencyRoles":[{"roles":["SHERIFF"]}]}`,
			wantHTTP: 400, wantStatus: "INVALID_ARGUMENT", wantField: "roles", wantInMsg: "SHERIFF",
		},
		{
			name: "bad query parameter", method: "GET", target: "/v1/accounts?pageSize=many",
			wantHTTP: 400, wantStatus: "INVALID_ARGUMENT", wantField: "page_size",
		},
		{
			name: "misspelt query parameter", method: "GET", target: "/v1/accounts?pageSize=5&pagesize=10",
			wantHTTP: 400, wantStatus: "INVALID_ARGUMENT", wantField: "pagesize", wantReason: "INVALID_REQUEST", wantInMsg: `"pagesize"`,
		},
		{
			name: "query parameter of a whole-body method", method: "POST", target: "/v1/sessions:refresh?requestId=r1", body: `{"refreshToken":"r"}`,
			wantHTTP: 400, wantStatus: "INVALID_ARGUMENT", wantField: "requestId", wantReason: "INVALID_REQUEST", wantInMsg: "JSON body",
		},
		{
			name: "malformed query of a whole-body method", method: "POST", target: "/v1/sessions:refresh?%zz", body: `{"refreshToken":"r"}`,
			wantHTTP: 400, wantStatus: "INVALID_ARGUMENT", wantReason: "INVALID_REQUEST", wantInMsg: "JSON body",
		},
		{
			name: "bad Grpc-Timeout", method: "GET", target: "/v1/accounts/me", header: http.Header{"Grpc-Timeout": {"soon"}},
			wantHTTP: 400, wantStatus: "INVALID_ARGUMENT", wantInMsg: "grpc-timeout",
		},
		{
			name: "body over the limit with Content-Length", method: "POST", target: "/v1/accounts", body: twoMiB,
			wantHTTP: 413, wantStatus: "INVALID_ARGUMENT", wantReason: "BODY_TOO_LARGE",
		},
		{
			name: "body over the limit, chunked", method: "POST", target: "/v1/accounts", body: twoMiB, chunked: true,
			wantHTTP: 413, wantStatus: "INVALID_ARGUMENT", wantReason: "BODY_TOO_LARGE",
		},
		{
			name: "NOT_FOUND", method: "GET", target: "/v1/accounts/missing",
			wantHTTP: 404, wantStatus: "NOT_FOUND", wantReason: "NOT_FOUND", wantBackend: true,
		},
		{
			name: "backend INVALID_ARGUMENT keeps its field", method: "GET", target: "/v1/accounts/invalid",
			wantHTTP: 400, wantStatus: "INVALID_ARGUMENT", wantField: "display_name", wantInMsg: "display_name: too long", wantBackend: true,
		},
		{
			name: "FAILED_PRECONDITION is 412", method: "GET", target: "/v1/accounts/stale",
			wantHTTP: 412, wantStatus: "FAILED_PRECONDITION", wantBackend: true,
		},
		{
			name: "ALREADY_EXISTS is 409", method: "GET", target: "/v1/accounts/conflict",
			wantHTTP: 409, wantStatus: "ALREADY_EXISTS", wantBackend: true,
		},
		{
			name: "PERMISSION_DENIED is 403", method: "GET", target: "/v1/accounts/forbidden",
			wantHTTP: 403, wantStatus: "PERMISSION_DENIED", wantBackend: true,
		},
		{
			name: "INTERNAL is generic", method: "GET", target: "/v1/accounts/broken",
			wantHTTP: 500, wantStatus: "INTERNAL", wantInMsg: "internal error", notInMsg: "bolt", wantBackend: true,
		},
		{
			name: "UNAVAILABLE hides the address", method: "GET", target: "/v1/accounts/down",
			wantHTTP: 503, wantStatus: "UNAVAILABLE", notInMsg: "10.0.0.7", wantBackend: true,
		},
		{
			name: "UNIMPLEMENTED is 501", method: "POST", target: "/v1/sessions:refresh", body: `{"refreshToken":"r"}`,
			wantHTTP: 501, wantStatus: "UNIMPLEMENTED", wantBackend: true,
		},
		{
			name: "unknown path", method: "GET", target: "/v1/nothing/here",
			wantHTTP: 404, wantStatus: "NOT_FOUND", wantReason: "ROUTE_NOT_FOUND",
		},
		{
			name: "wrong method", method: "DELETE", target: "/v1/sessions",
			wantHTTP: 405, wantStatus: "UNIMPLEMENTED", wantReason: "METHOD_NOT_ALLOWED",
		},
		{
			name: "service credential from outside", method: "GET", target: "/v1/accounts/me",
			header:   http.Header{"Authorization": {"Service s3cret"}},
			wantHTTP: 401, wantStatus: "UNAUTHENTICATED",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The cases share one backend, so they run in sequence to tell
			// which of them called it.
			before := e.fake.callCount()
			var resp *http.Response
			if tc.chunked {
				resp = e.doChunked(t, tc.method, tc.target, tc.body)
			} else {
				resp = e.do(t, tc.method, tc.target, tc.body, tc.header)
			}
			if resp.StatusCode != tc.wantHTTP {
				t.Errorf("HTTP status = %d, want %d", resp.StatusCode, tc.wantHTTP)
			}
			if ids := resp.Header.Values("X-Request-Id"); len(ids) != 1 {
				t.Errorf("X-Request-Id = %q, want one value", ids)
			}
			got := decodeError(t, resp)
			if got.Code != tc.wantHTTP || got.Status != tc.wantStatus {
				t.Errorf("body code, status = %d, %s; want %d, %s", got.Code, got.Status, tc.wantHTTP, tc.wantStatus)
			}
			if tc.wantInMsg != "" && !strings.Contains(got.Message, tc.wantInMsg) {
				t.Errorf("message %q does not contain %q", got.Message, tc.wantInMsg)
			}
			if tc.notInMsg != "" && strings.Contains(got.Message, tc.notInMsg) {
				t.Errorf("message %q leaks %q", got.Message, tc.notInMsg)
			}
			if tc.wantField != "" {
				br := got.detail("google.rpc.BadRequest")
				if br == nil {
					t.Fatalf("no BadRequest detail in %+v", got.Details)
				}
				fv := br["fieldViolations"].([]any)[0].(map[string]any)
				if fv["field"] != tc.wantField {
					t.Errorf("field violation on %q, want %q", fv["field"], tc.wantField)
				}
			}
			if tc.wantReason != "" {
				info := got.detail("google.rpc.ErrorInfo")
				if info == nil || info["reason"] != tc.wantReason {
					t.Errorf("ErrorInfo = %v, want reason %s", info, tc.wantReason)
				}
			}
			if called := e.fake.callCount() > before; called != tc.wantBackend {
				t.Errorf("backend called = %v, want %v", called, tc.wantBackend)
			}
		})
	}
}

func TestServerErrorsShowNoInternals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp := e.do(t, http.MethodGet, "/v1/accounts/broken", "", nil)
	got := decodeError(t, resp)
	want := apiError{Code: 500, Status: "INTERNAL", Message: "internal error", Details: []map[string]any{}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	// The cause is in the log for the operator.
	if !strings.Contains(e.logs.String(), "input/output error") {
		t.Error("the internal error is not logged")
	}
}

func TestRetryAfterFromRetryInfo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp := e.do(t, http.MethodGet, "/v1/accounts/throttled", "", nil)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status = %d, want 429", resp.StatusCode)
	}
	// 6.5 s rounds up: retrying early would only be refused again.
	if got := resp.Header.Get("Retry-After"); got != "7" {
		t.Errorf("Retry-After = %q, want 7", got)
	}
	got := decodeError(t, resp)
	if got.detail("google.rpc.RetryInfo") == nil {
		t.Errorf("no RetryInfo in %v", got.Details)
	}
}

func TestUnauthenticatedAsksForBearer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp := e.do(t, http.MethodGet, "/v1/accounts/signedout", "", nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status = %d, want 401", resp.StatusCode)
	}
	if got := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
		t.Errorf("WWW-Authenticate = %q", got)
	}
}

func TestMetadataAllowList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const (
		clientIP  = "198.51.100.23"
		forwarded = "203.0.113.9"
		agent     = "NosyBrowser/9.9"
		cookie    = "session=abcdef123456"
	)
	header := http.Header{
		"Authorization":         {"Bearer token-123"},
		"X-Request-Id":          {"req-42"},
		"Accept-Language":       {"fr-CA"},
		"X-Forwarded-For":       {forwarded},
		"X-Forwarded-Host":      {"evil.example"},
		"X-Real-Ip":             {forwarded},
		"Forwarded":             {"for=" + forwarded},
		"User-Agent":            {agent},
		"Cookie":                {cookie},
		"Grpc-Metadata-X-Role":  {"platform_admin"},
		"Grpc-Metadata-Cookie":  {cookie},
		"X-Engage-Service":      {"identity"},
		"Grpc-Metadata-X-Trust": {"yes"},
	}
	req := newRequest(t, http.MethodGet, "/v1/accounts/me", header)
	req.RemoteAddr = clientIP + ":51234"
	e.serve(t, req)

	md := e.fake.lastCall(t).md
	for _, k := range []string{"authorization", "x-request-id", "accept-language"} {
		if len(md.Get(k)) != 1 {
			t.Errorf("metadata %s = %q, want one value", k, md.Get(k))
		}
	}
	if got := md.Get("authorization"); len(got) == 1 && got[0] != "Bearer token-123" {
		t.Errorf("authorization = %q", got)
	}
	if got := md.Get("x-request-id"); len(got) == 1 && got[0] != "req-42" {
		t.Errorf("x-request-id = %q", got)
	}
	for k, vs := range md {
		switch {
		case strings.HasPrefix(k, "x-forwarded"), strings.HasPrefix(k, "grpcgateway-"),
			k == "cookie", k == "x-real-ip", k == "forwarded", k == "x-role", k == "x-trust", k == "x-engage-service":
			t.Errorf("metadata %s reached the backend", k)
		}
		for _, v := range vs {
			for _, secret := range []string{clientIP, forwarded, agent, cookie, "evil.example"} {
				if strings.Contains(v, secret) {
					t.Errorf("metadata %s = %q carries %q", k, v, secret)
				}
			}
		}
	}
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		sent        []string
		anonymous   bool // no credentials
		keep        bool
		wantID      string
		backendSees string
	}{
		{name: "a sane id is kept", sent: []string{"abc-123_x.y"}, keep: true, wantID: "abc-123_x.y"},
		{name: "a caller without credentials gets its own", sent: []string{"abc-123_x.y"}, anonymous: true},
		{name: "the backend's own id wins", sent: []string{"replace-me"}, keep: true, wantID: "backend-chosen", backendSees: "replace-me"},
		{name: "none gets one", sent: nil},
		{name: "a forged log line is replaced", sent: []string{`x" level=ERROR msg="fake`}},
		{name: "too long is replaced", sent: []string{strings.Repeat("a", 65)}},
		{name: "two values are replaced", sent: []string{"a", "b"}},
	}
	e := newEnv(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{"X-Request-Id": tc.sent}
			if !tc.anonymous {
				h.Set("Authorization", "Bearer a-token")
			}
			resp := e.do(t, http.MethodGet, "/v1/accounts/me", "", h)
			got := resp.Header.Values("X-Request-Id")
			if len(got) != 1 || got[0] == "" {
				t.Fatalf("X-Request-Id = %q, want one value", got)
			}
			if tc.keep && got[0] != tc.wantID {
				t.Errorf("X-Request-Id = %q, want %q", got[0], tc.wantID)
			}
			if !tc.keep && len(tc.sent) > 0 && got[0] == tc.sent[0] {
				t.Errorf("X-Request-Id %q was kept", got[0])
			}
			want := got[0]
			if tc.backendSees != "" {
				want = tc.backendSees
			}
			if md := e.fake.lastCall(t).md.Get("x-request-id"); len(md) != 1 || md[0] != want {
				t.Errorf("backend saw x-request-id %q, want %q", md, want)
			}
		})
	}
}

func TestDeadlineCap(t *testing.T) {
	t.Parallel()
	const maxTimeout = 5 * time.Second
	e := newEnv(t, func(cfg *gateway.Config, _ *grpc.Server) { cfg.MaxTimeout = maxTimeout })
	tests := []struct {
		name    string
		timeout string
		atMost  time.Duration
	}{
		{name: "10 minutes is capped", timeout: "10M", atMost: maxTimeout},
		{name: "none gets the cap", timeout: "", atMost: maxTimeout},
		{name: "a shorter one is kept", timeout: "1S", atMost: time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.timeout != "" {
				h.Set("Grpc-Timeout", tc.timeout)
			}
			resp := e.do(t, http.MethodGet, "/v1/accounts/me", "", h)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d", resp.StatusCode)
			}
			c := e.fake.lastCall(t)
			if !c.hasDeadline {
				t.Fatal("the backend call had no deadline")
			}
			// What is left when the call arrives can only be less than what
			// the gateway granted, however slow the machine is.
			if c.remaining > tc.atMost {
				t.Errorf("the backend had %v left, more than %v", c.remaining, tc.atMost)
			}
		})
	}
}

func TestEveryAnnotatedRPCIsRouted(t *testing.T) {
	t.Parallel()
	// A backend with no service at all: every routed call reaches
	// it and comes back UNIMPLEMENTED, while a missing route would be the
	// gateway's own 404.
	srv := grpc.NewServer()
	conn := serveLoopback(t, srv)
	h, err := gateway.New(t.Context(), gateway.Config{Identity: conn, Forum: conn, Feedback: conn, Alerts: conn, AnonymousLimit: gateway.RateLimit{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{handler: h}
	routes := routesOf(t, "engage.identity.v1", "engage.forum.v1", "engage.feedback.v1", "engage.alerts.v1")
	if len(routes) < 55 {
		t.Fatalf("found only %d annotated RPCs", len(routes))
	}
	for _, rt := range routes {
		t.Run(rt.rpc, func(t *testing.T) {
			body := ""
			if rt.method != http.MethodGet && rt.method != http.MethodDelete {
				body = "{}"
			}
			resp := e.do(t, rt.method, rt.path, body, nil)
			if got := decodeError(t, resp); got.Status != "UNIMPLEMENTED" || resp.StatusCode != http.StatusNotImplemented {
				t.Errorf("%s %s: %d %s %q, want the backend's 501", rt.method, rt.path, resp.StatusCode, got.Status, got.Message)
			}
		})
	}
}
