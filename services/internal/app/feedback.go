package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/agencies"
	"github.com/engagehq/engage/services/internal/audit"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/config"
	"github.com/engagehq/engage/services/internal/feedback"
	feedbackstore "github.com/engagehq/engage/services/internal/feedback/boltstore"
	"github.com/engagehq/engage/services/internal/grpcserver"
	"google.golang.org/grpc"
)

// openFeedback opens the feedback store and service. Agencies' time zones
// come from identity over identityConn (in one process, a loopback
// connection to the process's own server); audit events go to recorder,
// the process's audit log; the notices of Trust Index drops are raised as
// staff alerts through Alerts over alertsConn (see feedbackNotifier). The
// store is returned for the demo seed, which back-dates what the API
// cannot.
func (p *Platform) openFeedback(cfg config.Config, identityConn grpc.ClientConnInterface, alertsConn *grpc.ClientConn, recorder audit.Recorder) (*feedback.Service, feedback.Store, error) {
	log := p.log.With("component", "feedback")
	store, err := feedbackstore.Open(filepath.Join(cfg.DataDir, "feedback.db"), feedbackstore.Options{Logger: log})
	if err != nil {
		return nil, nil, err
	}
	p.onShutdown("feedback store", func(context.Context) error { return store.Close() })
	p.backups = append(p.backups, backupSource{name: "feedback.db", db: store.DB()})

	svc, err := feedback.New(store, feedback.Config{
		Agencies:        agencies.NewDirectory(identityv1.NewAgencyServiceClient(identityConn)),
		Notifier:        p.feedbackNotifier(alertsConn, feedback.NewAuditNotifier(recorder)),
		Audit:           recorder,
		MinCellSize:     cfg.MinCellSize,
		TrustDropPoints: cfg.TrustDropPoints,
		SurveyURL:       cfg.SurveyURL,
		Logger:          log,
	})
	if err != nil {
		return nil, nil, err
	}
	// Request ids (with the sealed tracking codes, PINs and invitation
	// tokens kept for retries) are forgotten after a day; the stores
	// already ignore older ones, the purge removes them.
	p.every("purge feedback request ids", requestPurgeInterval, func(ctx context.Context) error {
		n, err := svc.PurgeFeedbackRequests(ctx)
		m, serr := svc.PurgeSurveyRequests(ctx)
		if n+m > 0 {
			log.Info("purged request ids", "feedback", n, "surveys", m)
		}
		return errors.Join(err, serr)
	})
	// Trust Index drop notices that could not be sent (Alerts down) are
	// retried with backoff, here or by the next process.
	p.every("retry trust index notices", feedback.TrustNoticeRetryInterval, svc.RetryTrustNotices)
	return svc, store, nil
}

// requestPurgeInterval is how often request ids past their lifetime are
// removed.
const requestPurgeInterval = time.Hour

// dialSelf connects to this process's own gRPC server at addr as service
// `service`, for one service's calls to another hosted alongside it: the
// calls pass the same interceptors as they would between containers.
func (p *Platform) dialSelf(addr, service, secret string) (*grpc.ClientConn, error) {
	conn, err := grpcserver.Dial(addr, grpc.WithPerRPCCredentials(auth.ServiceCredentials(service, secret)))
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	p.onShutdown(service+" loopback connection", func(context.Context) error { return conn.Close() })
	return conn, nil
}
