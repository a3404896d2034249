package app

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/alerts"
	"github.com/engagehq/engage/services/internal/audit"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/config"
	"github.com/engagehq/engage/services/internal/feedback"
	"github.com/engagehq/engage/services/internal/forum"
	forumstore "github.com/engagehq/engage/services/internal/forum/boltstore"
	"github.com/engagehq/engage/services/internal/grpcserver"
	"github.com/engagehq/engage/services/internal/identity"
	identitystore "github.com/engagehq/engage/services/internal/identity/boltstore"
	"github.com/engagehq/engage/services/internal/training"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"
	"google.golang.org/grpc"
)

// credentialSources are how a process checks callers: in the process that
// hosts identity, identity itself; elsewhere, identity over gRPC.
type credentialSources struct {
	keys     auth.KeySource
	apiKeys  auth.APIKeyResolver
	recorder audit.Recorder
	// identity is the connection to a remote identity service, which the
	// process's own services call too; nil where identity runs in process.
	identity *grpc.ClientConn
}

// startServices serves the gRPC services of this process (all of them, or
// the one component) on cfg.GRPCAddr. In the all-in-one process it also
// bootstraps the first administrator and, when asked, seeds the demo.
func (p *Platform) startServices(ctx context.Context, cfg config.Config, reg *prometheus.Registry, component string) (_ bannerInfo, err error) {
	var b bannerInfo
	all := component == "" || component == "all"
	if !all && len(cfg.InternalSecret) < 32 {
		return b, fmt.Errorf("ENGAGE_INTERNAL_SECRET must be set (32+ characters) when services run in separate processes")
	}
	runs := func(name string) bool { return all || component == name }

	// Listening comes first so that services of this process can dial
	// each other at the bound address; nothing is served before every
	// store is open.
	lis, err := net.Listen("tcp", cfg.GRPCAddr)
	if err != nil {
		return b, fmt.Errorf("listen for gRPC: %w", err)
	}
	serving := false
	defer func() {
		if !serving {
			lis.Close()
		}
	}()

	var creds credentialSources
	var registers []func(grpc.ServiceRegistrar)
	if runs("identity") {
		svc, err := p.openIdentity(ctx, cfg, &b)
		if err != nil {
			return b, err
		}
		creds = credentialSources{keys: svc, apiKeys: svc, recorder: svc}
		registers = append(registers, svc.Register)
	} else {
		remote, err := p.remoteIdentity(cfg, component)
		if err != nil {
			return b, err
		}
		creds = remote
	}
	if runs("forum") {
		svc, err := p.openForum(cfg)
		if err != nil {
			return b, err
		}
		registers = append(registers, svc.Register)
	}
	var (
		feedbackSvc   *feedback.Service
		feedbackStore feedback.Store
	)
	if runs("feedback") {
		// In one process Feedback reaches identity and Alerts over one
		// loopback connection; alone, identity over the process's
		// connection and Alerts at ENGAGE_ALERTS_ADDR.
		identityConn, alertsConn := creds.identity, (*grpc.ClientConn)(nil)
		if all {
			if identityConn, err = p.dialSelf(lis.Addr().String(), "feedback", cfg.InternalSecret); err != nil {
				return b, err
			}
			alertsConn = identityConn
		} else if alertsConn, err = p.remoteAlerts(cfg); err != nil {
			return b, err
		}
		if feedbackSvc, feedbackStore, err = p.openFeedback(cfg, identityConn, alertsConn, creds.recorder); err != nil {
			return b, err
		}
		registers = append(registers, feedbackSvc.Register)
	}
	var trainingStore training.Store
	if runs("training") {
		svc, store, err := p.startTraining(cfg, lis.Addr().String(), creds.identity, all)
		if err != nil {
			return b, err
		}
		trainingStore = store
		registers = append(registers, svc.Register)
	}
	var alertsSvc *alerts.Service
	if runs("alerts") {
		if alertsSvc, err = p.startAlerts(cfg, lis.Addr().String(), creds.identity, all); err != nil {
			return b, err
		}
		registers = append(registers, alertsSvc.Register)
	}

	name := component
	if all {
		name = "engage"
	}
	srv, err := p.newGRPCServer(cfg, reg, creds, name)
	if err != nil {
		return b, err
	}
	for _, register := range registers {
		register(srv.GRPC())
	}
	if err := auth.CheckServer(srv.GRPC()); err != nil {
		return b, err
	}
	p.GRPCAddr = lis.Addr()
	serving = true
	var stopAlertHub func(context.Context) error
	if alertsSvc != nil {
		stopAlertHub = p.runAlertHub(alertsSvc)
	}
	p.serve("grpc", func() error { return srv.Serve(lis) })
	p.onShutdown("grpc server", shutdownGRPC(srv))
	if feedbackSvc != nil {
		// Runs before the server's drain: live watch streams end at once
		// instead of holding the graceful stop to its timeout.
		p.onShutdown("feedback watchers", func(context.Context) error {
			feedbackSvc.Close()
			return nil
		})
	}
	if stopAlertHub != nil {
		// Likewise: live alert streams end at once, and their clients
		// resume with their cursors wherever they reconnect.
		p.onShutdown("alert stream hub", stopAlertHub)
	}
	srv.SetServing()

	if all && cfg.Demo && b.adminCreated {
		demo, err := seedDemo(ctx, lis.Addr().String(), cfg, b.adminPassword, trainingStore, feedbackStore)
		if err != nil {
			return b, fmt.Errorf("seed the demo: %w", err)
		}
		b.demo = demo
	}
	p.log.Info("grpc serving", "addr", lis.Addr().String(), "component", name)
	if !all && cfg.MetricsAddr != "" {
		if err := p.serveMetrics(cfg.MetricsAddr, reg); err != nil {
			return b, err
		}
	}
	return b, nil
}

