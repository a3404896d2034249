package app

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"

	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/config"
	"github.com/engagehq/engage/services/internal/grpcserver"
	"github.com/engagehq/engage/services/internal/identity"
	identitystore "github.com/engagehq/engage/services/internal/identity/boltstore"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"
)

// startServices opens the identity store and serves the gRPC services of
// this process on cfg.GRPCAddr. In the all-in-one process (all) it also
// bootstraps the first administrator and, when asked, seeds the demo.
func (p *Platform) startServices(ctx context.Context, cfg config.Config, reg *prometheus.Registry, all bool) (bannerInfo, error) {
	var b bannerInfo
	if !all && len(cfg.InternalSecret) < 32 {
		return b, fmt.Errorf("ENGAGE_INTERNAL_SECRET must be set (32+ characters) when services run in separate processes")
	}
	log := p.log.With("component", "identity")
	store, err := identitystore.Open(filepath.Join(cfg.DataDir, "identity.db"), identitystore.Options{Logger: log})
	if err != nil {
		return b, err
	}
	p.onShutdown("identity store", func(context.Context) error { return store.Close() })
	p.backups = append(p.backups, backupSource{name: "identity.db", db: store.DB()})

	svc, err := identity.New(ctx, store, identity.Config{AccessTTL: cfg.AccessTokenTTL, Logger: log})
	if err != nil {
		return b, err
	}
	b.adminEmail = cfg.AdminEmail
	b.adminCreated, b.adminPassword, err = svc.Bootstrap(ctx, cfg.AdminEmail, cfg.AdminPassword)
	if err != nil {
		return b, fmt.Errorf("bootstrap the platform administrator: %w", err)
	}

	proxies, err := parsePrefixes(cfg.TrustedProxies)
	if err != nil {
		return b, err
	}
	in, err := auth.NewInterceptor(auth.Config{
		Verifier:      auth.NewVerifier(svc, nil),
		APIKeys:       svc,
		ServiceSecret: cfg.InternalSecret,
		Audit:         svc,
		Service:       "identity",
		Logger:        p.log,
		Limits: auth.Limits{
			Principal:  rateLimit(cfg.RateLimit, cfg.RateBurst),
			Anonymous:  rateLimit(cfg.AnonymousRateLimit, cfg.AnonymousRateBurst),
			ProxyPeers: proxies,
		},
	})
	if err != nil {
		return b, err
	}
	srv, err := grpcserver.New(
		grpcserver.WithLogger(p.log),
		grpcserver.WithRegisterer(reg),
		grpcserver.WithMaxCallDuration(cfg.MaxCallDuration),
		grpcserver.WithShutdownTimeout(cfg.ShutdownTimeout),
		grpcserver.WithUnaryInterceptors(in.Unary()),
		grpcserver.WithStreamInterceptors(in.Stream()),
	)
	if err != nil {
		return b, err
	}
	svc.Register(srv.GRPC())
	if err := auth.CheckServer(srv.GRPC()); err != nil {
		return b, err
	}
	lis, err := net.Listen("tcp", cfg.GRPCAddr)
	if err != nil {
		return b, fmt.Errorf("listen for gRPC: %w", err)
	}
	p.GRPCAddr = lis.Addr()
	p.serve("grpc", func() error { return srv.Serve(lis) })
	p.onShutdown("grpc server", shutdownGRPC(srv))
	srv.SetServing()

	p.every("purge expired sessions", sessionPurgeInterval, func(ctx context.Context) error {
		n, err := svc.PurgeSessions(ctx)
		if n > 0 {
			log.Info("purged expired sessions", "count", n)
		}
		return err
	})

	if all && cfg.Demo && b.adminCreated {
		demo, err := seedDemo(ctx, lis.Addr().String(), cfg, b.adminPassword)
		if err != nil {
			return b, fmt.Errorf("seed the demo: %w", err)
		}
		b.demo = demo
	}
	p.log.Info("grpc serving", "addr", lis.Addr().String())
	if !all && cfg.MetricsAddr != "" {
		if err := p.serveMetrics(cfg.MetricsAddr, reg); err != nil {
			return b, err
		}
	}
	return b, nil
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
