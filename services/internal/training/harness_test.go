package training_test

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
	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/agencies"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/grpcserver"
	"github.com/engagehq/engage/services/internal/training"
	"github.com/engagehq/engage/services/internal/training/boltstore"
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

// The test harness: one training deployment over the real bbolt store and
// the real gRPC bootstrap with the real auth interceptor, over bufconn.

// testClock is the deployment's time; tests move it instead of sleeping.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// directory knows the test agencies: metro in Chicago, other in UTC.
type directory map[string]*time.Location

func (d directory) Agency(_ context.Context, id string) (agencies.Info, error) {
	loc, ok := d[id]
	if !ok {
		return agencies.Info{}, fmt.Errorf("agency %s: %w", id, errs.NotFound)
	}
	return agencies.Info{Location: loc}, nil
}

// start is the deployment's first moment: Monday 2026-11-23, 16:00 UTC,
// 10:00 in Chicago.
var start = time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)

// today is start's day in metro.
const today = "2026-11-23"

// stats is the Feedback StatsService as the tests set it up: it answers
// GetComplaintSummary with summary, or fails with err.
type stats struct {
	feedbackv1.StatsServiceClient
	mu      sync.Mutex
	summary *feedbackv1.ComplaintSummary
	err     error
	calls   []*feedbackv1.GetComplaintSummaryRequest
}

func (s *stats) GetComplaintSummary(_ context.Context, req *feedbackv1.GetComplaintSummaryRequest, _ ...grpc.CallOption) (*feedbackv1.ComplaintSummary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, req)
	if s.err != nil {
		return nil, s.err
	}
	out := &feedbackv1.ComplaintSummary{
		Name: req.GetName(), Area: req.GetArea(), StartTime: req.GetStartTime(), EndTime: req.GetEndTime(),
	}
	if s.summary != nil {
		out.Categories = s.summary.GetCategories()
	}
	return out, nil
}

// env is one training deployment.
type env struct {
	clock   *testClock
	svc     *training.Service
	store   *boltstore.Store
	issuer  *auth.Issuer
	stats   *stats
	courses trainingv1.CourseServiceClient
	roster  trainingv1.OfficerServiceClient
	records trainingv1.EnrollmentServiceClient
	reports trainingv1.ReportServiceClient
}

// envOption changes the service's configuration.
type envOption func(*training.Config)

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "training.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	c := &testClock{now: start}
	st := &stats{}
	cfg := training.Config{
		Agencies:      directory{"metro": chicago, "other": time.UTC},
		Stats:         st,
		StatementHome: "https://engage.example.org",
		Now:           c.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	svc, err := training.New(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	key, err := auth.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	in, err := auth.NewInterceptor(auth.Config{
		Verifier:      auth.NewVerifier(auth.StaticKeys{key.ID: key.Public()}, c.Now),
		ServiceSecret: serviceSecret,
		Service:       "training",
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
	conn, err := grpc.NewClient("passthrough:///training",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &env{
		clock: c, svc: svc, store: store, issuer: auth.NewIssuer(key, 0, c.Now), stats: st,
		courses: trainingv1.NewCourseServiceClient(conn),
		roster:  trainingv1.NewOfficerServiceClient(conn),
		records: trainingv1.NewEnrollmentServiceClient(conn),
		reports: trainingv1.NewReportServiceClient(conn),
	}
}

const serviceSecret = "a-service-secret-of-at-least-32-characters"

// user is an account of the test deployment.
type user struct {
	e      *env
	claims auth.TokenClaims
}

// name is the account's resource name, `accounts/{id}`.
func (u *user) name() string { return "accounts/" + u.claims.Account }

// ctx returns a context calling as the account, with a fresh token.
func (u *user) ctx(t testing.TB) context.Context {
	t.Helper()
	token, _, err := u.e.issuer.Issue(u.claims)
	if err != nil {
		t.Fatal(err)
	}
	return metadata.AppendToOutgoingContext(t.Context(), "authorization", "Bearer "+token)
}

// resident is a signed-in account with no role.
func (e *env) resident(id string) *user {
	return &user{e: e, claims: auth.TokenClaims{Account: id, SessionID: "s-" + id, AccountCreateTime: start.AddDate(-1, 0, 0)}}
}

// staff is an account holding roles in agency, signed in with a second
// factor.
func (e *env) staff(id, agency string, roles ...accessv1.Role) *user {
	u := e.resident(id)
	u.claims.MFA = true
	u.claims.Roles = map[string][]accessv1.Role{agency: roles}
	return u
}

// trainer is a trainer of agency.
func (e *env) trainer(id, agency string) *user {
	return e.staff(id, agency, accessv1.Role_ROLE_TRAINER)
}

// officerAccount is an account holding the officer role in agency; link it
// to a roster entry with the entry's account field.
func (e *env) officerAccount(id, agency string) *user {
	return e.staff(id, agency, accessv1.Role_ROLE_OFFICER)
}

// anonymous is a context with no credentials.
func anonymous(t testing.TB) context.Context { return t.Context() }

func wantCode(t testing.TB, what string, err error, want codes.Code) {
	t.Helper()
	if got := status.Code(err); got != want {
		t.Fatalf("%s: code %s (%v), want %s", what, got, err, want)
	}
}

// wantField fails unless err is INVALID_ARGUMENT naming field.
func wantField(t testing.TB, what string, err error, field string) {
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

func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func diff(t testing.TB, what string, got, want any, opts ...cmp.Option) {
	t.Helper()
	opts = append(opts, protocmp.Transform())
	if d := cmp.Diff(want, got, opts...); d != "" {
		t.Fatalf("%s mismatch (-want +got):\n%s", what, d)
	}
}
