package alerts_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/agencies"
	"github.com/engagehq/engage/services/internal/alerts"
	"github.com/engagehq/engage/services/internal/alerts/boltstore"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/grpcserver"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The test harness: one alerts deployment over the real bbolt store and
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

// start is the deployment's first moment: Monday 2026-11-23, 16:00 UTC.
var start = time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)

const serviceSecret = "a-service-secret-of-at-least-32-characters"

// env is one alerts deployment.
type env struct {
	clock  *testClock
	svc    *alerts.Service
	store  *boltstore.Store
	issuer *auth.Issuer
	alerts alertsv1.AlertServiceClient
	subs   alertsv1.SubscriptionServiceClient
	conn   *grpc.ClientConn
}

// envOption changes the service's configuration, e.g. Threads for the
// real Forum service.
type envOption func(*alerts.Config)

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "alerts.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	c := &testClock{now: start}
	cfg := alerts.Config{
		Agencies:  directory{"metro": chicago, "other": time.UTC},
		Threads:   unimplementedThreads(t),
		PublicURL: "https://engage.example.org",
		Now:       c.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	svc, err := alerts.New(store, cfg)
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
		Service:       "alerts",
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
	conn := serve(t, func(lis net.Listener) { _ = srv.Serve(lis) })
	srv.SetServing()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	return &env{
		clock: c, svc: svc, store: store, issuer: auth.NewIssuer(key, 0, c.Now), conn: conn,
		alerts: alertsv1.NewAlertServiceClient(conn),
		subs:   alertsv1.NewSubscriptionServiceClient(conn),
	}
}

// serve runs a server over bufconn and returns a client connection to it.
func serve(t testing.TB, run func(net.Listener)) *grpc.ClientConn {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	go run(lis)
	conn, err := grpc.NewClient("passthrough:///bufconn",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// unimplementedThreads is a Forum ThreadService that answers every call
// UNIMPLEMENTED: a gRPC server with no service registered. Thread tests
// replace it with the real Forum service through an envOption.
func unimplementedThreads(t testing.TB) forumv1.ThreadServiceClient {
	g := grpc.NewServer()
	t.Cleanup(g.Stop)
	return forumv1.NewThreadServiceClient(serve(t, func(lis net.Listener) { _ = g.Serve(lis) }))
}

// user is a caller of the test deployment: an account, or a service
// when svc is set.
type user struct {
	e      *env
	claims auth.TokenClaims
	svc    string
}

// name is the caller's principal name.
func (u *user) name() string {
	if u.svc != "" {
		return "services/" + u.svc
	}
	return "accounts/" + u.claims.Account
}

// ctx returns a context calling as the user, with a fresh token.
func (u *user) ctx(t testing.TB) context.Context {
	t.Helper()
	if u.svc != "" {
		return metadata.AppendToOutgoingContext(t.Context(), "authorization", "Service "+serviceSecret, "x-engage-service", u.svc)
	}
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

// The cast of the tests, all of metro unless named otherwise.
func (e *env) author() *user { return e.staff("author", "metro", accessv1.Role_ROLE_ALERT_AUTHOR) }
func (e *env) approver() *user {
	return e.staff("approver", "metro", accessv1.Role_ROLE_ALERT_APPROVER)
}
func (e *env) secondApprover() *user {
	return e.staff("approver2", "metro", accessv1.Role_ROLE_ALERT_APPROVER)
}

// both holds both alert roles.
func (e *env) both() *user {
	return e.staff("both", "metro", accessv1.Role_ROLE_ALERT_AUTHOR, accessv1.Role_ROLE_ALERT_APPROVER)
}
func (e *env) admin() *user { return e.staff("admin", "metro", accessv1.Role_ROLE_AGENCY_ADMIN) }
func (e *env) otherAuthor() *user {
	return e.staff("other-author", "other", accessv1.Role_ROLE_ALERT_AUTHOR)
}
func (e *env) otherApprover() *user {
	return e.staff("other-approver", "other", accessv1.Role_ROLE_ALERT_APPROVER)
}
func (e *env) service() *user { return &user{e: e, svc: "feedback"} }

// anonymous is a context with no credentials.
func anonymous(t testing.TB) context.Context { return t.Context() }

// content is a valid alert of one en-US info block of severity, in
// effect from now for an hour, over a closed square downtown.
func content(sev alertsv1.Severity, now time.Time) *alertsv1.Alert {
	return &alertsv1.Alert{
		Status: alertsv1.Status_STATUS_ACTUAL,
		Scope:  alertsv1.Scope_SCOPE_PUBLIC,
		Infos: []*alertsv1.Info{{
			LanguageCode: "en-US",
			Categories:   []alertsv1.Category{alertsv1.Category_CATEGORY_SAFETY},
			Event:        "Police activity",
			Urgency:      alertsv1.Urgency_URGENCY_IMMEDIATE,
			Severity:     sev,
			Certainty:    alertsv1.Certainty_CERTAINTY_OBSERVED,
			Headline:     "Avoid Main Street downtown",
			ExpireTime:   timestamppb.New(now.Add(time.Hour)),
			Areas: []*alertsv1.Area{{
				Description: "Downtown",
				Polygons:    []*alertsv1.Polygon{{Points: square(41.88, -87.63, 0.01)}},
			}},
		}},
	}
}

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

// square is a closed polygon: a square of side d degrees with its
// south-west corner at lat, lng.
func square(lat, lng, d float64) []*latlng.LatLng {
	return []*latlng.LatLng{
		{Latitude: lat, Longitude: lng},
		{Latitude: lat + d, Longitude: lng},
		{Latitude: lat + d, Longitude: lng + d},
		{Latitude: lat, Longitude: lng + d},
		{Latitude: lat, Longitude: lng},
	}
}

// create creates a draft of metro as u.
func (e *env) create(t testing.TB, u *user, a *alertsv1.Alert) *alertsv1.Alert {
	t.Helper()
	got, err := e.alerts.CreateAlert(u.ctx(t), &alertsv1.CreateAlertRequest{Parent: "agencies/metro", Alert: a})
	must(t, "CreateAlert", err)
	return got
}

// publish creates a draft of metro as the author and publishes it.
func (e *env) publish(t testing.TB, a *alertsv1.Alert) *alertsv1.Alert {
	t.Helper()
	d := e.create(t, e.author(), a)
	got, err := e.alerts.PublishAlert(e.author().ctx(t), &alertsv1.PublishAlertRequest{Name: d.GetName()})
	must(t, "PublishAlert", err)
	return got
}

// events returns every event of the stream log.
func (e *env) events(t testing.TB) []alerts.Event {
	t.Helper()
	es, err := e.store.Events(context.Background(), "", 0, 1000)
	must(t, "Events", err)
	return es
}
