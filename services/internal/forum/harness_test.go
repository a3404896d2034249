package forum_test

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/audit"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/forum"
	"github.com/engagehq/engage/services/internal/forum/boltstore"
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

// recorder keeps the audit events the interceptor records.
type recorder struct {
	mu     sync.Mutex
	events []audit.Event
}

func (r *recorder) Record(_ context.Context, e audit.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	return nil
}

// methods returns "Method resource actor outcome" of the events so far.
func (r *recorder) methods() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		out = append(out, e.Method[strings.LastIndex(e.Method, "/")+1:]+" "+e.Actor+" "+e.Outcome)
	}
	return out
}

// partnerKeys resolves the partners' API keys of the tests.
type partnerKeys map[string]auth.Principal

func (k partnerKeys) ResolveAPIKey(_ context.Context, key string) (auth.Principal, error) {
	p, ok := k[key]
	if !ok {
		return auth.Principal{}, errs.Unauthenticated
	}
	return p, nil
}

// partnerKey is the API key of a partner of agency metro holding every
// forum role there.
const partnerKey = "eng_test-partner-key"

// env is one forum deployment: the real bbolt store, the real gRPC server
// bootstrap with the real auth interceptor verifying real tokens, over
// bufconn.
type env struct {
	clock      *clock
	svc        *forum.Service
	store      *boltstore.Store
	issuer     *auth.Issuer
	audit      *recorder
	forums     forumv1.ForumServiceClient
	threads    forumv1.ThreadServiceClient
	posts      forumv1.PostServiceClient
	moderation forumv1.ModerationServiceClient
	meetings   forumv1.MeetingServiceClient
}

// start is the test deployment's first moment.
var start = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

// noLimits turns the posting limits off, so that tests can post freely;
// the tests of the limits use the defaults.
var noLimits = forum.AbuseConfig{NewPerMinute: -1, NewPerDay: -1, PerMinute: -1, PerDay: -1, DuplicateWindow: -1, NewMaxLinks: -1}

func newEnv(t testing.TB) *env {
	return newEnvWith(t, forumConfig())
}

// forumConfig is the configuration of most tests.
func forumConfig() forum.Config { return forum.Config{Abuse: noLimits} }

func newEnvWith(t testing.TB, cfg forum.Config) *env {
	t.Helper()
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "forum.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return newEnvOn(t, store, &clock{now: start}, cfg)
}

