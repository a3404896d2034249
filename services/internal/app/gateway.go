package app

import (
	"context"
	"fmt"
	"net"
	"net/http"

	"github.com/engagehq/engage/gateway"
	"github.com/engagehq/engage/services/internal/config"
	"github.com/engagehq/engage/services/internal/grpcserver"
	"github.com/prometheus/client_golang/prometheus"
)

// startGateway serves the REST API on cfg.HTTPAddr, calling the services
// at target over gRPC — in one process the loopback address of this
// process's own gRPC server, so every REST call passes the same
// interceptors as a partner's gRPC call.
func (p *Platform) startGateway(ctx context.Context, cfg config.Config, reg *prometheus.Registry, target string) error {
	if target == "" {
		return fmt.Errorf("the gateway needs the identity service's address (ENGAGE_IDENTITY_ADDR)")
	}
	conn, err := grpcserver.Dial(target)
	if err != nil {
		return fmt.Errorf("dial %s: %w", target, err)
	}
	p.onShutdown("gateway connection", func(context.Context) error { return conn.Close() })

	drain, stopStreams := context.WithCancel(context.WithoutCancel(ctx))
	h, err := gateway.New(ctx, gateway.Config{
		Identity:     conn,
		MaxBodyBytes: cfg.MaxBodyBytes,
		MaxTimeout:   cfg.MaxCallDuration,
		CORSOrigins:  cfg.CORSOrigins,
		Logger:       p.log.With("component", "gateway"),
		Registry:     reg,
		Drain:        drain,
		AnonymousLimit: gateway.RateLimit{
			PerSecond: cfg.AnonymousRateLimit,
			Burst:     cfg.AnonymousRateBurst,
			Disabled:  cfg.AnonymousRateLimit == 0,
		},
	})
	if err != nil {
		stopStreams()
		return err
	}
	lis, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		stopStreams()
		return fmt.Errorf("listen for HTTP: %w", err)
	}
	p.HTTPAddr = lis.Addr()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: readHeaderTimeout, ErrorLog: nil}
	p.serve("http", func() error { return srv.Serve(lis) })
	// Streams end first so that Shutdown does not wait for them.
	p.onShutdown("http server", func(ctx context.Context) error {
		stopStreams()
		return shutdownHTTP(srv)(ctx)
	})
	p.log.Info("http serving", "addr", lis.Addr().String())
	return nil
}
