package feedback_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/feedback"
	"github.com/engagehq/engage/services/internal/feedback/boltstore"
	"github.com/engagehq/engage/services/internal/grpcserver"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/testing/protocmp"
)

// fbClock is the test deployment's time; tests move it instead of
// sleeping.
type fbClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fbClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fbClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// directory knows the test agencies.
type directory map[string]*time.Location

func (d directory) Agency(_ context.Context, id string) (feedback.AgencyInfo, error) {
	loc, ok := d[id]
	if !ok {
		return feedback.AgencyInfo{}, fmt.Errorf("agency %s: %w", id, errs.NotFound)
	}
	return feedback.AgencyInfo{Location: loc}, nil
}

// fbStart is the test deployment's first moment: Wednesday 2026-05-06,
// 10:37:12 UTC.
var fbStart = time.Date(2026, 5, 6, 10, 37, 12, 0, time.UTC)

const serviceSecret = "a-service-secret-of-at-least-32-characters"

// fbEnv is one feedback deployment: the real bbolt store and the real gRPC
// bootstrap with the real auth interceptor, over bufconn.
type fbEnv struct {
	clock    *fbClock
	svc      *feedback.Service
	store    *boltstore.Store
	issuer   *auth.Issuer
	feedback feedbackv1.FeedbackServiceClient
	stats    feedbackv1.StatsServiceClient
}

func newFBEnv(t testing.TB) *fbEnv {
	t.Helper()
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "feedback.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	c := &fbClock{now: fbStart}
	svc, err := feedback.New(store, feedback.Config{
		Agencies: directory{"metro": chicago, "other": time.UTC},
		Now:      c.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	key, err := auth.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	in, err := auth.NewInterceptor(auth.Config{
		Verifier:      auth.NewVerifier(auth.StaticKeys{key.ID: key.Public()}, c.Now),
		ServiceSecret: serviceSecret,
		Service:       "feedback",
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
	conn, err := grpc.NewClient("passthrough:///feedback",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &fbEnv{
		clock: c, svc: svc, store: store, issuer: auth.NewIssuer(key, 0, c.Now),
		feedback: feedbackv1.NewFeedbackServiceClient(conn),
		stats:    feedbackv1.NewStatsServiceClient(conn),
	}
}

// caller is an account of the test deployment.
type caller struct {
	e      *fbEnv
	claims auth.TokenClaims
}

func (u *caller) name() string { return "accounts/" + u.claims.Account }

// ctx returns a context calling as the account, with a fresh token.
func (u *caller) ctx(t testing.TB) context.Context {
	t.Helper()
	token, _, err := u.e.issuer.Issue(u.claims)
	if err != nil {
		t.Fatal(err)
	}
	return metadata.AppendToOutgoingContext(t.Context(), "authorization", "Bearer "+token)
}

func (e *fbEnv) resident(id string) *caller {
	return &caller{e: e, claims: auth.TokenClaims{Account: id, SessionID: "s-" + id, AccountCreateTime: fbStart.AddDate(-1, 0, 0)}}
}

// staff returns an account holding roles in agency, signed in with a
// second factor.
func (e *fbEnv) staff(id, agency string, roles ...accessv1.Role) *caller {
	u := e.resident(id)
	u.claims.MFA = true
	u.claims.Roles = map[string][]accessv1.Role{agency: roles}
	return u
}

func (e *fbEnv) analyst(id, agency string) *caller {
	return e.staff(id, agency, accessv1.Role_ROLE_ANALYST)
}

// service returns a context calling as another Engage service.
func service(t testing.TB) context.Context {
	return metadata.AppendToOutgoingContext(t.Context(), "authorization", "Service "+serviceSecret, "x-engage-service", "training")
}

// complaint returns a valid submission.
func complaint(text string) *feedbackv1.Feedback {
	r := int32(2)
	return &feedbackv1.Feedback{
		Kind: feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLAINT, Category: "courtesy", Text: text, Rating: &r, Area: "north",
	}
}

// submit creates feedback in metro, failing the test on error.
func (e *fbEnv) submit(t testing.TB, ctx context.Context, f *feedbackv1.Feedback) *feedbackv1.Feedback {
	t.Helper()
	got, err := e.feedback.CreateFeedback(ctx, &feedbackv1.CreateFeedbackRequest{Parent: "agencies/metro", Feedback: f})
	if err != nil {
		t.Fatalf("create feedback: %v", err)
	}
	return got
}

func wantCode(t *testing.T, what string, err error, want codes.Code) {
	t.Helper()
	if got := status.Code(err); got != want {
		t.Fatalf("%s: code %s (%v), want %s", what, got, err, want)
	}
}

// wantReason fails unless err has code and the AIP-193 reason want.
func wantReason(t *testing.T, what string, err error, code codes.Code, want string) {
	t.Helper()
	wantCode(t, what, err, code)
	st, _ := status.FromError(err)
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			if info.GetReason() != want {
				t.Fatalf("%s: reason %q (%v), want %q", what, info.GetReason(), err, want)
			}
			return
		}
	}
	t.Fatalf("%s: no ErrorInfo in %v", what, err)
}

// wantField fails unless err is INVALID_ARGUMENT naming field.
func wantField(t *testing.T, what string, err error, field string) {
	t.Helper()
	wantCode(t, what, err, codes.InvalidArgument)
	st, _ := status.FromError(err)
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok && len(br.GetFieldViolations()) > 0 {
			if got := br.GetFieldViolations()[0].GetField(); got != field {
				t.Fatalf("%s: field %q (%v), want %q", what, got, err, field)
			}
			return
		}
	}
	t.Fatalf("%s: no field violation in %v", what, err)
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func fbDiff(t *testing.T, what string, got, want any, opts ...cmp.Option) {
	t.Helper()
	opts = append(opts, protocmp.Transform())
	if d := cmp.Diff(want, got, opts...); d != "" {
		t.Fatalf("%s mismatch (-want +got):\n%s", what, d)
	}
}
