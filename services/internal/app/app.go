// Package app is the composition root: it chooses the concrete parts (bbolt
// stores, in-process or remote credential sources, the gateway) and wires
// them into a running platform. `engage serve` runs every component in one
// process; `engage serve <component>` runs one, talking gRPC to the others.
//
// In one process every service is registered on one gRPC server (so
// `grpcurl 127.0.0.1:9090 list` shows them all) and the gateway reaches
// them over a loopback client connection, exactly as it would reach
// separate containers: the same interceptors, limits and streaming apply.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/engagehq/engage/services/internal/config"
	"github.com/engagehq/engage/services/internal/grpcserver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Components that `engage serve <component>` accepts; "" and "all" run all.
var Components = []string{"identity", "forum", "feedback", "training", "alerts", "gateway"}

// Options configure Start.
type Options struct {
	Config config.Config
	// Component is "" (everything) or one of Components.
	Component string
	// Logger receives every log line; required.
	Logger *slog.Logger
	// Out receives the first-start banner (URLs, the admin's password).
	Out io.Writer
}

// Platform is a started process: listeners open, stores open, serving.
type Platform struct {
	log *slog.Logger
	// GRPCAddr and HTTPAddr are the bound addresses (nil when not served
	// by this process).
	GRPCAddr, HTTPAddr net.Addr
	// closers run in reverse order on Shutdown.
	closers []closer
	// errc receives a listener's failure while serving.
	errc chan error
	// backups are the stores `engage backup` copies through the admin socket.
	backups []backupSource
}

type closer struct {
	name string
	fn   func(context.Context) error
}

func (p *Platform) onShutdown(name string, fn func(context.Context) error) {
	p.closers = append(p.closers, closer{name, fn})
}

// Start opens the stores, starts the listeners and returns once the
// platform serves. On error everything already started is stopped.
func Start(ctx context.Context, o Options) (_ *Platform, err error) {
	if err := o.Config.Validate(); err != nil {
		return nil, err
	}
	if o.Component != "" && o.Component != "all" && !slices.Contains(Components, o.Component) {
		return nil, fmt.Errorf("unknown component %q (want one of %v)", o.Component, Components)
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	p := &Platform{log: o.Logger, errc: make(chan error, 4)}
	defer func() {
		if err != nil {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.Config.ShutdownTimeout)
			defer cancel()
			_ = p.Shutdown(sctx)
		}
	}()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	all := o.Component == "" || o.Component == "all"
	cfg := o.Config
	if all && cfg.InternalSecret == "" {
		// One process: the services only ever call each other here.
		cfg.InternalSecret = randomSecret()
	}

	var banner bannerInfo
	if o.Component != "gateway" {
		b, err := p.startServices(ctx, cfg, reg, o.Component)
		if err != nil {
			return nil, err
		}
		banner = b
	}
	if all || o.Component == "gateway" {
		backends := backendAddrs{identity: cfg.IdentityAddr, forum: cfg.ForumAddr, feedback: cfg.FeedbackAddr, training: cfg.TrainingAddr, alerts: cfg.AlertsAddr}
		if all {
			self := p.GRPCAddr.String()
			backends = backendAddrs{identity: self, forum: self, feedback: self, training: self, alerts: self}
		}
		if err := p.startGateway(ctx, cfg, reg, backends); err != nil {
			return nil, err
		}
	}
	if err := p.startAdminSocket(cfg.DataDir, o.Component); err != nil {
		return nil, err
	}
	banner.print(o.Out, p, cfg)
	return p, nil
}

// Run starts the platform and serves until ctx is done, then shuts down
// gracefully within the configured timeout (and grpcDrainFloor more when
// the REST server used all of it).
func Run(ctx context.Context, o Options) error {
	p, err := Start(ctx, o)
	if err != nil {
		return err
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-p.errc:
		o.Logger.Error("listener failed; shutting down", "err", serveErr)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.Config.ShutdownTimeout)
	defer cancel()
	o.Logger.Info("shutting down", "timeout", o.Config.ShutdownTimeout)
	return errors.Join(serveErr, p.Shutdown(sctx))
}

// Shutdown stops accepting work, drains calls and streams within ctx, and
// closes the stores (every acknowledged write is already durable).
func (p *Platform) Shutdown(ctx context.Context) error {
	var errs []error
	for i := len(p.closers) - 1; i >= 0; i-- {
		c := p.closers[i]
		if err := c.fn(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop %s: %w", c.name, err))
		}
	}
	p.closers = nil
	return errors.Join(errs...)
}

// serve runs srv's Serve in the background and reports its failure.
func (p *Platform) serve(name string, serve func() error) {
	go func() {
		if err := serve(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			select {
			case p.errc <- fmt.Errorf("%s: %w", name, err):
			default:
			}
		}
	}()
}

func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// shutdownHTTP gracefully stops an http.Server within ctx.
func shutdownHTTP(s *http.Server) func(context.Context) error {
	return func(ctx context.Context) error {
		err := s.Shutdown(ctx)
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return s.Close()
		}
		return err
	}
}

// grpcDrainFloor is the least time the gRPC server gets to stop gracefully,
// whatever the servers stopped before it left of the shutdown budget.
const grpcDrainFloor = time.Second

// shutdownGRPC stops the gRPC server within what is left of ctx, but no
// less than grpcDrainFloor. The REST server stops first and may use up the
// budget on a client that never finishes its request; a gRPC server handed
// an expired context skips the graceful stop altogether, reporting calls
// still running (and failing the exit) even when it has none.
func shutdownGRPC(s *grpcserver.Server) func(context.Context) error {
	return func(ctx context.Context) error {
		if d, ok := ctx.Deadline(); ok && time.Until(d) < grpcDrainFloor {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), grpcDrainFloor)
			defer cancel()
		}
		return s.Shutdown(ctx)
	}
}

// How often ended sessions, and content deleted longer ago than its
// retention, are removed.
const (
	sessionPurgeInterval = 6 * time.Hour
	contentPurgeInterval = 6 * time.Hour
)

// every runs fn at each interval until the platform shuts down; a failure
// is logged and the next tick tries again.
func (p *Platform) every(name string, interval time.Duration, fn func(context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := fn(ctx); err != nil && ctx.Err() == nil {
					p.log.Error("periodic task failed", "task", name, "err", err)
				}
			}
		}
	}()
	p.onShutdown(name, func(context.Context) error {
		cancel()
		<-done
		return nil
	})
}

// readHeaderTimeout bounds slow-loris clients on the REST listener.
const readHeaderTimeout = 10 * time.Second
