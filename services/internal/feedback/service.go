// Package feedback implements the Feedback service (PRODUCT.md §3.3):
// compliments, complaints, suggestions and questions with anonymous
// follow-up, staff triage, surveys and post-contact invitations, and the
// public Trust Index and statistics computed from aggregates maintained on
// write.
//
// The handlers are split by gRPC service: feedbackServer (feedback.go and
// the files it names), surveyServer (surveys.go) and statsServer, whose
// feedback statistics and complaint summary live in stats.go and whose
// Trust Index lives in trust.go.
package feedback

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/agencies"
	"github.com/engagehq/engage/services/internal/audit"
	"github.com/engagehq/engage/services/internal/sentiment"
	"google.golang.org/grpc"
)

// Defaults of Config.
const (
	DefaultMinCellSize     = 10
	DefaultTrustDropPoints = 10
	DefaultInvitationTTL   = 14 * 24 * time.Hour
)

// Config configures a Service. The zero value is usable but for Agencies.
type Config struct {
	// Agencies tells whether an agency exists and its time zone.
	Agencies AgencyDirectory
	// Notifier is told when an area's Trust Index falls sharply; nil
	// drops the notices.
	Notifier TrustNotifier
	// Audit receives the events the service records itself beyond what the
	// policies audit (a suppressed survey invitation); nil drops them.
	Audit audit.Recorder
	// MinCellSize is k: published figures drawn from fewer than k
	// submissions or respondents are suppressed (DefaultMinCellSize when
	// zero).
	MinCellSize int
	// TrustDropPoints is how far an area's Trust Index must fall from one
	// period to the next for a notice (DefaultTrustDropPoints when zero).
	TrustDropPoints float64
	// InvitationTTL is how long a post-contact survey invitation works
	// (DefaultInvitationTTL when zero).
	InvitationTTL time.Duration
	// SurveyURL is the base of the links in post-contact invitations, e.g.
	// "https://engage.example.org/survey"; the token is appended as the
	// `token` query parameter.
	SurveyURL string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Logger receives what the service does; nil discards it. Nothing
	// identifying an anonymous submitter is ever logged.
	Logger *slog.Logger
}

// AgencyInfo is what Feedback needs to know of an agency: its time zone,
// in which statistics periods start.
type AgencyInfo = agencies.Info

// AgencyDirectory looks agencies up. Agency returns errs.NotFound for an
// agency that does not exist.
type AgencyDirectory = agencies.Directory

// TrustDrop is a sharp fall of an area's Trust Index between two
// consecutive periods.
type TrustDrop struct {
	Agency   string // agencies/{agency}
	Area     string // empty for the whole agency
	Interval feedbackv1.Interval
	// PeriodStart and PreviousStart are the starts of the two periods.
	PeriodStart, PreviousStart time.Time
	// Score and PreviousScore are the two periods' scores (0–100).
	Score, PreviousScore float64
	// Responses is the current period's sample size.
	Responses int64
}

// TrustNotifier is told of Trust Index drops, once per area, interval and
// period: a call that fails is retried (see RetryTrustNotices), and one
// whose success went unrecorded may come again, so an implementation takes
// a repeat as the same notice. The Alerts service implements it with a
// RESTRICTED (staff-only) alert.
type TrustNotifier interface {
	NotifyTrustDrop(ctx context.Context, d TrustDrop) error
}

// Service implements the feedback services. Create it with New.
type Service struct {
	store     Store
	agencies  AgencyDirectory
	notifier  TrustNotifier
	audit     audit.Recorder
	sentiment *sentiment.Analyzer
	now       func() time.Time
	log       *slog.Logger
	cfg       Config

	fb *feedbackState // feedback.go
	sv *surveyState   // surveys.go

	retries trustRetries // trust_outbox.go
}

// New returns the feedback service over store.
func New(store Store, cfg Config) (*Service, error) {
	if store == nil {
		return nil, errors.New("feedback: nil store")
	}
	if cfg.Agencies == nil {
		return nil, errors.New("feedback: nil agency directory")
	}
	if cfg.MinCellSize < 0 || cfg.TrustDropPoints < 0 || cfg.InvitationTTL < 0 {
		return nil, errors.New("feedback: negative minimum cell size, trust drop or invitation lifetime")
	}
	if cfg.MinCellSize == 0 {
		cfg.MinCellSize = DefaultMinCellSize
	}
	if cfg.TrustDropPoints == 0 {
		cfg.TrustDropPoints = DefaultTrustDropPoints
	}
	if cfg.InvitationTTL == 0 {
		cfg.InvitationTTL = DefaultInvitationTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{
		store:     store,
		agencies:  cfg.Agencies,
		notifier:  cfg.Notifier,
		audit:     cfg.Audit,
		sentiment: sentiment.New(),
		now:       cfg.Now,
		log:       cfg.Logger,
		cfg:       cfg,
	}
	secret, err := store.CodeSecret(context.Background())
	if err != nil {
		return nil, fmt.Errorf("feedback: read the code secret: %w", err)
	}
	s.fb = newFeedbackState(s, secret)
	s.sv = newSurveyState(s)
	return s, nil
}

// Register registers the three feedback services on g.
func (s *Service) Register(g grpc.ServiceRegistrar) {
	feedbackv1.RegisterFeedbackServiceServer(g, &feedbackServer{Service: s})
	feedbackv1.RegisterSurveyServiceServer(g, &surveyServer{Service: s})
	feedbackv1.RegisterStatsServiceServer(g, &statsServer{Service: s})
}

// Close stops what the service runs in the background (live watchers).
func (s *Service) Close() {
	s.fb.close()
	s.sv.close()
}

// The handler types, one per gRPC service; each embeds its Unimplemented
// server as protoc-gen-go-grpc requires, and implements every RPC.
type (
	feedbackServer struct {
		feedbackv1.UnimplementedFeedbackServiceServer
		*Service
	}
	surveyServer struct {
		feedbackv1.UnimplementedSurveyServiceServer
		*Service
	}
	statsServer struct {
		feedbackv1.UnimplementedStatsServiceServer
		*Service
	}
)

var (
	_ feedbackv1.FeedbackServiceServer = (*feedbackServer)(nil)
	_ feedbackv1.SurveyServiceServer   = (*surveyServer)(nil)
	_ feedbackv1.StatsServiceServer    = (*statsServer)(nil)
)