// newEnvOn serves a new Service over an existing store, as a restarted
// process would.
func newEnvOn(t testing.TB, store *boltstore.Store, c *clock, cfg forum.Config) *env {
	t.Helper()
	cfg.Now = c.Now
	svc, err := forum.New(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	key, err := auth.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	in, err := auth.NewInterceptor(auth.Config{
		Verifier: auth.NewVerifier(auth.StaticKeys{key.ID: key.Public()}, c.Now),
		APIKeys: partnerKeys{partnerKey: {
			Kind: auth.Partner, Name: "agencies/metro/partners/school",
			Roles: map[string][]accessv1.Role{"metro": {accessv1.Role_ROLE_MODERATOR, accessv1.Role_ROLE_AGENCY_ADMIN}},
		}},
		Audit:   rec,
		Service: "forum",
		Limits:  auth.Limits{Principal: auth.RateLimit{Rate: 1e6, Burst: 1e6}, Anonymous: auth.RateLimit{Rate: 1e6, Burst: 1e6}},
		Now:     c.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := grpcserver.New(grpcserver.WithUnaryInterceptors(in.Unary()), grpcserver.WithStreamInterceptors(in.Stream()))
	if err != nil {
		t.Fatal(err)
	}
	svc.Register(srv.GRPC())
	if err := auth.CheckServer(srv.GRPC()); err != nil {
		t.Fatal(err)
	}
	lis := bufconn.Listen(1 << 20)
	go func() { _ = srv.Serve(lis) }()
	srv.SetServing()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	conn, err := grpc.NewClient("passthrough:///forum",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &env{
		clock: c, svc: svc, store: store, issuer: auth.NewIssuer(key, 0, c.Now), audit: rec,
		forums:     forumv1.NewForumServiceClient(conn),
		threads:    forumv1.NewThreadServiceClient(conn),
		posts:      forumv1.NewPostServiceClient(conn),
		moderation: forumv1.NewModerationServiceClient(conn),
		meetings:   forumv1.NewMeetingServiceClient(conn),
	}
}

// person is an account of the test deployment; every call gets a fresh
// token issued at the deployment's current time, as a client refreshing
// its session would.
type person struct {
	e      *env
	claims auth.TokenClaims
}

// name returns the person's resource name.
func (u *person) name() string { return "accounts/" + u.claims.Account }

// ctx returns a context that calls as the person.
func (u *person) ctx(t testing.TB) context.Context {
	t.Helper()
	token, _, err := u.e.issuer.Issue(u.claims)
	if err != nil {
		t.Fatal(err)
	}
	return metadata.AppendToOutgoingContext(t.Context(), "authorization", "Bearer "+token)
}

// resident returns an established account (a year old).
func (e *env) resident(id string) *person {
	return &person{e: e, claims: auth.TokenClaims{
		Account: id, SessionID: "s-" + id, DisplayName: "Resident " + id,
		AccountCreateTime: start.Add(-365 * 24 * time.Hour),
	}}
}

// newcomer returns an account created just now.
func (e *env) newcomer(id string) *person {
	u := e.resident(id)
	u.claims.AccountCreateTime = start
	return u
}

// staff returns a person holding roles in agency, signed in with a second
// factor, in which staff roles take effect.
func (e *env) staff(id, agency string, roles ...accessv1.Role) *person {
	u := e.resident(id)
	u.claims.MFA = true
	u.claims.DisplayName = "Officer " + id
	u.claims.Roles = map[string][]accessv1.Role{agency: roles}
	return u
}

// anonymous returns a context without credentials.
func anonymous(t testing.TB) context.Context { return t.Context() }

// partner returns a context that calls as the partner of partnerKey.
func partner(t testing.TB) context.Context {
	return metadata.AppendToOutgoingContext(t.Context(), "x-api-key", partnerKey)
}

// The roles the tests use.
const (
	moderatorRole = accessv1.Role_ROLE_MODERATOR
	adminRole     = accessv1.Role_ROLE_AGENCY_ADMIN
	officerRole   = accessv1.Role_ROLE_OFFICER
)

// The visibilities and kinds the tests use.
const (
	public       = forumv1.Visibility_VISIBILITY_PUBLIC
	residents    = forumv1.Visibility_VISIBILITY_RESIDENTS
	staffOnly    = forumv1.Visibility_VISIBILITY_STAFF
	discussion   = forumv1.ThreadKind_THREAD_KIND_DISCUSSION
	question     = forumv1.ThreadKind_THREAD_KIND_QUESTION
	announcement = forumv1.ThreadKind_THREAD_KIND_ANNOUNCEMENT
	visible      = forumv1.ContentState_CONTENT_STATE_VISIBLE
	hidden       = forumv1.ContentState_CONTENT_STATE_HIDDEN
)

// mustForum creates a forum as mod.
func (e *env) mustForum(t testing.TB, mod *person, agency, id string, v forumv1.Visibility) *forumv1.Forum {
	t.Helper()
	f, err := e.forums.CreateForum(mod.ctx(t), &forumv1.CreateForumRequest{
		Parent: "agencies/" + agency, ForumId: id,
		Forum: &forumv1.Forum{DisplayName: "Forum " + id, Visibility: v},
	})
	if err != nil {
		t.Fatalf("create forum %s: %v", id, err)
	}
	return f
}

// mustThread starts a thread as u.
func (e *env) mustThread(t testing.TB, u *person, forumName string, kind forumv1.ThreadKind, title string) *forumv1.Thread {
	t.Helper()
	th, err := e.threads.CreateThread(u.ctx(t), &forumv1.CreateThreadRequest{
		Parent: forumName, Thread: &forumv1.Thread{Kind: kind, Title: title, Body: "About " + title},
	})
	if err != nil {
		t.Fatalf("create thread %q: %v", title, err)
	}
	return th
}

// mustPost replies as u.
func (e *env) mustPost(t testing.TB, u *person, threadName, body string) *forumv1.Post {
	t.Helper()
	p, err := e.posts.CreatePost(u.ctx(t), &forumv1.CreatePostRequest{Parent: threadName, Post: &forumv1.Post{Body: body}})
	if err != nil {
		t.Fatalf("create post %q: %v", body, err)
	}
	return p
}

// wantCode fails unless err is a gRPC status with code want.
func wantCode(t *testing.T, what string, err error, want codes.Code) {
	t.Helper()
	if got := status.Code(err); got != want {
		t.Fatalf("%s: code %s (%v), want %s", what, got, err, want)
	}
}

// badField returns the field an INVALID_ARGUMENT's BadRequest names.
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

// wantReason fails unless err has code and ErrorInfo reason.
func wantReason(t *testing.T, what string, err error, code codes.Code, want string) {
	t.Helper()
	wantCode(t, what, err, code)
	if got := reason(err); got != want {
		t.Fatalf("%s: reason %q (%v), want %q", what, got, err, want)
	}
}

func diff(t *testing.T, what string, got, want any, opts ...cmp.Option) {
	t.Helper()
	opts = append(opts, protocmp.Transform())
	if d := cmp.Diff(want, got, opts...); d != "" {
		t.Fatalf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// must fails on err.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
