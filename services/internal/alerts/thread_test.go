package alerts_test

import (
	"context"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/alerts"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/forum"
	forumstore "github.com/engagehq/engage/services/internal/forum/boltstore"
	"github.com/engagehq/engage/services/internal/grpcserver"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/test/bufconn"
)

// forumSide is the real Forum service of a thread test, served on its own
// bufconn server with its own auth interceptor, which admits the alerts
// service by the shared internal secret.
type forumSide struct {
	threads forumv1.ThreadServiceClient
	forums  forumv1.ForumServiceClient
	issuer  *auth.Issuer
}

// withForum starts the real Forum service and returns the option that
// makes the alerts service call it with its own credential, as the
// deployment does.
func withForum(t *testing.T) (envOption, *forumSide) {
	t.Helper()
	store, err := forumstore.Open(filepath.Join(t.TempDir(), "forum.db"), forumstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	now := func() time.Time { return start }
	svc, err := forum.New(store, forum.Config{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	key, err := auth.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	in, err := auth.NewInterceptor(auth.Config{
		Verifier:      auth.NewVerifier(auth.StaticKeys{key.ID: key.Public()}, now),
		ServiceSecret: serviceSecret,
		Service:       "forum",
		Limits:        auth.Limits{Principal: auth.RateLimit{Rate: 1e6, Burst: 1e6}, Anonymous: auth.RateLimit{Rate: 1e6, Burst: 1e6}},
		Now:           now,
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
	dial := func(opts ...grpc.DialOption) *grpc.ClientConn {
		conn, err := grpc.NewClient("passthrough:///forum", append(opts,
			grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
			grpc.WithTransportCredentials(insecure.NewCredentials()))...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		return conn
	}
	conn := dial()
	// The alerts service's own connection carries its credential.
	asAlerts := forumv1.NewThreadServiceClient(dial(grpc.WithPerRPCCredentials(auth.ServiceCredentials("alerts", serviceSecret))))
	side := &forumSide{
		threads: forumv1.NewThreadServiceClient(conn),
		forums:  forumv1.NewForumServiceClient(conn),
		issuer:  auth.NewIssuer(key, 0, now),
	}
	return func(c *alerts.Config) { c.Threads = asAlerts }, side
}

// moderator returns a context calling the forum as a moderator of metro
// and other.
func (f *forumSide) moderator(t *testing.T) context.Context {
	t.Helper()
	token, _, err := f.issuer.Issue(auth.TokenClaims{
		Account: "mod", SessionID: "s-mod", MFA: true, DisplayName: "Moderator",
		Roles: map[string][]accessv1.Role{"metro": {accessv1.Role_ROLE_MODERATOR}, "other": {accessv1.Role_ROLE_MODERATOR}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return metadata.AppendToOutgoingContext(t.Context(), "authorization", "Bearer "+token)
}

// mustForum creates a public forum of agency.
func (f *forumSide) mustForum(t *testing.T, agency, id string) string {
	t.Helper()
	fo, err := f.forums.CreateForum(f.moderator(t), &forumv1.CreateForumRequest{
		Parent: "agencies/" + agency, ForumId: id,
		Forum: &forumv1.Forum{DisplayName: "Forum " + id, Visibility: forumv1.Visibility_VISIBILITY_PUBLIC},
	})
	must(t, "CreateForum", err)
	return fo.GetName()
}

// threadsOf lists a forum's threads.
func (f *forumSide) threadsOf(t *testing.T, forumName string) []*forumv1.Thread {
	t.Helper()
	list, err := f.threads.ListThreads(t.Context(), &forumv1.ListThreadsRequest{Parent: forumName})
	must(t, "ListThreads", err)
	return list.GetThreads()
}

// hangingThreads is a Forum that never answers CreateThread: each call
// waits until its caller gives up.
type hangingThreads struct {
	forumv1.ThreadServiceClient
	calls chan struct{}
}

func (h *hangingThreads) CreateThread(ctx context.Context, _ *forumv1.CreateThreadRequest, _ ...grpc.CallOption) (*forumv1.Thread, error) {
	h.calls <- struct{}{}
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestOpenAlertThread(t *testing.T) {
	t.Parallel()
	opt, f := withForum(t)
	e := newEnv(t, opt)
	square := f.mustForum(t, "metro", "town-square")
	c := content(alertsv1.Severity_SEVERITY_MODERATE, start)
	c.Infos[0].Description = "Police are searching the area."
	c.Infos[0].Instruction = "Stay indoors."
	a := e.publish(t, c)

	opened, err := e.alerts.OpenAlertThread(e.author().ctx(t), &alertsv1.OpenAlertThreadRequest{Name: a.GetName(), Forum: square})
	must(t, "OpenAlertThread", err)
	threads := f.threadsOf(t, square)
	if len(threads) != 1 {
		t.Fatalf("%d threads in the forum, want 1", len(threads))
	}
	th := threads[0]
	if opened.GetThread() != th.GetName() {
		t.Fatalf("the alert links %q, the forum has %q", opened.GetThread(), th.GetName())
	}
	wantBody := "Police are searching the area.\n\nStay indoors.\n\nThe alert: https://engage.example.org/v1/" + a.GetName()
	diff(t, "thread", []any{th.GetKind(), th.GetTitle(), th.GetBody(), th.GetAuthor(), th.GetOfficial()},
		[]any{forumv1.ThreadKind_THREAD_KIND_QUESTION, "Questions: Avoid Main Street downtown", wantBody, "agencies/metro", true})
	if opened.GetState() != alertsv1.Alert_STATE_PUBLISHED || opened.GetEtag() == a.GetEtag() {
		t.Fatalf("opened = %v", opened)
	}
	got, err := e.alerts.GetAlert(anonymous(t), &alertsv1.GetAlertRequest{Name: a.GetName()})
	must(t, "GetAlert", err)
	if got.GetThread() != th.GetName() {
		t.Fatalf("residents see thread %q, want %q", got.GetThread(), th.GetName())
	}
	// Opening it again, even in another forum, returns it unchanged.
	other := f.mustForum(t, "metro", "other-square")
	again, err := e.alerts.OpenAlertThread(e.author().ctx(t), &alertsv1.OpenAlertThreadRequest{Name: a.GetName(), Forum: other})
	must(t, "OpenAlertThread again", err)
	diff(t, "opened again", again, opened)
	if n := len(f.threadsOf(t, other)); n != 0 {
		t.Fatalf("opening again started %d threads", n)
	}
	// Opening it changed no stream: nothing was sent again.
	if n := len(e.events(t)); n != 1 {
		t.Fatalf("%d events, want the one publish", n)
	}
}

func TestOpenAlertThreadOnceAtOnce(t *testing.T) {
	t.Parallel()
	opt, f := withForum(t)
	e := newEnv(t, opt)
	square := f.mustForum(t, "metro", "town-square")
	a := e.publish(t, content(alertsv1.Severity_SEVERITY_MINOR, start))
	// Two authors at once: the Forum starts one thread for the alert's
	// request id, and both see it.
	var wg sync.WaitGroup
	got := make([]*alertsv1.Alert, 2)
	errs := make([]error, 2)
	for i, u := range []*user{e.author(), e.both()} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = e.alerts.OpenAlertThread(u.ctx(t), &alertsv1.OpenAlertThreadRequest{Name: a.GetName(), Forum: square})
		}()
	}
	wg.Wait()
	must(t, "first", errs[0])
	must(t, "second", errs[1])
	threads := f.threadsOf(t, square)
	if len(threads) != 1 || got[0].GetThread() != threads[0].GetName() || got[1].GetThread() != threads[0].GetName() {
		t.Fatalf("threads %v; the alerts link %q and %q", threads, got[0].GetThread(), got[1].GetThread())
	}
}

func TestOpenAlertThreadRefusals(t *testing.T) {
	t.Parallel()
	opt, f := withForum(t)
	e := newEnv(t, opt)
	square := f.mustForum(t, "metro", "town-square")
	elsewhere := f.mustForum(t, "other", "their-square")
	sent := e.publish(t, content(alertsv1.Severity_SEVERITY_MINOR, start))
	draft := e.create(t, e.author(), content(alertsv1.Severity_SEVERITY_MINOR, start))

	_, err := e.alerts.OpenAlertThread(e.author().ctx(t), &alertsv1.OpenAlertThreadRequest{Name: draft.GetName(), Forum: square})
	wantCode(t, "a draft", err, codes.FailedPrecondition)
	_, err = e.alerts.OpenAlertThread(e.author().ctx(t), &alertsv1.OpenAlertThreadRequest{Name: sent.GetName(), Forum: elsewhere})
	wantField(t, "another agency's forum", err, "forum")
	_, err = e.alerts.OpenAlertThread(e.author().ctx(t), &alertsv1.OpenAlertThreadRequest{Name: sent.GetName(), Forum: "agencies/metro/forums/nope"})
	wantCode(t, "a forum that does not exist", err, codes.NotFound)
	_, err = e.alerts.OpenAlertThread(e.author().ctx(t), &alertsv1.OpenAlertThreadRequest{Name: "agencies/metro/alerts/nope", Forum: square})
	wantCode(t, "an alert that does not exist", err, codes.NotFound)
	_, err = e.alerts.OpenAlertThread(e.resident("alice").ctx(t), &alertsv1.OpenAlertThreadRequest{Name: sent.GetName(), Forum: square})
	wantCode(t, "a resident", err, codes.PermissionDenied)
	_, err = e.alerts.OpenAlertThread(e.otherAuthor().ctx(t), &alertsv1.OpenAlertThreadRequest{Name: sent.GetName(), Forum: square})
	wantCode(t, "another agency's author", err, codes.PermissionDenied)
	if n := len(f.threadsOf(t, square)); n != 0 {
		t.Fatalf("refusals started %d threads", n)
	}
	read, err := e.alerts.GetAlert(e.author().ctx(t), &alertsv1.GetAlertRequest{Name: sent.GetName()})
	must(t, "GetAlert", err)
	if read.GetThread() != "" || read.GetEtag() != sent.GetEtag() {
		t.Fatalf("a refusal changed the alert: %v", read)
	}
}

func TestOpenAlertThreadForumDown(t *testing.T) {
	t.Parallel()
	// The harness's Forum answers UNIMPLEMENTED to everything: a Forum
	// that cannot serve the call.
	e := newEnv(t)
	a := e.publish(t, content(alertsv1.Severity_SEVERITY_MINOR, start))
	_, err := e.alerts.OpenAlertThread(e.author().ctx(t), &alertsv1.OpenAlertThreadRequest{Name: a.GetName(), Forum: "agencies/metro/forums/town-square"})
	wantCode(t, "forum failing", err, codes.Unavailable)

	// A Forum that never answers: the call gives up at ForumTimeout.
	hang := &hangingThreads{calls: make(chan struct{}, 1)}
	e = newEnv(t, func(c *alerts.Config) { c.Threads, c.ForumTimeout = hang, time.Millisecond })
	a = e.publish(t, content(alertsv1.Severity_SEVERITY_MINOR, start))
	_, err = e.alerts.OpenAlertThread(e.author().ctx(t), &alertsv1.OpenAlertThreadRequest{Name: a.GetName(), Forum: "agencies/metro/forums/town-square"})
	wantCode(t, "forum hanging", err, codes.Unavailable)
	<-hang.calls
	read, err := e.alerts.GetAlert(e.author().ctx(t), &alertsv1.GetAlertRequest{Name: a.GetName()})
	must(t, "GetAlert", err)
	if read.GetThread() != "" {
		t.Fatalf("a failed opening linked %q", read.GetThread())
	}
}
