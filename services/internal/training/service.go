// Package training implements the Training service (PRODUCT.md §3.4): the
// course catalogue, the officer roster, enrollments with progress and
// scored attempts, certifications that expire, external training approved
// by trainers, compliance reports as of a day, recommendations driven by
// the complaints the Feedback service counts, and xAPI export.
//
// Training records are personnel data: trainers and agency admins see
// their agency's, an officer sees their own (through the account linked to
// their roster entry), and everyone else gets NOT_FOUND.
//
// The handlers are split by gRPC service: courseServer (courses.go),
// officerServer (officers.go, import.go), enrollmentServer
// (enrollments.go, certifications.go, external.go) and reportServer
// (settings.go, compliance.go, recommendations.go, statements.go).
//
// Calendar days (due dates, completion and expiry days, a report's as_of)
// are `YYYY-MM-DD` in the agency's time zone; see days.go.
package training

import (
	"errors"
	"log/slog"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/agencies"
	"google.golang.org/grpc"
)

// Defaults of Config.
const (
	DefaultSummaryTimeout          = 3 * time.Second
	DefaultAnnualCreditHoursTarget = 40
)

// Config configures a Service.
type Config struct {
	// Agencies tells whether an agency exists and its time zone. Required.
	Agencies agencies.Directory
	// Stats is the Feedback service's StatsService, called for the
	// complaint summary behind recommendations with the service's own
	// credential. Required.
	Stats feedbackv1.StatsServiceClient
	// SummaryTimeout bounds the call to Stats (DefaultSummaryTimeout when
	// zero): past it, recommendations fail with UNAVAILABLE.
	SummaryTimeout time.Duration
	// StatementHome is the `homePage` of the accounts that xAPI
	// statements name as actors, e.g. "https://engage.example.org"; it
	// also roots statement object ids.
	StatementHome string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Logger receives what the service does; nil discards it.
	Logger *slog.Logger
}

// Service implements the training services. Create it with New.
type Service struct {
	store    Store
	agencies agencies.Directory
	stats    feedbackv1.StatsServiceClient
	now      func() time.Time
	log      *slog.Logger
	cfg      Config
	// summaries keeps recent compliance summaries (compliance.go).
	summaries summaryCache
}

// New returns the training service over store.
func New(store Store, cfg Config) (*Service, error) {
	if store == nil {
		return nil, errors.New("training: nil store")
	}
	if cfg.Agencies == nil {
		return nil, errors.New("training: nil agency directory")
	}
	if cfg.Stats == nil {
		return nil, errors.New("training: nil feedback statistics client")
	}
	if cfg.SummaryTimeout < 0 {
		return nil, errors.New("training: negative summary timeout")
	}
	if cfg.SummaryTimeout == 0 {
		cfg.SummaryTimeout = DefaultSummaryTimeout
	}
	if cfg.StatementHome == "" {
		cfg.StatementHome = "http://127.0.0.1:8080"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{
		store:    store,
		agencies: cfg.Agencies,
		stats:    cfg.Stats,
		now:      cfg.Now,
		log:      cfg.Logger,
		cfg:      cfg,
	}, nil
}

// Register registers the four training services on g.
func (s *Service) Register(g grpc.ServiceRegistrar) {
	trainingv1.RegisterCourseServiceServer(g, &courseServer{Service: s})
	trainingv1.RegisterOfficerServiceServer(g, &officerServer{Service: s})
	trainingv1.RegisterEnrollmentServiceServer(g, &enrollmentServer{Service: s})
	trainingv1.RegisterReportServiceServer(g, &reportServer{Service: s})
}

// The handler types, one per gRPC service; each embeds its Unimplemented
// server as protoc-gen-go-grpc requires, and implements every RPC.
type (
	courseServer struct {
		trainingv1.UnimplementedCourseServiceServer
		*Service
	}
	officerServer struct {
		trainingv1.UnimplementedOfficerServiceServer
		*Service
	}
	enrollmentServer struct {
		trainingv1.UnimplementedEnrollmentServiceServer
		*Service
	}
	reportServer struct {
		trainingv1.UnimplementedReportServiceServer
		*Service
	}
)

var (
	_ trainingv1.CourseServiceServer     = (*courseServer)(nil)
	_ trainingv1.OfficerServiceServer    = (*officerServer)(nil)
	_ trainingv1.EnrollmentServiceServer = (*enrollmentServer)(nil)
	_ trainingv1.ReportServiceServer     = (*reportServer)(nil)
)
