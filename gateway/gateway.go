package gateway

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultMaxBodyBytes = 1 << 20
	DefaultMaxTimeout   = 30 * time.Second
	DefaultReadyTimeout = 2 * time.Second
	DefaultSSEKeepAlive = 15 * time.Second
)

// Config is everything New needs. The zero value of every field but the
// backends is usable.
type Config struct {
	// Identity is the connection to the identity service. The caller dials
	// it: in the all-in-one process it is the loopback connection every
	// service shares, in split mode the identity container's address. Nil
	// leaves the identity routes unserved.
	Identity *grpc.ClientConn

	// Forum is the connection to the forum service (nil: not served).
	Forum *grpc.ClientConn

	// Feedback is the connection to the feedback service (nil: not
	// served).
	Feedback *grpc.ClientConn

	// Training is the connection to the training service (nil: not
	// served).
	Training *grpc.ClientConn

	// Alerts is the connection to the alerts service (nil: not served).
	Alerts *grpc.ClientConn

	// Backends adds backends that have no field above (tests, services
	// still being built). Their names must be unique and not "gateway".
	Backends []Backend

	// MaxBodyBytes caps request bodies; larger ones get 413. Default 1 MiB.
	MaxBodyBytes int64

	// MaxTimeout caps the deadline a client may ask for with Grpc-Timeout
	// and is the deadline of a unary call whose client asks for none.
	// Server streams are exempt: they last until the client leaves or Drain
	// ends them. Default 30s.
	MaxTimeout time.Duration

	// CORSOrigins are the browser origins (scheme://host[:port]) allowed to
	// call the API; "*" allows any. Empty sends no CORS headers at all.
	CORSOrigins []string

	// Logger receives the access log and errors. Default: discard.
	Logger *slog.Logger

	// Registry is where the gateway registers its metrics and what /metrics
	// serves. Default: a registry of the gateway's own.
	Registry *prometheus.Registry

	// AnonymousLimit limits requests that carry no credentials, per client
	// address.
	AnonymousLimit RateLimit

	// ReadyCheck, when set, is asked by /readyz besides every backend's gRPC
	// health; an error makes the gateway not ready (for example while it
	// drains before shutdown).
	ReadyCheck func(context.Context) error

	// ReadyTimeout bounds the health checks of one /readyz. Default 2s.
	ReadyTimeout time.Duration

	// Drain, when done, ends every open server stream (the client sees the
	// stream end and reconnects, elsewhere, with its last cursor) while
	// unary calls run to completion. Nil never drains.
	Drain context.Context

	// SSEKeepAlive is how often an idle Server-Sent Events stream gets a
	// comment line, so that proxies do not time it out. Default 15s.
	SSEKeepAlive time.Duration

	// StreamDial, when set, opens connections to a backend's target (its
	// connection's Target) for its server streams, DefaultStreamsPerConn
	// streams to a connection and at most DefaultMaxStreamConns
	// connections per target: streams that last for hours then never make
	// the backend's unary calls wait for room on a shared connection. The
	// pooled connections close when Drain is done. Nil sends streams over
	// the backend's own connection.
	StreamDial func(target string) (*grpc.ClientConn, error)
}

// gateway holds what the handlers share.
type gateway struct {
	cfg      Config
	log      *slog.Logger
	metrics  *metrics
	limiter  *limiter
	backends []Backend
}

// New returns the HTTP handler of the REST API and its operational
// endpoints (/healthz, /readyz, /metrics, /openapi.json, /docs). ctx is
// handed to the generated registration functions and may be cancelled once
// New returns.
func New(ctx context.Context, cfg Config) (http.Handler, error) {
	cfg = withDefaults(cfg)
	backends, err := cfg.backends()
	if err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("rate limit key: %w", err)
	}
	g := &gateway{
		cfg:      cfg,
		log:      cfg.Logger,
		limiter:  newLimiter(cfg.AnonymousLimit, key, time.Now),
		backends: backends,
	}

	api := runtime.NewServeMux(g.muxOptions()...)
	pools := map[string]*streamPool{}
	for _, b := range backends {
		conn := &backendConn{cc: b.Conn, maxTimeout: cfg.MaxTimeout, drain: cfg.Drain}
		if cc, ok := b.Conn.(*grpc.ClientConn); ok && cfg.StreamDial != nil {
			target := cc.Target()
			if pools[target] == nil {
				pools[target] = newStreamPool(func() (*grpc.ClientConn, error) { return cfg.StreamDial(target) }, DefaultStreamsPerConn, DefaultMaxStreamConns)
				if cfg.Drain != nil {
					pool := pools[target]
					context.AfterFunc(cfg.Drain, func() { _ = pool.close() })
				}
			}
			conn.streams = pools[target]
		}
		if err := b.Register(ctx, api, conn); err != nil {
			return nil, fmt.Errorf("register backend %s: %w", b.Name, err)
		}
	}

	docs, err := newDocs()
	if err != nil {
		return nil, err
	}
	// Registered last: a New that fails leaves the registry as it was.
	if g.metrics, err = newMetrics(cfg.Registry); err != nil {
		return nil, err
	}

	root := http.NewServeMux()
	root.Handle("GET /healthz", routed("/healthz", http.HandlerFunc(healthz)))
	root.Handle("GET /readyz", routed("/readyz", http.HandlerFunc(g.readyz)))
	root.Handle("GET /metrics", routed("/metrics", g.metricsHandler()))
	root.Handle("GET /openapi.json", routed("/openapi.json", openAPIHandler()))
	root.Handle("GET /docs", routed("/docs", docs))
	root.Handle("GET /docs/", routed("/docs/", docs))
	root.Handle("/", g.apiHandler(api))

	var h http.Handler = root
	h = cors(cfg.CORSOrigins, g, h)
	h = securityHeaders(h)
	h = g.recoverPanics(h)
	h = g.instrument(h)
	return h, nil
}

// apiHandler is the chain in front of the grpc-gateway mux: internal
// credentials refused, rate limit, body limit, Server-Sent Events for
// clients that ask for them, and one error shape for unary calls and
// streams.
func (g *gateway) apiHandler(api *runtime.ServeMux) http.Handler {
	var h http.Handler = api
	h = streamFailuresAsUnary(h)
	h = serverSentEvents(h, newTicker(g.cfg.SSEKeepAlive))
	h = g.limitBody(h)
	h = g.rateLimit(h)
	h = g.rejectServiceCredentials(h)
	return h
}

func withDefaults(cfg Config) Config {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxTimeout <= 0 {
		cfg.MaxTimeout = DefaultMaxTimeout
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = DefaultReadyTimeout
	}
	if cfg.SSEKeepAlive <= 0 {
		cfg.SSEKeepAlive = DefaultSSEKeepAlive
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Registry == nil {
		cfg.Registry = newRegistry()
	}
	cfg.AnonymousLimit = cfg.AnonymousLimit.withDefaults()
	return cfg
}
