package gateway

import (
	"context"
	"errors"
	"fmt"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
)

// Backend is one gRPC service the gateway fronts.
type Backend struct {
	// Name labels the backend in /readyz and errors, e.g. "identity".
	Name string
	// Conn reaches the service. The gateway uses it for the REST routes and
	// for the backend's gRPC health (grpc.health.v1.Health/Check on "").
	Conn grpc.ClientConnInterface
	// Register adds the backend's routes to mux, making calls on conn: a
	// list of generated Register…HandlerClient calls. conn is Conn wrapped
	// by the gateway (metadata allow-list, deadline cap), so Register must
	// use it rather than Conn.
	Register func(ctx context.Context, mux *runtime.ServeMux, conn grpc.ClientConnInterface) error
}

// backends lists the backends of cfg: the named fields first, then
// cfg.Backends. Adding a service is one line here and a field in Config.
func (cfg Config) backends() ([]Backend, error) {
	var known []Backend
	if cfg.Identity != nil {
		known = append(known, Backend{Name: "identity", Conn: cfg.Identity, Register: RegisterIdentity})
	}
	if cfg.Forum != nil {
		known = append(known, Backend{Name: "forum", Conn: cfg.Forum, Register: RegisterForum})
	}
	if cfg.Feedback != nil {
		known = append(known, Backend{Name: "feedback", Conn: cfg.Feedback, Register: RegisterFeedback})
	}
	if cfg.Training != nil {
		known = append(known, Backend{Name: "training", Conn: cfg.Training, Register: RegisterTraining})
	}
	if cfg.Alerts != nil {
		known = append(known, Backend{Name: "alerts", Conn: cfg.Alerts, Register: RegisterAlerts})
	}
	all := append(known, cfg.Backends...)
	if len(all) == 0 {
		return nil, errors.New("gateway: no backend configured")
	}
	seen := make(map[string]bool, len(all))
	for _, b := range all {
		switch {
		case b.Name == "" || b.Name == readyCheckName:
			return nil, fmt.Errorf("gateway: backend name %q is not allowed", b.Name)
		case seen[b.Name]:
			return nil, fmt.Errorf("gateway: backend %q configured twice", b.Name)
		case b.Conn == nil || b.Register == nil:
			return nil, fmt.Errorf("gateway: backend %q needs Conn and Register", b.Name)
		}
		seen[b.Name] = true
	}
	return all, nil
}

// RegisterIdentity registers every identity service's REST routes, calling
// the service over conn.
func RegisterIdentity(ctx context.Context, mux *runtime.ServeMux, conn grpc.ClientConnInterface) error {
	return errors.Join(
		identityv1.RegisterAccountServiceHandlerClient(ctx, mux, identityv1.NewAccountServiceClient(conn)),
		identityv1.RegisterAgencyServiceHandlerClient(ctx, mux, identityv1.NewAgencyServiceClient(conn)),
		identityv1.RegisterAuditServiceHandlerClient(ctx, mux, identityv1.NewAuditServiceClient(conn)),
		identityv1.RegisterCredentialServiceHandlerClient(ctx, mux, identityv1.NewCredentialServiceClient(conn)),
		identityv1.RegisterPartnerServiceHandlerClient(ctx, mux, identityv1.NewPartnerServiceClient(conn)),
		identityv1.RegisterSessionServiceHandlerClient(ctx, mux, identityv1.NewSessionServiceClient(conn)),
	)
}

// RegisterForum registers every forum service's REST routes, calling the
// service over conn.
func RegisterForum(ctx context.Context, mux *runtime.ServeMux, conn grpc.ClientConnInterface) error {
	return errors.Join(
		forumv1.RegisterForumServiceHandlerClient(ctx, mux, forumv1.NewForumServiceClient(conn)),
		forumv1.RegisterThreadServiceHandlerClient(ctx, mux, forumv1.NewThreadServiceClient(conn)),
		forumv1.RegisterPostServiceHandlerClient(ctx, mux, forumv1.NewPostServiceClient(conn)),
		forumv1.RegisterModerationServiceHandlerClient(ctx, mux, forumv1.NewModerationServiceClient(conn)),
		forumv1.RegisterMeetingServiceHandlerClient(ctx, mux, forumv1.NewMeetingServiceClient(conn)),
	)
}

// RegisterFeedback registers the feedback, survey and statistics services'
// REST routes, calling the service over conn.
func RegisterFeedback(ctx context.Context, mux *runtime.ServeMux, conn grpc.ClientConnInterface) error {
	return errors.Join(
		feedbackv1.RegisterFeedbackServiceHandlerClient(ctx, mux, feedbackv1.NewFeedbackServiceClient(conn)),
		feedbackv1.RegisterSurveyServiceHandlerClient(ctx, mux, feedbackv1.NewSurveyServiceClient(conn)),
		feedbackv1.RegisterStatsServiceHandlerClient(ctx, mux, feedbackv1.NewStatsServiceClient(conn)),
	)
}

// RegisterTraining registers the training services' REST routes, calling
// the service over conn. The compliance CSV and the xAPI statements are
// HttpBody streams, served as files like Feedback's export.
func RegisterTraining(ctx context.Context, mux *runtime.ServeMux, conn grpc.ClientConnInterface) error {
	return errors.Join(
		trainingv1.RegisterCourseServiceHandlerClient(ctx, mux, trainingv1.NewCourseServiceClient(conn)),
		trainingv1.RegisterOfficerServiceHandlerClient(ctx, mux, trainingv1.NewOfficerServiceClient(conn)),
		trainingv1.RegisterEnrollmentServiceHandlerClient(ctx, mux, trainingv1.NewEnrollmentServiceClient(conn)),
		trainingv1.RegisterReportServiceHandlerClient(ctx, mux, trainingv1.NewReportServiceClient(conn)),
	)
}

// RegisterAlerts registers the alert and subscription services' REST
// routes, calling the service over conn. The alert stream is served as
// NDJSON, or as Server-Sent Events to clients that ask for them, resuming
// after the Last-Event-ID they send back; an alert's CAP document and the
// Atom feed are HttpBody responses, served as the documents themselves.
// RaiseStaffNotice has no route: only services call it.
func RegisterAlerts(ctx context.Context, mux *runtime.ServeMux, conn grpc.ClientConnInterface) error {
	return errors.Join(
		alertsv1.RegisterAlertServiceHandlerClient(ctx, mux, alertsv1.NewAlertServiceClient(conn)),
		alertsv1.RegisterSubscriptionServiceHandlerClient(ctx, mux, alertsv1.NewSubscriptionServiceClient(conn)),
	)
}
