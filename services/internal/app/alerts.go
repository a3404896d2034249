package app

import (
	"context"
	"fmt"
	"path/filepath"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/agencies"
	"github.com/engagehq/engage/services/internal/alerts"
	alertsstore "github.com/engagehq/engage/services/internal/alerts/boltstore"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/config"
	"github.com/engagehq/engage/services/internal/feedback"
	"github.com/engagehq/engage/services/internal/grpcserver"
	"google.golang.org/grpc"
)

// openAlerts opens the alerts store and service; the process starts its
// stream hub with runAlertHub once the server is built. Agencies' time zones come from identity over identityConn; alerts'
// Q&A threads are opened in Forum over forumConn. Both are, in one
// process, the loopback connection to the process's own server.
func (p *Platform) openAlerts(cfg config.Config, identityConn, forumConn grpc.ClientConnInterface) (*alerts.Service, error) {
	log := p.log.With("component", "alerts")
	store, err := alertsstore.Open(filepath.Join(cfg.DataDir, "alerts.db"), alertsstore.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	p.onShutdown("alerts store", func(context.Context) error { return store.Close() })
	p.backups = append(p.backups, backupSource{name: "alerts.db", db: store.DB()})

	svc, err := alerts.New(store, alerts.Config{
		Agencies:     agencies.NewDirectory(identityv1.NewAgencyServiceClient(identityConn)),
		Threads:      forumv1.NewThreadServiceClient(forumConn),
		ForumTimeout: cfg.ForumTimeout,
		PublicURL:    cfg.PublicURL,
		Logger:       log,
	})
	if err != nil {
		return nil, err
	}
	p.every("purge alerts request ids", requestPurgeInterval, func(ctx context.Context) error {
		n, err := svc.PurgeRequests(ctx)
		if n > 0 {
			log.Info("purged request ids", "count", n)
		}
		return err
	})
	return svc, nil
}

// runAlertHub runs the alert stream hub of svc until the returned stop,
// which the process calls before the gRPC server drains: the hub's end
// closes every live alert stream with UNAVAILABLE, and its clients resume
// elsewhere with their last cursor, instead of holding the graceful stop
// to its timeout. It also writes the last delivery counts, so it stops
// before the store closes.
func (p *Platform) runAlertHub(svc *alerts.Service) (stop func(context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := svc.Run(ctx); err != nil {
			p.log.Error("the alert stream hub did not start; alert streams answer UNAVAILABLE", "component", "alerts", "err", err)
		}
	}()
	return func(context.Context) error {
		cancel()
		<-done
		return nil
	}
}

// remoteForum reaches the Forum service at cfg.ForumAddr as the alerts
// service, for an alerts process of its own. The connection is lazy:
// alerts starts and serves while Forum is down, and only opening a Q&A
// thread, which needs it, fails until it is back.
func (p *Platform) remoteForum(cfg config.Config) (*grpc.ClientConn, error) {
	if cfg.ForumAddr == "" {
		return nil, fmt.Errorf("the alerts service needs the forum service's address (ENGAGE_FORUM_ADDR)")
	}
	conn, err := grpcserver.Dial(cfg.ForumAddr, grpc.WithPerRPCCredentials(auth.ServiceCredentials("alerts", cfg.InternalSecret)))
	if err != nil {
		return nil, fmt.Errorf("dial forum %s: %w", cfg.ForumAddr, err)
	}
	p.onShutdown("forum connection", func(context.Context) error { return conn.Close() })
	return conn, nil
}

// startAlerts opens the alerts service of this process. In the all-in-one
// process (all) it reaches identity and Forum over one loopback connection
// to self, the process's own server; alone it reaches identity over
// identityConn, the process's connection to the remote identity service,
// and Forum at cfg.ForumAddr.
func (p *Platform) startAlerts(cfg config.Config, self string, identityConn *grpc.ClientConn, all bool) (*alerts.Service, error) {
	if all {
		loopback, err := p.dialSelf(self, "alerts", cfg.InternalSecret)
		if err != nil {
			return nil, err
		}
		return p.openAlerts(cfg, loopback, loopback)
	}
	forumConn, err := p.remoteForum(cfg)
	if err != nil {
		return nil, err
	}
	return p.openAlerts(cfg, identityConn, forumConn)
}

// feedbackNotifier is where Feedback sends its notices of Trust Index
// drops: staff-only alerts raised through the Alerts service, over
// alertsConn as the feedback service. Without Alerts (a feedback process
// given no ENGAGE_ALERTS_ADDR, alertsConn nil) they are recorded in the
// audit log instead, and the process says so at start.
func (p *Platform) feedbackNotifier(alertsConn *grpc.ClientConn, fallback feedback.TrustNotifier) feedback.TrustNotifier {
	if alertsConn == nil {
		p.log.Warn("no alerts service address (ENGAGE_ALERTS_ADDR): Trust Index drop notices go to the audit log, not to staff alerts")
		return fallback
	}
	return feedback.NewAlertsNotifier(alertsv1.NewAlertServiceClient(alertsConn))
}

// remoteAlerts reaches the Alerts service at cfg.AlertsAddr as the
// feedback service, for a feedback process of its own; nil without an
// address. The connection is lazy: Feedback serves while Alerts is down.
func (p *Platform) remoteAlerts(cfg config.Config) (*grpc.ClientConn, error) {
	if cfg.AlertsAddr == "" {
		return nil, nil
	}
	conn, err := grpcserver.Dial(cfg.AlertsAddr, grpc.WithPerRPCCredentials(auth.ServiceCredentials("feedback", cfg.InternalSecret)))
	if err != nil {
		return nil, fmt.Errorf("dial alerts %s: %w", cfg.AlertsAddr, err)
	}
	p.onShutdown("alerts connection", func(context.Context) error { return conn.Close() })
	return conn, nil
}
