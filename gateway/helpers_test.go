package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/gateway"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// call is what the test backend saw of one RPC.
type call struct {
	method      string
	md          metadata.MD
	req         any
	remaining   time.Duration // until the deadline, when the call arrived
	hasDeadline bool
}

// fakeIdentity is a test double of the identity service: enough of
// AccountService and SessionService to drive every gateway path. GetAccount
// answers by name: accounts/missing NOT_FOUND, accounts/throttled
// RESOURCE_EXHAUSTED with RetryInfo, and so on.
type fakeIdentity struct {
	identityv1.UnimplementedAccountServiceServer
	identityv1.UnimplementedSessionServiceServer

	mu    sync.Mutex
	calls []call
}

// intercept records every unary call, implemented or not.
func (f *fakeIdentity) intercept(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	d, ok := ctx.Deadline()
	c := call{method: info.FullMethod, md: md.Copy(), remaining: time.Until(d), hasDeadline: ok}
	if m, isProto := req.(proto.Message); isProto {
		c.req = proto.Clone(m)
	}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
	// Like the services, echo the request id as a response header; the id
	// "replace-me" is replaced, as a service would replace one it rejects.
	if ids := md.Get("x-request-id"); len(ids) == 1 {
		id := ids[0]
		if id == "replace-me" {
			id = "backend-chosen"
		}
		_ = grpc.SetHeader(ctx, metadata.Pairs("x-request-id", id))
	}
	return handler(ctx, req)
}

// lastCall returns the latest call, failing the test when there was none.
func (f *fakeIdentity) lastCall(t *testing.T) call {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		t.Fatal("the backend was not called")
	}
	return f.calls[len(f.calls)-1]
}

func (f *fakeIdentity) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func (f *fakeIdentity) CreateAccount(ctx context.Context, req *identityv1.CreateAccountRequest) (*identityv1.Account, error) {
	return &identityv1.Account{
		Name:        "accounts/a1",
		Email:       req.GetAccount().GetEmail(),
		DisplayName: req.GetAccount().GetDisplayName(),
		CreateTime:  timestamppb.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)),
	}, nil
}

func (f *fakeIdentity) GetAccount(ctx context.Context, req *identityv1.GetAccountRequest) (*identityv1.Account, error) {
	switch req.GetName() {
	case "accounts/missing":
		return nil, withDetails(codes.NotFound, "account not found",
			&errdetails.ErrorInfo{Reason: "NOT_FOUND", Domain: "engage.dev"})
	case "accounts/throttled":
		return nil, withDetails(codes.ResourceExhausted, "slow down",
			&errdetails.ErrorInfo{Reason: "THROTTLED", Domain: "engage.dev"},
			&errdetails.RetryInfo{RetryDelay: durationpb.New(6500 * time.Millisecond)})
	case "accounts/broken":
		return nil, withDetails(codes.Internal, "bolt: /var/lib/engage/identity.db: input/output error",
			&errdetails.DebugInfo{Detail: "goroutine 1 [running]"})
	case "accounts/stale":
		return nil, status.Error(codes.FailedPrecondition, "etag does not match")
	case "accounts/conflict":
		return nil, status.Error(codes.AlreadyExists, "email taken")
	case "accounts/signedout":
		return nil, status.Error(codes.Unauthenticated, "sign in")
	case "accounts/forbidden":
		return nil, status.Error(codes.PermissionDenied, "no")
	case "accounts/down":
		return nil, status.Error(codes.Unavailable, "dial tcp 10.0.0.7:9090: connection refused")
	case "accounts/invalid":
		return nil, withDetails(codes.InvalidArgument, "display_name: too long",
			&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: "display_name", Description: "too long"}}})
	}
	return &identityv1.Account{Name: req.GetName(), Email: "someone@example.org", DisplayName: "Someone"}, nil
}

func (f *fakeIdentity) CreateSession(ctx context.Context, req *identityv1.CreateSessionRequest) (*identityv1.Session, error) {
	return &identityv1.Session{AccessToken: "token"}, nil
}

func withDetails(c codes.Code, msg string, details ...protoadapt.MessageV1) error {
	st, err := status.New(c, msg).WithDetails(details...)
	if err != nil {
		panic(err)
	}
	return st.Err()
}

// env is one test backend on loopback and a gateway in front of it.
type env struct {
	fake    *fakeIdentity
	health  *health.Server
	handler http.Handler
	reg     *prometheus.Registry
	logs    *syncBuffer
}

type envOption func(*gateway.Config, *grpc.Server)

