package app

import (
	"context"
	"fmt"
	"path/filepath"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/agencies"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/config"
	"github.com/engagehq/engage/services/internal/grpcserver"
	"github.com/engagehq/engage/services/internal/training"
	trainingstore "github.com/engagehq/engage/services/internal/training/boltstore"
	"google.golang.org/grpc"
)

// openTraining opens the training store and service. Agencies' time zones
// come from identity over identityConn; the complaint counts behind
// recommendations come from Feedback over feedbackConn. Both are, in one
// process, the loopback connection to the process's own server. The store
// is returned for the demo seed, which back-dates what the API refuses.
func (p *Platform) openTraining(cfg config.Config, identityConn, feedbackConn grpc.ClientConnInterface) (*training.Service, training.Store, error) {
	log := p.log.With("component", "training")
	store, err := trainingstore.Open(filepath.Join(cfg.DataDir, "training.db"), trainingstore.Options{Logger: log})
	if err != nil {
		return nil, nil, err
	}
	p.onShutdown("training store", func(context.Context) error { return store.Close() })
	p.backups = append(p.backups, backupSource{name: "training.db", db: store.DB()})

	svc, err := training.New(store, training.Config{
		Agencies:       agencies.NewDirectory(identityv1.NewAgencyServiceClient(identityConn)),
		Stats:          feedbackv1.NewStatsServiceClient(feedbackConn),
		SummaryTimeout: cfg.SummaryTimeout,
		StatementHome:  cfg.PublicURL,
		Logger:         log,
	})
	if err != nil {
		return nil, nil, err
	}
	p.every("purge training request ids", requestPurgeInterval, func(ctx context.Context) error {
		n, err := svc.PurgeRequests(ctx)
		if n > 0 {
			log.Info("purged request ids", "count", n)
		}
		return err
	})
	return svc, store, nil
}

// remoteFeedback reaches the Feedback service at cfg.FeedbackAddr as the
// training service, for a training process of its own. The connection is
// lazy: training starts and serves while Feedback is down, and only
// recommendations, which need it, fail until it is back.
func (p *Platform) remoteFeedback(cfg config.Config) (*grpc.ClientConn, error) {
	if cfg.FeedbackAddr == "" {
		return nil, fmt.Errorf("the training service needs the feedback service's address (ENGAGE_FEEDBACK_ADDR)")
	}
	conn, err := grpcserver.Dial(cfg.FeedbackAddr, grpc.WithPerRPCCredentials(auth.ServiceCredentials("training", cfg.InternalSecret)))
	if err != nil {
		return nil, fmt.Errorf("dial feedback %s: %w", cfg.FeedbackAddr, err)
	}
	p.onShutdown("feedback connection", func(context.Context) error { return conn.Close() })
	return conn, nil
}

// startTraining opens the training service of this process. In the
// all-in-one process (all) it reaches identity and Feedback over one
// loopback connection to self, the process's own server; alone it reaches
// identity over identityConn, the process's connection to the remote
// identity service, and Feedback at cfg.FeedbackAddr.
func (p *Platform) startTraining(cfg config.Config, self string, identityConn *grpc.ClientConn, all bool) (*training.Service, training.Store, error) {
	if all {
		loopback, err := p.dialSelf(self, "training", cfg.InternalSecret)
		if err != nil {
			return nil, nil, err
		}
		return p.openTraining(cfg, loopback, loopback)
	}
	feedbackConn, err := p.remoteFeedback(cfg)
	if err != nil {
		return nil, nil, err
	}
	return p.openTraining(cfg, identityConn, feedbackConn)
}
