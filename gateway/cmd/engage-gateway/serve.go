package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/engagehq/engage/gateway"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// serve dials the backends and serves HTTP on ln until ctx is done, then
// shuts down gracefully.
func serve(ctx context.Context, cfg config, log *slog.Logger, ln net.Listener) error {
	defer ln.Close()
	creds := insecure.NewCredentials()
	if cfg.BackendCAFile != "" {
		tc, err := credentials.NewClientTLSFromFile(cfg.BackendCAFile, "")
		if err != nil {
			return fmt.Errorf("backend CA: %w", err)
		}
		creds = tc
	}
	identity, err := grpc.NewClient(cfg.IdentityAddr, grpc.WithTransportCredentials(creds))
	if err != nil {
		return fmt.Errorf("dial identity %s: %w", cfg.IdentityAddr, err)
	}
	defer identity.Close()
	// The optional backends: a service without an address serves no routes.
	conns := map[string]*grpc.ClientConn{}
	for _, b := range []struct{ name, addr string }{
		{"forum", cfg.ForumAddr},
		{"feedback", cfg.FeedbackAddr},
		{"training", cfg.TrainingAddr},
		{"alerts", cfg.AlertsAddr},
	} {
		if b.addr == "" {
			continue
		}
		conn, err := grpc.NewClient(b.addr, grpc.WithTransportCredentials(creds))
		if err != nil {
			return fmt.Errorf("dial %s %s: %w", b.name, b.addr, err)
		}
		defer conn.Close()
		conns[b.name] = conn
	}

	var draining atomic.Bool
	drain, drainStreams := context.WithCancel(context.Background())
	defer drainStreams()
	handler, err := gateway.New(ctx, gateway.Config{
		Identity: identity,
		Forum:    conns["forum"],
		Feedback: conns["feedback"],
		Training: conns["training"],
		Alerts:   conns["alerts"],
		StreamDial: func(target string) (*grpc.ClientConn, error) {
			return grpc.NewClient(target, grpc.WithTransportCredentials(creds))
		},
		MaxBodyBytes: cfg.MaxBodyBytes,
		MaxTimeout:   cfg.MaxCallDuration,
		CORSOrigins:  cfg.CORSOrigins,
		Logger:       log,
		AnonymousLimit: gateway.RateLimit{
			PerSecond:      cfg.AnonymousRate,
			Burst:          cfg.AnonymousBurst,
			TrustedProxies: cfg.TrustedProxies,
		},
		ReadyCheck: func(context.Context) error {
			if draining.Load() {
				return errors.New("shutting down")
			}
			return nil
		},
		Drain: drain,
	})
	if err != nil {
		return err
	}

	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		// No WriteTimeout: streams last as long as the client stays; unary
		// calls are bounded by the gateway's deadline cap instead.
		ReadTimeout:    time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("gateway listening", "addr", ln.Addr().String(), "identity", cfg.IdentityAddr,
		"docs", "http://"+ln.Addr().String()+"/docs")

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	log.Info("gateway shutting down", "timeout", cfg.ShutdownTimeout)
	draining.Store(true)
	drainStreams()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
