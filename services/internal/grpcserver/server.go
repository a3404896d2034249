package grpcserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"buf.build/go/protovalidate"
	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"
)

// Server is a gRPC server with the Engage interceptor chain, limits, health
// and reflection. Register services on GRPC() before calling Serve.
type Server struct {
	grpc            *grpc.Server
	health          *health.Server
	metrics         *grpcprom.ServerMetrics // nil without a registerer
	logger          *slog.Logger
	shutdownTimeout time.Duration

	// drainCtx is cancelled when Shutdown begins; Draining exposes it.
	drainCtx context.Context
	drain    context.CancelFunc

	prepareOnce sync.Once
	mu          sync.Mutex
	serving     bool // SetServing was called
}

// New builds a server from opts. It fails when the validator cannot be
// built or the metrics cannot be registered.
func New(opts ...Option) (*Server, error) {
	cfg := defaults()
	for _, o := range opts {
		o(&cfg)
	}
	validator, err := protovalidate.New()
	if err != nil {
		return nil, fmt.Errorf("protovalidate: %w", err)
	}
	metrics, err := registerMetrics(cfg.registerer)
	if err != nil {
		return nil, err
	}
	drainCtx, drain := context.WithCancel(context.Background())
	s := &Server{
		health:          health.NewServer(),
		metrics:         metrics,
		logger:          cfg.logger,
		shutdownTimeout: cfg.shutdownTimeout,
		drainCtx:        drainCtx,
		drain:           drain,
	}
	unary, stream := s.chain(cfg, validator)
	serverOpts := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(unary...),
		grpc.ChainStreamInterceptor(stream...),
		grpc.MaxRecvMsgSize(cfg.maxRecvMsgSize),
		grpc.MaxSendMsgSize(cfg.maxSendMsgSize),
		grpc.MaxConcurrentStreams(cfg.maxConcurrentStreams),
		// Reused workers keep the stacks the deep interceptor chain grew,
		// instead of growing a fresh goroutine's stack on every call
		// (measured: about a fifth less CPU per call).
		grpc.NumStreamWorkers(streamWorkers),
		grpc.ConnectionTimeout(cfg.connectionTimeout),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{
			MinTime:             keepaliveMinTime,
			PermitWithoutStream: true,
		}),
		grpc.KeepaliveParams(keepalive.ServerParameters{
			Time:              keepaliveTime,
			Timeout:           keepaliveTimeout,
			MaxConnectionIdle: keepaliveMaxConnectionIdle,
		}),
	}
	if cfg.creds != nil {
		serverOpts = append(serverOpts, grpc.Creds(cfg.creds))
	}
	serverOpts = append(serverOpts, cfg.serverOptions...)
	s.grpc = grpc.NewServer(serverOpts...)

	// health.NewServer reports "" as SERVING; nothing is, yet.
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	healthpb.RegisterHealthServer(s.grpc, s.health)
	reflection.Register(s.grpc)
	return s, nil
}

// registerMetrics creates the server metrics with a handling-time histogram
// and registers them on r. Several servers of one process may share r: the
// second then uses the metrics the first registered.
func registerMetrics(r prometheus.Registerer) (*grpcprom.ServerMetrics, error) {
	if r == nil {
		return nil, nil
	}
	m := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram())
	err := r.Register(m)
	if are, ok := errors.AsType[prometheus.AlreadyRegisteredError](err); ok {
		if existing, ok := are.ExistingCollector.(*grpcprom.ServerMetrics); ok {
			return existing, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("register grpc metrics: %w", err)
	}
	return m, nil
}

// GRPC returns the underlying server, to register services on before Serve.
func (s *Server) GRPC() *grpc.Server { return s.grpc }

// Serve accepts connections on lis until Shutdown; it returns nil after
// Shutdown. It may be called for several listeners. The first call reports
// every service registered so far as NOT_SERVING (unless SetServing came
// first) and creates their metrics at zero.
func (s *Server) Serve(lis net.Listener) error {
	s.prepareOnce.Do(s.prepare)
	return s.grpc.Serve(lis)
}

func (s *Server) prepare() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.serving {
		s.setAll(healthpb.HealthCheckResponse_NOT_SERVING)
	}
	if s.metrics != nil {
		s.metrics.InitializeMetrics(s.grpc)
	}
}

// SetServing reports the server and every registered service as SERVING.
// Call it once the service can answer, i.e. its store is open; it has no
// effect once Shutdown has begun.
func (s *Server) SetServing() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.serving = true
	s.setAll(healthpb.HealthCheckResponse_SERVING)
}

func (s *Server) setAll(st healthpb.HealthCheckResponse_ServingStatus) {
	for name := range s.grpc.GetServiceInfo() {
		s.health.SetServingStatus(name, st)
	}
	s.health.SetServingStatus("", st)
}

// Draining returns a channel that is closed when Shutdown begins. Handlers
// of long-lived streams select on it and return, or Shutdown waits for them
// until its timeout (see the package doc).
func (s *Server) Draining() <-chan struct{} { return s.drainCtx.Done() }

// Shutdown reports every service NOT_SERVING, closes Draining, stops
// accepting connections and waits for running calls to finish. When they
// have not finished after the shutdown timeout, or when ctx ends first, it
// closes every connection (cancelling the calls' contexts) and returns an
// error saying so. The server cannot be restarted.
func (s *Server) Shutdown(ctx context.Context) error {
	s.health.Shutdown()
	s.drain()
	ctx, cancel := context.WithTimeout(ctx, s.shutdownTimeout)
	defer cancel()
	stopped := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(stopped)
	}()
	select {
	case <-stopped:
		return nil
	case <-ctx.Done():
		s.grpc.Stop()
		<-stopped
		s.logger.WarnContext(ctx, "grpc graceful stop timed out; connections closed")
		return fmt.Errorf("grpc graceful stop: calls still running, connections closed: %w", ctx.Err())
	}
}
