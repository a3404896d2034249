package feedback_test

import (
	"context"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/audit"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/feedback"
	"github.com/engagehq/engage/services/internal/feedback/boltstore"
	"github.com/engagehq/engage/services/internal/grpcserver"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/test/bufconn"
)

// svRecorder keeps audit events.
type svRecorder struct {
	mu     sync.Mutex
	events []audit.Event
}

func (r *svRecorder) Record(_ context.Context, e audit.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	return nil
}

// withOutcome returns the events with the given outcome.
func (r *svRecorder) withOutcome(outcome string) []audit.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []audit.Event
	for _, e := range r.events {
		if e.Outcome == outcome {
			out = append(out, e)
		}
	}
	return out
}

// svNotifier keeps Trust-Index drop notices.
type svNotifier struct {
	mu    sync.Mutex
	drops []feedback.TrustDrop
}

func (n *svNotifier) NotifyTrustDrop(_ context.Context, d feedback.TrustDrop) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.drops = append(n.drops, d)
	return nil
}

func (n *svNotifier) all() []feedback.TrustDrop {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]feedback.TrustDrop(nil), n.drops...)
}

// svPartnerKey is the API key of metro's CAD partner, a contact reporter.
const svPartnerKey = "eng_test-cad-key"

// svPartnerName is that partner's resource name.
const svPartnerName = "agencies/metro/partners/cad"

type svPartnerKeys map[string]auth.Principal

func (k svPartnerKeys) ResolveAPIKey(_ context.Context, key string) (auth.Principal, error) {
	p, ok := k[key]
	if !ok {
		return auth.Principal{}, errs.Unauthenticated
	}
	return p, nil
}

// svStart is the test deployment's first moment: Tuesday 10 March 2026,
// 14:37:21 UTC (10:37:21 in New York).
var svStart = time.Date(2026, 3, 10, 14, 37, 21, 0, time.UTC)

// setClock moves the deployment's time to t.
func (e *svEnv) setClock(t time.Time) { e.clock.Advance(t.Sub(e.clock.Now())) }

// svEnv is one feedback deployment over bufconn: real bbolt, the real gRPC
// bootstrap and the real auth interceptor verifying real tokens.
type svEnv struct {
	clock   *fbClock
	svc     *feedback.Service
	store   *boltstore.Store
	issuer  *auth.Issuer
	audit   *svRecorder
	notices *svNotifier
	surveys feedbackv1.SurveyServiceClient
	stats   feedbackv1.StatsServiceClient
	newYork *time.Location
	// devices counts the devices rate has answered from.
	devices int
}

