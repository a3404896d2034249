package identity_test

import (
	"context"
	"google.golang.org/protobuf/proto"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/grpcserver"
	"github.com/engagehq/engage/services/internal/identity"
	"github.com/engagehq/engage/services/internal/identity/boltstore"
	"github.com/google/go-cmp/cmp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/testing/protocmp"
)

// serviceSecret is the internal credential of the test deployment.
const serviceSecret = "test-internal-secret-0123456789abcdef"

// testPassword passes the password policy.
const testPassword = "violet lantern orchard"

// clock is the test deployment's time; tests move it instead of sleeping.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is one identity deployment: the real bbolt store, the real gRPC
// server bootstrap with the real auth interceptor, over bufconn.
type env struct {
	clock    *clock
	svc      *identity.Service
	store    *boltstore.Store
	accounts identityv1.AccountServiceClient
	sessions identityv1.SessionServiceClient
	agencies identityv1.AgencyServiceClient
	partners identityv1.PartnerServiceClient
	audit    identityv1.AuditServiceClient
	creds    identityv1.CredentialServiceClient
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c := &clock{now: time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)}
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "identity.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	svc, err := identity.New(t.Context(), store, identity.Config{
		// Cheap hashes: the tests are about behaviour, not cost.
		Password: identity.PasswordParams{Memory: 64, Time: 1, Threads: 1},
		Now:      c.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	in, err := auth.NewInterceptor(auth.Config{
		Verifier:      auth.NewVerifier(svc, c.Now),
		APIKeys:       svc,
		ServiceSecret: serviceSecret,
		Audit:         svc,
		Service:       "identity",
		Limits:        auth.Limits{Principal: auth.RateLimit{Rate: 1e6, Burst: 1e6}, Anonymous: auth.RateLimit{Rate: 1e6, Burst: 1e6}},
		Now:           c.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := grpcserver.New(grpcserver.WithUnaryInterceptors(in.Unary()), grpcserver.WithStreamInterceptors(in.Stream()))
	if err != nil {
		t.Fatal(err)
	}
	svc.Register(srv.GRPC())
	lis := bufconn.Listen(1 << 20)
	go func() { _ = srv.Serve(lis) }()
	srv.SetServing()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })

	conn, err := grpc.NewClient("passthrough:///identity",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &env{
		clock:    c,
		svc:      svc,
		store:    store,
		accounts: identityv1.NewAccountServiceClient(conn),
		sessions: identityv1.NewSessionServiceClient(conn),
		agencies: identityv1.NewAgencyServiceClient(conn),
		partners: identityv1.NewPartnerServiceClient(conn),
		audit:    identityv1.NewAuditServiceClient(conn),
		creds:    identityv1.NewCredentialServiceClient(conn),
	}
}

// bearer returns a context that calls with an access token.
func bearer(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}

// apiKey returns a context that calls with a partner API key.
func apiKey(ctx context.Context, key string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "x-api-key", key)
}

// asService returns a context that calls as another Engage service.
func asService(ctx context.Context, name string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Service "+serviceSecret, "x-engage-service", name)
}

// code returns the TOTP code for secret at the deployment's current time.
func (e *env) code(t *testing.T, secret string) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, e.clock.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// user is a signed-up account with its password and, once enrolled, its
// TOTP secret.
type user struct {
	account  *identityv1.Account
	email    string
	password string
	secret   string
}

func (e *env) signUp(t *testing.T, email string) *user {
	t.Helper()
	a, err := e.accounts.CreateAccount(t.Context(), &identityv1.CreateAccountRequest{Account: &identityv1.Account{
		Email: email, DisplayName: "Person " + strings.Split(email, "@")[0], Password: proto.String(testPassword),
	}})
	if err != nil {
		t.Fatalf("sign up %s: %v", email, err)
	}
	return &user{account: a, email: email, password: testPassword}
}

func (e *env) signIn(t *testing.T, u *user) *identityv1.Session {
	t.Helper()
	req := &identityv1.CreateSessionRequest{Email: u.email, Password: u.password}
	if u.secret != "" {
		req.TotpCode = e.code(t, u.secret)
	}
	s, err := e.sessions.CreateSession(t.Context(), req)
	if err != nil {
		t.Fatalf("sign in %s: %v", u.email, err)
	}
	return s
}

