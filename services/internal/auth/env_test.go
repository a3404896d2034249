package auth

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/audit"
	"github.com/engagehq/engage/services/internal/errs"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
)

const testSecret = "0123456789abcdef0123456789abcdef-internal"

// fakeIdentity is a tiny implementation of some identity services; it
// reveals what the interceptor put into its context.
type fakeIdentity struct {
	identityv1.UnimplementedAgencyServiceServer
	identityv1.UnimplementedAccountServiceServer
	identityv1.UnimplementedCredentialServiceServer
}

func (fakeIdentity) GetAgency(_ context.Context, req *identityv1.GetAgencyRequest) (*identityv1.Agency, error) {
	return &identityv1.Agency{Name: req.GetName()}, nil
}

func (fakeIdentity) CreateAgency(_ context.Context, req *identityv1.CreateAgencyRequest) (*identityv1.Agency, error) {
	return &identityv1.Agency{Name: "agencies/" + req.GetAgencyId()}, nil
}

func (fakeIdentity) ListRoleBindings(context.Context, *identityv1.ListRoleBindingsRequest) (*identityv1.ListRoleBindingsResponse, error) {
	return &identityv1.ListRoleBindingsResponse{}, nil
}

func (fakeIdentity) CreateRoleBinding(_ context.Context, req *identityv1.CreateRoleBindingRequest) (*identityv1.RoleBinding, error) {
	if req.GetParent() == "agencies/missing" {
		return nil, fmt.Errorf("agency %q: %w", req.GetParent(), errs.NotFound)
	}
	return &identityv1.RoleBinding{Name: req.GetParent() + "/roleBindings/rb1"}, nil
}

func (fakeIdentity) GetAccount(ctx context.Context, _ *identityv1.GetAccountRequest) (*identityv1.Account, error) {
	return &identityv1.Account{Name: FromContext(ctx).Name}, nil
}

func (fakeIdentity) ListAccounts(context.Context, *identityv1.ListAccountsRequest) (*identityv1.ListAccountsResponse, error) {
	return &identityv1.ListAccountsResponse{}, nil
}

func (fakeIdentity) IntrospectApiKey(ctx context.Context, _ *identityv1.IntrospectApiKeyRequest) (*identityv1.IntrospectApiKeyResponse, error) {
	return &identityv1.IntrospectApiKeyResponse{Partner: FromContext(ctx).Name}, nil
}

// fakeRecorder keeps the events it is given, or fails.
type fakeRecorder struct {
	fail bool

	mu     sync.Mutex
	events []audit.Event
}

func (r *fakeRecorder) Record(_ context.Context, e audit.Event) error {
	if r.fail {
		return fmt.Errorf("append: %w", errs.Unavailable)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	return nil
}

func (r *fakeRecorder) take() []audit.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	ev := r.events
	r.events = nil
	return ev
}

// apiKeyTable is a local APIKeyResolver, as identity has.
type apiKeyTable map[string]Principal

func (t apiKeyTable) ResolveAPIKey(_ context.Context, key string) (Principal, error) {
	p, ok := t[key]
	if !ok {
		return Principal{}, fmt.Errorf("api key: %w", errs.Unauthenticated)
	}
	return p, nil
}

// syncBuffer is a log destination safe for concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is a gRPC server with the interceptor in front of the fake identity
// services, TestService and health, and a client connection to it.
type env struct {
	conn       *grpc.ClientConn
	clock      *fakeClock
	issuer     *Issuer
	recorder   *fakeRecorder
	test       *testServer
	logs       *syncBuffer
	partnerKey string // ROLE_ANALYST and ROLE_CONTACT_REPORTER on metro
}

func (e *env) agencies() identityv1.AgencyServiceClient {
	return identityv1.NewAgencyServiceClient(e.conn)
}

func (e *env) accounts() identityv1.AccountServiceClient {
	return identityv1.NewAccountServiceClient(e.conn)
}

func (e *env) credentials() identityv1.CredentialServiceClient {
	return identityv1.NewCredentialServiceClient(e.conn)
}