// openIdentity opens identity's store and service and bootstraps the first
// platform administrator.
func (p *Platform) openIdentity(ctx context.Context, cfg config.Config, b *bannerInfo) (*identity.Service, error) {
	log := p.log.With("component", "identity")
	store, err := identitystore.Open(filepath.Join(cfg.DataDir, "identity.db"), identitystore.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	p.onShutdown("identity store", func(context.Context) error { return store.Close() })
	p.backups = append(p.backups, backupSource{name: "identity.db", db: store.DB()})

	svc, err := identity.New(ctx, store, identity.Config{AccessTTL: cfg.AccessTokenTTL, Logger: log})
	if err != nil {
		return nil, err
	}
	b.adminEmail = cfg.AdminEmail
	b.adminCreated, b.adminPassword, err = svc.Bootstrap(ctx, cfg.AdminEmail, cfg.AdminPassword)
	if err != nil {
		return nil, fmt.Errorf("bootstrap the platform administrator: %w", err)
	}
	p.every("purge expired sessions", sessionPurgeInterval, func(ctx context.Context) error {
		n, err := svc.PurgeSessions(ctx)
		if n > 0 {
			log.Info("purged expired sessions", "count", n)
		}
		return err
	})
	p.every("purge identity request ids", requestPurgeInterval, func(ctx context.Context) error {
		n, err := svc.PurgeRequests(ctx)
		if n > 0 {
			log.Info("purged request ids", "count", n)
		}
		return err
	})
	return svc, nil
}

// openForum opens the forum's store and service.
func (p *Platform) openForum(cfg config.Config) (*forum.Service, error) {
	log := p.log.With("component", "forum")
	store, err := forumstore.Open(filepath.Join(cfg.DataDir, "forum.db"), forumstore.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	p.onShutdown("forum store", func(context.Context) error { return store.Close() })
	p.backups = append(p.backups, backupSource{name: "forum.db", db: store.DB()})

	svc, err := forum.New(store, forum.Config{Logger: log})
	if err != nil {
		return nil, err
	}
	p.every("purge deleted forum content", contentPurgeInterval, func(ctx context.Context) error {
		n, err := svc.Purge(ctx)
		if n > 0 {
			log.Info("purged deleted content", "count", n)
		}
		return err
	})
	return svc, nil
}

// remoteIdentity reaches identity over gRPC, as service `component`, for a
// process that does not host it.
func (p *Platform) remoteIdentity(cfg config.Config, component string) (credentialSources, error) {
	if cfg.IdentityAddr == "" {
		return credentialSources{}, fmt.Errorf("the %s service needs the identity service's address (ENGAGE_IDENTITY_ADDR)", component)
	}
	conn, err := grpcserver.Dial(cfg.IdentityAddr, grpc.WithPerRPCCredentials(auth.ServiceCredentials(component, cfg.InternalSecret)))
	if err != nil {
		return credentialSources{}, fmt.Errorf("dial identity %s: %w", cfg.IdentityAddr, err)
	}
	p.onShutdown("identity connection", func(context.Context) error { return conn.Close() })
	client := identityv1.NewCredentialServiceClient(conn)
	return credentialSources{
		keys:     auth.NewRemoteKeys(client, auth.RemoteKeysOptions{}),
		apiKeys:  auth.NewRemoteAPIKeys(client, auth.RemoteAPIKeysOptions{}),
		recorder: audit.NewClient(identityv1.NewAuditServiceClient(conn)),
		identity: conn,
	}, nil
}

// newGRPCServer builds the process's gRPC server with the auth interceptor
// over creds.
func (p *Platform) newGRPCServer(cfg config.Config, reg prometheus.Registerer, creds credentialSources, name string) (*grpcserver.Server, error) {
	proxies, err := parsePrefixes(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	in, err := auth.NewInterceptor(auth.Config{
		Verifier:      auth.NewVerifier(creds.keys, nil),
		APIKeys:       creds.apiKeys,
		ServiceSecret: cfg.InternalSecret,
		Audit:         creds.recorder,
		Service:       name,
		Logger:        p.log,
		Limits: auth.Limits{
			Principal:  rateLimit(cfg.RateLimit, cfg.RateBurst),
			Anonymous:  rateLimit(cfg.AnonymousRateLimit, cfg.AnonymousRateBurst),
			ProxyPeers: proxies,
		},
	})
	if err != nil {
		return nil, err
	}
	return grpcserver.New(
		grpcserver.WithLogger(p.log),
		grpcserver.WithRegisterer(reg),
		grpcserver.WithMaxCallDuration(cfg.MaxCallDuration),
		grpcserver.WithShutdownTimeout(cfg.ShutdownTimeout),
		grpcserver.WithUnaryInterceptors(in.Unary()),
		grpcserver.WithStreamInterceptors(in.Stream()),
	)
}

// serveMetrics serves /metrics for a service that runs without the gateway.
func (p *Platform) serveMetrics(addr string, reg *prometheus.Registry) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen for metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: readHeaderTimeout}
	p.serve("metrics", func() error { return srv.Serve(lis) })
	p.onShutdown("metrics server", shutdownHTTP(srv))
	p.log.Info("metrics serving", "addr", lis.Addr().String())
	return nil
}

// rateLimit turns a configured rate into a limit; 0 disables it.
func rateLimit(perSecond float64, burst int) auth.RateLimit {
	if perSecond == 0 {
		return auth.RateLimit{Rate: rate.Inf, Burst: burst}
	}
	return auth.RateLimit{Rate: rate.Limit(perSecond), Burst: burst}
}

func parsePrefixes(ss []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(ss))
	for _, s := range ss {
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", s, err)
		}
		out = append(out, pfx)
	}
	return out, nil
}