func newSvEnv(t *testing.T, cfg feedback.Config) *svEnv {
	t.Helper()
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "feedback.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	c := &fbClock{now: svStart}
	rec, notices := &svRecorder{}, &svNotifier{}
	cfg.Agencies = directory{"metro": ny, "other": time.UTC}
	cfg.Now, cfg.Audit = c.Now, rec
	if cfg.Notifier == nil {
		cfg.Notifier = notices
	}
	svc, err := feedback.New(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	key, err := auth.GenerateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	in, err := auth.NewInterceptor(auth.Config{
		Verifier: auth.NewVerifier(auth.StaticKeys{key.ID: key.Public()}, c.Now),
		APIKeys: svPartnerKeys{svPartnerKey: {
			Kind: auth.Partner, Name: svPartnerName,
			Roles: map[string][]accessv1.Role{"metro": {accessv1.Role_ROLE_CONTACT_REPORTER}},
		}},
		Audit:   rec,
		Service: "feedback",
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
	conn, err := grpc.NewClient("passthrough:///feedback",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	t.Cleanup(svc.Close)
	return &svEnv{
		clock: c, svc: svc, store: store, issuer: auth.NewIssuer(key, 0, c.Now), audit: rec, notices: notices,
		surveys: feedbackv1.NewSurveyServiceClient(conn), stats: feedbackv1.NewStatsServiceClient(conn), newYork: ny,
	}
}

// svPerson is an account of the test deployment.
type svPerson struct {
	e      *svEnv
	claims auth.TokenClaims
}

func (u *svPerson) ctx(t testing.TB) context.Context {
	t.Helper()
	token, _, err := u.e.issuer.Issue(u.claims)
	if err != nil {
		t.Fatal(err)
	}
	return metadata.AppendToOutgoingContext(t.Context(), "authorization", "Bearer "+token)
}

func (e *svEnv) resident(id string) *svPerson {
	return &svPerson{e: e, claims: auth.TokenClaims{
		Account: id, SessionID: "s-" + id, DisplayName: "Resident " + id,
		AccountCreateTime: svStart.Add(-365 * 24 * time.Hour),
	}}
}

// staff returns a person holding roles in agency, signed in with MFA.
func (e *svEnv) staff(id, agency string, roles ...accessv1.Role) *svPerson {
	u := e.resident(id)
	u.claims.MFA = true
	u.claims.Roles = map[string][]accessv1.Role{agency: roles}
	return u
}

// analyst returns an analyst of agency.
func (e *svEnv) analyst(id, agency string) *svPerson {
	return e.staff(id, agency, accessv1.Role_ROLE_ANALYST)
}

// cad returns a context calling as metro's CAD partner.
func cad(t testing.TB) context.Context {
	return metadata.AppendToOutgoingContext(t.Context(), "x-api-key", svPartnerKey)
}

// rating returns a pointer to r.
func rating(r int32) *int32 { return &r }

// trustQuestions are a survey's questions: two rated dimensions, a plain
// rating, a single and a multiple choice and a free text.
func trustQuestions() []*feedbackv1.Question {
	return []*feedbackv1.Question{
		{Id: "safe", Text: "How safe do you feel?", Type: feedbackv1.Question_TYPE_RATING, Required: true,
			Dimension: feedbackv1.TrustDimension_TRUST_DIMENSION_SAFETY},
		{Id: "fair", Text: "Are people treated fairly?", Type: feedbackv1.Question_TYPE_RATING,
			Dimension: feedbackv1.TrustDimension_TRUST_DIMENSION_FAIRNESS},
		{Id: "parks", Text: "How clean are the parks?", Type: feedbackv1.Question_TYPE_RATING},
		{Id: "seen", Text: "Where did you see us?", Type: feedbackv1.Question_TYPE_SINGLE_CHOICE, Choices: []string{"street", "online", "event"}},
		{Id: "topics", Text: "What matters?", Type: feedbackv1.Question_TYPE_MULTIPLE_CHOICE, Choices: []string{"traffic", "noise", "theft"}},
		{Id: "more", Text: "Anything else?", Type: feedbackv1.Question_TYPE_FREE_TEXT},
	}
}

// mustSurvey creates a survey of agency as analyst an and opens it when
// open is true.
func (e *svEnv) mustSurvey(t *testing.T, an *svPerson, agency string, kind feedbackv1.Survey_Kind, open bool) *feedbackv1.Survey {
	t.Helper()
	sv, err := e.surveys.CreateSurvey(an.ctx(t), &feedbackv1.CreateSurveyRequest{
		Parent: "agencies/" + agency,
		Survey: &feedbackv1.Survey{Title: "Community survey", Kind: kind, Questions: trustQuestions()},
	})
	if err != nil {
		t.Fatalf("create survey: %v", err)
	}
	if open {
		if sv, err = e.surveys.OpenSurvey(an.ctx(t), &feedbackv1.OpenSurveyRequest{Name: sv.GetName()}); err != nil {
			t.Fatalf("open survey: %v", err)
		}
	}
	return sv
}

// answer answers survey anonymously from device with the given safety
// rating.
func (e *svEnv) answer(t *testing.T, survey, device, area string, answers ...*feedbackv1.Answer) (*feedbackv1.SurveyResponse, error) {
	t.Helper()
	return e.surveys.CreateSurveyResponse(t.Context(), &feedbackv1.CreateSurveyResponseRequest{
		Parent: survey,
		SurveyResponse: &feedbackv1.SurveyResponse{
			Answers: answers, Area: area, DeviceToken: device,
		},
	})
}

// officer is a staff role without access to surveys' answers.
const officer = accessv1.Role_ROLE_OFFICER