// newEnv builds an env; configure may change the interceptor's Config.
func newEnv(t *testing.T, configure func(*Config)) *env {
	t.Helper()
	key := testKey(t)
	clock := newClock()
	e := &env{
		clock:      clock,
		issuer:     NewIssuer(key, 0, clock.Now),
		recorder:   &fakeRecorder{},
		test:       newTestServer(),
		logs:       &syncBuffer{},
		partnerKey: "eng_partnerkey",
	}
	cfg := Config{
		Verifier: NewVerifier(staticKeysOf(key), clock.Now),
		APIKeys: apiKeyTable{e.partnerKey: {Kind: Partner, Name: "agencies/metro/partners/cad", Roles: map[string][]accessv1.Role{
			"metro": {accessv1.Role_ROLE_ANALYST, accessv1.Role_ROLE_CONTACT_REPORTER},
		}}},
		ServiceSecret: testSecret,
		Audit:         e.recorder,
		Service:       "testsvc",
		Logger:        slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Limits:        Limits{Principal: RateLimit{Rate: 1000, Burst: 1000}, Anonymous: RateLimit{Rate: 1000, Burst: 1000}},
		Now:           clock.Now,
	}
	if configure != nil {
		configure(&cfg)
	}
	in, err := NewInterceptor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer(
		grpc.ChainUnaryInterceptor(translate, in.Unary()),
		grpc.ChainStreamInterceptor(translateStream, in.Stream()),
	)
	id := fakeIdentity{}
	identityv1.RegisterAgencyServiceServer(s, id)
	identityv1.RegisterAccountServiceServer(s, id)
	identityv1.RegisterCredentialServiceServer(s, id)
	healthpb.RegisterHealthServer(s, health.NewServer())
	s.RegisterService(e.test.desc(), nil)
	e.conn = serve(t, s)
	return e
}

// cred adds credentials to an outgoing context.
type cred func(t *testing.T, e *env, ctx context.Context) context.Context

func noCred(_ *testing.T, _ *env, ctx context.Context) context.Context { return ctx }

func bearer(c TokenClaims) cred {
	return func(t *testing.T, e *env, ctx context.Context) context.Context {
		t.Helper()
		tok, _, err := e.issuer.Issue(c)
		if err != nil {
			t.Fatal(err)
		}
		return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok)
	}
}

func header(kv ...string) cred {
	return func(_ *testing.T, _ *env, ctx context.Context) context.Context {
		return metadata.AppendToOutgoingContext(ctx, kv...)
	}
}

func partnerKey(_ *testing.T, e *env, ctx context.Context) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "x-api-key", e.partnerKey)
}

func partnerKeyScheme(_ *testing.T, e *env, ctx context.Context) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "ApiKey "+e.partnerKey)
}

func service(name, secret string) cred {
	return func(t *testing.T, _ *env, ctx context.Context) context.Context {
		t.Helper()
		md, err := ServiceCredentials(name, secret).GetRequestMetadata(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range md {
			ctx = metadata.AppendToOutgoingContext(ctx, k, v)
		}
		return ctx
	}
}

func both(a, b cred) cred {
	return func(t *testing.T, e *env, ctx context.Context) context.Context {
		return b(t, e, a(t, e, ctx))
	}
}

// The callers used across the tests.
var (
	resident      = TokenClaims{Account: "r1", SessionID: "s1"}
	metroAdmin    = TokenClaims{Account: "m1", SessionID: "s2", MFA: true, Roles: map[string][]accessv1.Role{"metro": {accessv1.Role_ROLE_AGENCY_ADMIN}}}
	metroAnalyst  = TokenClaims{Account: "m2", SessionID: "s3", MFA: true, Roles: map[string][]accessv1.Role{"metro": {accessv1.Role_ROLE_ANALYST}}}
	metroModer    = TokenClaims{Account: "m3", SessionID: "s4", MFA: true, Roles: map[string][]accessv1.Role{"metro": {accessv1.Role_ROLE_MODERATOR}}}
	platformAdmin = TokenClaims{Account: "p1", SessionID: "s5", MFA: true, PlatformAdmin: true}
)

// mdHas reports whether md has key, for readable assertions.
func mdHas(md metadata.MD, key string) bool {
	return len(md.Get(strings.ToLower(key))) > 0
}