// enrollTOTP enrolls and verifies a second factor for u, then moves the
// clock to the next time step, since a code works only once.
func (e *env) enrollTOTP(t *testing.T, u *user) {
	t.Helper()
	ctx := bearer(t.Context(), e.signIn(t, u).GetAccessToken())
	enr, err := e.accounts.EnrollTotp(ctx, &identityv1.EnrollTotpRequest{Name: "accounts/me", Password: u.password})
	if err != nil {
		t.Fatalf("enroll: %v", err)
	}
	if _, err := e.accounts.VerifyTotp(ctx, &identityv1.VerifyTotpRequest{Name: "accounts/me", Code: e.code(t, enr.GetSecret())}); err != nil {
		t.Fatalf("verify: %v", err)
	}
	u.secret = enr.GetSecret()
	e.clock.Advance(30 * time.Second)
}

// admin bootstraps the platform administrator and returns a context that
// calls with an MFA session of it.
func (e *env) admin(t *testing.T) context.Context {
	t.Helper()
	const email = "root@example.org"
	created, pw, err := e.svc.Bootstrap(t.Context(), email, "")
	if err != nil || !created || pw == "" {
		t.Fatalf("bootstrap: created %v, password set %v, error %v", created, pw != "", err)
	}
	u := &user{email: email, password: pw}
	e.enrollTOTP(t, u)
	return bearer(t.Context(), e.signIn(t, u).GetAccessToken())
}

// createAgency creates agency id as the platform administrator.
func (e *env) createAgency(t *testing.T, admin context.Context, id string) *identityv1.Agency {
	t.Helper()
	a, err := e.agencies.CreateAgency(admin, &identityv1.CreateAgencyRequest{
		AgencyId: id, Agency: &identityv1.Agency{DisplayName: "Agency " + id, TimeZone: "America/Chicago"},
	})
	if err != nil {
		t.Fatalf("create agency %s: %v", id, err)
	}
	return a
}

// staff signs up email, binds role in agency and returns a context with an
// MFA session, in which the role takes effect.
func (e *env) staff(t *testing.T, admin context.Context, agency, email string, role accessv1.Role) (*user, context.Context) {
	t.Helper()
	u := e.signUp(t, email)
	e.grant(t, admin, agency, u.account.GetName(), role)
	e.enrollTOTP(t, u)
	return u, bearer(t.Context(), e.signIn(t, u).GetAccessToken())
}

func (e *env) grant(t *testing.T, ctx context.Context, agency, member string, role accessv1.Role) *identityv1.RoleBinding {
	t.Helper()
	b, err := e.agencies.CreateRoleBinding(ctx, &identityv1.CreateRoleBindingRequest{
		Parent: "agencies/" + agency, RoleBinding: &identityv1.RoleBinding{Member: member, Role: role},
	})
	if err != nil {
		t.Fatalf("grant %s to %s: %v", role, member, err)
	}
	return b
}

// wantCode fails unless err is a gRPC status with code want.
func wantCode(t *testing.T, what string, err error, want codes.Code) {
	t.Helper()
	if got := status.Code(err); got != want {
		t.Fatalf("%s: code %s (%v), want %s", what, got, err, want)
	}
}

// badField returns the field named by an INVALID_ARGUMENT's BadRequest
// details ("" when there is none).
func badField(err error) string {
	st, _ := status.FromError(err)
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok && len(br.GetFieldViolations()) > 0 {
			return br.GetFieldViolations()[0].GetField()
		}
	}
	return ""
}

// reason returns the ErrorInfo reason of err.
func reason(err error) string {
	st, _ := status.FromError(err)
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}

// wantField fails unless err is INVALID_ARGUMENT naming field.
func wantField(t *testing.T, what string, err error, field string) {
	t.Helper()
	wantCode(t, what, err, codes.InvalidArgument)
	if got := badField(err); got != field {
		t.Fatalf("%s: field %q (%v), want %q", what, got, err, field)
	}
}

func diff(t *testing.T, what string, got, want any, opts ...cmp.Option) {
	t.Helper()
	opts = append(opts, protocmp.Transform())
	if d := cmp.Diff(want, got, opts...); d != "" {
		t.Fatalf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// toStatus translates a domain error as the server bootstrap does.
func toStatus(err error) error {
	st, _ := errs.ToStatus(err)
	return st.Err()
}
