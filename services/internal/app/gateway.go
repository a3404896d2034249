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
	"google.golang.org/grpc"
)

// backendAddrs are the gRPC addresses of the services behind the gateway;
// empty ones are not served.
type backendAddrs struct {
	identity, forum, feedback, training, alerts string
}

// startGateway serves the REST API on cfg.HTTPAddr, calling the services
// over gRPC — in one process at the loopback address of this process's own
// gRPC server, so every REST call passes the same interceptors as a
// partner's gRPC call.
func (p *Platform) startGateway(ctx context.Context, cfg config.Config, reg *prometheus.Registry, addrs backendAddrs) error {
	if addrs.identity == "" {
		return fmt.Errorf("the gateway needs the identity service's address (ENGAGE_IDENTITY_ADDR)")
	}
	conns := map[string]*grpc.ClientConn{}
	dial := func(target string) (*grpc.ClientConn, error) {
		if target == "" {
			return nil, nil
		}
		if c, ok := conns[target]; ok {
			return c, nil
		}
		c, err := grpcserver.Dial(target)
		if err != nil {
			return nil, fmt.Errorf("dial %s: %w", target, err)
		}
		conns[target] = c
		p.onShutdown("gateway connection to "+target, func(context.Context) error { return c.Close() })
		return c, nil
	}
	identityConn, err := dial(addrs.identity)
	if err != nil {
		return err
	}
	forumConn, err := dial(addrs.forum)
	if err != nil {
		return err
	}
	feedbackConn, err := dial(addrs.feedback)
	if err != nil {
		return err
	}
	trainingConn, err := dial(addrs.training)
	if err != nil {
		return err
	}
	alertsConn, err := dial(addrs.alerts)
	if err != nil {
		return err
	}

	drain, stopStreams := context.WithCancel(context.WithoutCancel(ctx))
	h, err := gateway.New(ctx, gateway.Config{
		Identity:     identityConn,
		Forum:        forumConn,
		Feedback:     feedbackConn,
		Training:     trainingConn,
		Alerts:       alertsConn,
		StreamDial:   func(target string) (*grpc.ClientConn, error) { return grpcserver.Dial(target) },
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
