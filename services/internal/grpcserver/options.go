package grpcserver

import (
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// Defaults of the options below.
const (
	// DefaultMaxCallDuration caps the deadline of every unary call.
	DefaultMaxCallDuration = 30 * time.Second
	// DefaultMaxMsgSize is the largest message received or sent, on the
	// server and in Dial. It is gRPC's own receive default, made explicit
	// and applied to sending too so that both ends agree.
	DefaultMaxMsgSize = 4 << 20
	// DefaultMaxConcurrentStreams bounds the calls (and so the streams) one
	// connection may have open at once.
	DefaultMaxConcurrentStreams = 1000
	// DefaultShutdownTimeout bounds GracefulStop before Stop is forced.
	DefaultShutdownTimeout = 10 * time.Second
	// DefaultConnectionTimeout bounds the handshake (TLS and HTTP/2
	// settings) of a new connection.
	DefaultConnectionTimeout = 20 * time.Second
)

// Keepalive settings. The server refuses client pings more frequent than
// keepaliveMinTime; Dial pings less often than that.
const (
	keepaliveMinTime           = 10 * time.Second
	keepaliveTime              = 2 * time.Minute
	keepaliveTimeout           = 20 * time.Second
	keepaliveMaxConnectionIdle = 15 * time.Minute
	clientKeepaliveTime        = 30 * time.Second
	clientKeepaliveTimeout     = 10 * time.Second
)

// streamWorkers serve calls on long-lived goroutines; beyond them grpc
// starts a goroutine per call as usual.
const streamWorkers = 64

// config is what the options set; New fills in the defaults.
type config struct {
	logger               *slog.Logger
	registerer           prometheus.Registerer
	creds                credentials.TransportCredentials
	unary                []grpc.UnaryServerInterceptor
	stream               []grpc.StreamServerInterceptor
	serverOptions        []grpc.ServerOption
	maxCallDuration      time.Duration
	maxRecvMsgSize       int
	maxSendMsgSize       int
	maxConcurrentStreams uint32
	shutdownTimeout      time.Duration
	connectionTimeout    time.Duration
}

func defaults() config {
	return config{
		logger:               slog.New(slog.DiscardHandler),
		maxCallDuration:      DefaultMaxCallDuration,
		maxRecvMsgSize:       DefaultMaxMsgSize,
		maxSendMsgSize:       DefaultMaxMsgSize,
		maxConcurrentStreams: DefaultMaxConcurrentStreams,
		shutdownTimeout:      DefaultShutdownTimeout,
		connectionTimeout:    DefaultConnectionTimeout,
	}
}

// Option configures New.
type Option func(*config)

// WithLogger sets the logger of the access log, of internal errors and of
// panics. Without it nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithRegisterer registers the server's Prometheus metrics on r. Without it
// no metrics are collected: there is deliberately no fallback to the global
// default registry.
func WithRegisterer(r prometheus.Registerer) Option {
	return func(c *config) { c.registerer = r }
}

// WithTLS serves over TLS (or any other transport security) instead of
// plaintext.
func WithTLS(creds credentials.TransportCredentials) Option {
	return func(c *config) { c.creds = creds }
}

// WithUnaryInterceptors adds interceptors, in the order given, after the
// request id, logging, metrics and error translation and before request
// validation. Authentication goes here: it sees the request id, its errors
// are translated and logged, and it runs before any handler code.
func WithUnaryInterceptors(i ...grpc.UnaryServerInterceptor) Option {
	return func(c *config) { c.unary = append(c.unary, i...) }
}

// WithStreamInterceptors is WithUnaryInterceptors for streaming calls.
func WithStreamInterceptors(i ...grpc.StreamServerInterceptor) Option {
	return func(c *config) { c.stream = append(c.stream, i...) }
}

// WithServerOptions passes further options to grpc.NewServer, e.g. a
// tracing stats handler. They are applied after the ones New sets, so they
// can override a limit, but interceptors must be given with
// WithUnaryInterceptors and WithStreamInterceptors to keep the chain order.
func WithServerOptions(o ...grpc.ServerOption) Option {
	return func(c *config) { c.serverOptions = append(c.serverOptions, o...) }
}

// WithMaxCallDuration caps the deadline of every unary call at d (default
// DefaultMaxCallDuration): a call gets min(client deadline, d), so a client
// that sends none or a generous one cannot hold a handler forever.
func WithMaxCallDuration(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.maxCallDuration = d
		}
	}
}

// WithMaxRecvMsgSize sets the largest request message, in bytes.
func WithMaxRecvMsgSize(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxRecvMsgSize = n
		}
	}
}

// WithMaxSendMsgSize sets the largest response message, in bytes.
func WithMaxSendMsgSize(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxSendMsgSize = n
		}
	}
}

// WithMaxConcurrentStreams sets how many calls one connection may have in
// flight; long-lived streams count against it.
func WithMaxConcurrentStreams(n uint32) Option {
	return func(c *config) {
		if n > 0 {
			c.maxConcurrentStreams = n
		}
	}
}

// WithShutdownTimeout bounds how long Shutdown waits for calls to finish
// before it closes every connection.
func WithShutdownTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.shutdownTimeout = d
		}
	}
}

// WithConnectionTimeout bounds the handshake of a new connection.
func WithConnectionTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.connectionTimeout = d
		}
	}
}
