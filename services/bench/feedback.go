package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// feedbackAgency is the agency the feedback submissions go to.
const feedbackAgency = "agencies/bench-pd"

// runFeedback measures anonymous feedback submissions against the bare
// echo, then the Trust Index query over few and many survey answers on a
// fresh Engage.
func runFeedback(ctx context.Context, r *runner) error {
	if err := r.feedbackSubmissions(ctx); err != nil {
		return err
	}
	fmt.Fprintln(r.stdout)
	return r.trustIndex(ctx)
}

// feedbackSubmissions compares durable anonymous CreateFeedback over REST
// on Engage with the bare echo of CreateFeedback.
func (r *runner) feedbackSubmissions(ctx context.Context) (err error) {
	dataDir, err := os.MkdirTemp("", "engage-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dataDir)

	bare, err := r.startBare(ctx, suiteFeedback)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, bare.stop()) }()
	engage, _, err := r.startEngage(ctx, dataDir, false)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, engage.stop()) }()

	conn, err := grpc.NewClient(engage.addrs.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := setUpFeedbackAgencies(ctx, conn, []string{feedbackAgency}, false); err != nil {
		return fmt.Errorf("set up the agency: %w", err)
	}

	printHeader(r.stdout, r.o, header{
		title:  "Engage vs bare: anonymous feedback, REST POST /v1/{agency}/feedback (FeedbackService/CreateFeedback), durable and acknowledged",
		bare:   bare.addrs,
		engage: engage.addrs,
		notes: []string{
			"anonymous: no Authorization header, no cookie; with the anonymous per-client rate limit on, every worker, coming from",
			"127.0.0.1, would share one client's budget of 10 requests/s (ENGAGE_ANONYMOUS_RATE_LIMIT), so it is DISABLED (0) here",
			"every text is unique (so nothing dedupes) and every request carries a fresh requestId, as a client retrying safely",
			"would send; Engage answers each with a new tracking code and PIN; bare answers each with feedback of the same shape",
		},
	})
	sides := []side{{roleBare, bare}, {roleEngage, engage}}
	s, err := measureProtocol(ctx, feedbackProtocol(feedbackAgency), sides, anonymous{}, r.o, r.stdout)
	if err != nil {
		return err
	}
	printSummary(r.stdout, []summary{s})
	return nil
}

// anonymous is a signedIn for loads without credentials: one empty token,
// which the feedback clients leave out.
type anonymous struct{}

func (anonymous) tokens(context.Context, time.Duration) ([]string, error) {
	return []string{""}, nil
}

// setUpFeedbackAgencies creates the agencies (`agencies/{id}`) as the
// platform administrator, signed in with a TOTP code. With analyst set it
// also creates one analyst, bound to ROLE_ANALYST in every agency and
// signed in with a TOTP code, and returns them as a team of one.
func setUpFeedbackAgencies(ctx context.Context, conn *grpc.ClientConn, agencies []string, analyst bool) (*staffTeam, error) {
	c := newIdentityClient(conn)
	secret, err := c.enroll(ctx, adminEmail, adminPassword)
	if err != nil {
		return nil, err
	}
	adminSession, err := c.signInWithCode(ctx, adminEmail, adminPassword, secret)
	if err != nil {
		return nil, err
	}
	admin := bearer(ctx, adminSession.GetAccessToken())
	for i, name := range agencies {
		if _, err := c.agencies.CreateAgency(admin, &identityv1.CreateAgencyRequest{
			AgencyId: name[len("agencies/"):],
			Agency: &identityv1.Agency{
				DisplayName: fmt.Sprintf("Bench Police Department %d", i+1),
				Description: "An agency the benchmark writes to.",
				TimeZone:    "America/Chicago",
			},
		}); err != nil {
			return nil, fmt.Errorf("create %s: %w", name, err)
		}
	}
	if !analyst {
		return nil, nil
	}
	const email = "analyst@bench.example"
	acct, err := c.accounts.CreateAccount(ctx, &identityv1.CreateAccountRequest{Account: &identityv1.Account{
		Email: email, DisplayName: "Bench Analyst", Password: proto.String(staffPassword),
	}})
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", email, err)
	}
	secret, err = c.enroll(ctx, email, staffPassword)
	if err != nil {
		return nil, err
	}
	for _, name := range agencies {
		if _, err := c.agencies.CreateRoleBinding(admin, &identityv1.CreateRoleBindingRequest{
			Parent:      name,
			RoleBinding: &identityv1.RoleBinding{Member: acct.GetName(), Role: accessv1.Role_ROLE_ANALYST},
		}); err != nil {
			return nil, fmt.Errorf("bind the analyst in %s: %w", name, err)
		}
	}
	s, err := c.signInWithCode(ctx, email, staffPassword, secret)
	if err != nil {
		return nil, err
	}
	return &staffTeam{sessions: c.sessions, members: []*identityv1.Session{s}}, nil
}

// feedbackEcho is the bare FeedbackService: CreateFeedback answers the
// feedback it was sent with the fields Engage fills for an anonymous
// submission, without storing anything.
type feedbackEcho struct {
	feedbackv1.UnimplementedFeedbackServiceServer
}

var _ feedbackv1.FeedbackServiceServer = (*feedbackEcho)(nil)

func (feedbackEcho) CreateFeedback(_ context.Context, req *feedbackv1.CreateFeedbackRequest) (*feedbackv1.Feedback, error) {
	in := req.GetFeedback()
	hour := timestamppb.New(time.Now().Truncate(time.Hour))
	return &feedbackv1.Feedback{
		Name:      req.GetParent() + "/feedback/a7k2m9q4x8c3v6b1n5z0p2r7t4",
		Kind:      in.GetKind(),
		Category:  in.GetCategory(),
		Text:      in.GetText(),
		Rating:    in.Rating,
		Area:      in.GetArea(),
		Anonymous: true,
		State:     feedbackv1.Feedback_STATE_RECEIVED,
		Sentiment: &feedbackv1.Sentiment{Score: -0.4767, Label: feedbackv1.Sentiment_LABEL_NEGATIVE},
		History: []*feedbackv1.Feedback_StateChange{
			{State: feedbackv1.Feedback_STATE_RECEIVED, ChangeTime: hour},
		},
		TrackingCode: "7QK2M-9X4C8-V6B1N-5Z0P2",
		Pin:          "48151623",
		CreateTime:   hour,
		UpdateTime:   hour,
		Etag:         `"1"`,
	}, nil
}

// registerFeedbackEcho registers the bare feedback suite's services.
func registerFeedbackEcho(g *grpc.Server) {
	feedbackv1.RegisterFeedbackServiceServer(g, feedbackEcho{})
}

// handleFeedbackEcho routes the bare gateway's feedback paths to the echo.
func handleFeedbackEcho(ctx context.Context, mux *runtime.ServeMux, conn *grpc.ClientConn) error {
	return feedbackv1.RegisterFeedbackServiceHandlerClient(ctx, mux, feedbackv1.NewFeedbackServiceClient(conn))
}