// newEnv starts the test backend (identity double plus gRPC health) on
// 127.0.0.1, dials it, and builds the gateway with cfg adjusted by opts.
// The anonymous rate limit is off unless an option turns it on.
func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	e := &env{fake: &fakeIdentity{}, health: health.NewServer(), reg: prometheus.NewRegistry(), logs: &syncBuffer{}}
	srv := grpc.NewServer(grpc.UnaryInterceptor(e.fake.intercept))
	identityv1.RegisterAccountServiceServer(srv, e.fake)
	identityv1.RegisterSessionServiceServer(srv, e.fake)

	cfg := gateway.Config{
		Registry:       e.reg,
		Logger:         slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		AnonymousLimit: gateway.RateLimit{Disabled: true},
	}
	for _, o := range opts {
		o(&cfg, srv)
	}
	if !hasHealth(srv) {
		grpc_health_v1.RegisterHealthServer(srv, e.health)
	}
	conn := serveLoopback(t, srv)
	cfg.Identity = conn

	h, err := gateway.New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("gateway.New: %v", err)
	}
	e.handler = h
	return e
}

func hasHealth(srv *grpc.Server) bool {
	_, ok := srv.GetServiceInfo()[grpc_health_v1.Health_ServiceDesc.ServiceName]
	return ok
}

// serveLoopback serves srv on 127.0.0.1 and returns a client connection.
func serveLoopback(t testing.TB, srv *grpc.Server) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// do serves one request in process and returns the response.
func (e *env) do(t *testing.T, method, target, body string, header http.Header) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequestWithContext(t.Context(), method, target, rd)
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if body != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return rec.Result()
}

// apiError is the JSON error body.
type apiError struct {
	Code    int              `json:"code"`
	Status  string           `json:"status"`
	Message string           `json:"message"`
	Details []map[string]any `json:"details"`
}

func decodeError(t *testing.T, resp *http.Response) apiError {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var e apiError
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("error body %q: %v", b, err)
	}
	return e
}

// detail returns the detail of type name ("google.rpc.BadRequest"), or nil.
func (e apiError) detail(name string) map[string]any {
	for _, d := range e.Details {
		if d["@type"] == "type.googleapis.com/"+name {
			return d
		}
	}
	return nil
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// logLines returns the JSON log records.
func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// newRequest builds an in-process request with header.
func newRequest(t *testing.T, method, target string, header http.Header) *http.Request {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), method, target, nil)
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	return req
}

// serve serves req in process.
func (e *env) serve(t *testing.T, req *http.Request) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return rec.Result()
}

// doChunked sends body with no declared length, as a chunked upload would.
func (e *env) doChunked(t *testing.T, method, target, body string) *http.Response {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), method, target, io.NopCloser(strings.NewReader(body)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	return e.serve(t, req)
}

// route is one REST binding of an RPC.
type route struct {
	rpc, method, path string
}

// routesOf lists the HTTP bindings declared on every RPC of the given
// proto packages, with each path template filled in with sample segments.
func routesOf(t *testing.T, packages ...protoreflect.FullName) []route {
	t.Helper()
	var out []route
	for _, pkg := range packages {
		out = append(out, packageRoutes(pkg)...)
	}
	return out
}

func packageRoutes(pkg protoreflect.FullName) []route {
	var out []route
	protoregistry.GlobalFiles.RangeFilesByPackage(pkg, func(fd protoreflect.FileDescriptor) bool {
		for i := 0; i < fd.Services().Len(); i++ {
			sd := fd.Services().Get(i)
			for j := 0; j < sd.Methods().Len(); j++ {
				md := sd.Methods().Get(j)
				rule, ok := proto.GetExtension(md.Options(), annotations.E_Http).(*annotations.HttpRule)
				if !ok || rule == nil {
					continue
				}
				for _, r := range append([]*annotations.HttpRule{rule}, rule.GetAdditionalBindings()...) {
					method, tmpl := httpBinding(r)
					if tmpl == "" {
						continue
					}
					out = append(out, route{rpc: string(md.FullName()), method: method, path: fillTemplate(tmpl)})
				}
			}
		}
		return true
	})
	return out
}

func httpBinding(r *annotations.HttpRule) (string, string) {
	switch {
	case r.GetGet() != "":
		return http.MethodGet, r.GetGet()
	case r.GetPost() != "":
		return http.MethodPost, r.GetPost()
	case r.GetPatch() != "":
		return http.MethodPatch, r.GetPatch()
	case r.GetPut() != "":
		return http.MethodPut, r.GetPut()
	case r.GetDelete() != "":
		return http.MethodDelete, r.GetDelete()
	}
	return "", ""
}

// fillTemplate turns /v1/{name=agencies/*/partners/*}:revoke into
// /v1/agencies/x/partners/x:revoke.
func fillTemplate(tmpl string) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(tmpl, '{')
		if open < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		end := strings.IndexByte(tmpl, '}')
		b.WriteString(tmpl[:open])
		v := tmpl[open+1 : end]
		pattern := "*"
		if _, p, ok := strings.Cut(v, "="); ok {
			pattern = p
		}
		pattern = strings.ReplaceAll(pattern, "**", "x/y")
		b.WriteString(strings.ReplaceAll(pattern, "*", "x"))
		tmpl = tmpl[end+1:]
	}
}

func newJSONLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
