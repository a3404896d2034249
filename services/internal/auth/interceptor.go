package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	"github.com/engagehq/engage/services/internal/access"
	"github.com/engagehq/engage/services/internal/audit"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/logging"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

// Config holds what the interceptor needs. Verifier, APIKeys and
// ServiceSecret may each be left empty to refuse that kind of credential.
type Config struct {
	// Verifier checks bearer access tokens.
	Verifier *Verifier
	// APIKeys resolves partner API keys.
	APIKeys APIKeyResolver
	// ServiceSecret is the shared internal secret other services present
	// (at least 32 characters).
	ServiceSecret string
	// Audit receives the events of methods whose policy sets audit. nil
	// turns auditing off, which only tests may do: the composition root
	// always wires a recorder.
	Audit audit.Recorder
	// Service is the name of the service recording events, e.g. "forum".
	Service string
	// Logger receives authentication and audit failures (discarded when nil).
	Logger *slog.Logger
	// Limits are the rate limits; zero fields take the defaults.
	Limits Limits
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Limits are per-caller rate limits. Services are never limited.
type Limits struct {
	// Principal limits each signed-in account or partner, by name
	// (default 20 per second, bursts of 40).
	Principal RateLimit
	// Anonymous limits callers without credentials, by a keyed hash of the
	// connection's address (default 10 per second, bursts of 20). Calls
	// whose credentials fail count here too, which slows guessing.
	Anonymous RateLimit
	// MaxKeys bounds the buckets each limit keeps (default 10000).
	MaxKeys int
	// ProxyPeers are addresses of trusted front ends, i.e. the REST
	// gateway. Anonymous calls arriving from them are not limited here:
	// behind the gateway every client shares its address, and the gateway
	// limits anonymous clients by their own address.
	ProxyPeers []netip.Prefix
}

// Interceptor authenticates every call, enforces the policy its method
// declares in the contract, limits call rates, hides identifying metadata
// from anonymous methods and records audit events.
//
// It returns domain errors (wrapping errs sentinels); the server bootstrap
// translates them into gRPC status once, so it must sit inside the error
// translation interceptor.
type Interceptor struct {
	cfg        Config
	log        *slog.Logger
	now        func() time.Time
	addrKey    []byte
	principals *limiter
	anonymous  *limiter
}

// auditTimeout bounds recording one event after its call has finished.
const auditTimeout = 5 * time.Second

// NewInterceptor checks cfg and returns the interceptor.
func NewInterceptor(cfg Config) (*Interceptor, error) {
	if !validServiceName(cfg.Service) {
		return nil, fmt.Errorf("auth interceptor: service name %q must be 1-63 characters of [a-z0-9-]", cfg.Service)
	}
	if cfg.ServiceSecret != "" && len(cfg.ServiceSecret) < 32 {
		return nil, errors.New("auth interceptor: the service secret must be at least 32 characters")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	l := &cfg.Limits
	l.Principal = l.Principal.orDefault(RateLimit{Rate: 20, Burst: 40})
	l.Anonymous = l.Anonymous.orDefault(RateLimit{Rate: 10, Burst: 20})
	if l.MaxKeys <= 0 {
		l.MaxKeys = 10000
	}
	addrKey := make([]byte, 32)
	_, _ = rand.Read(addrKey) // crypto/rand.Read never fails (it aborts the program instead).
	return &Interceptor{
		cfg:        cfg,
		log:        log.With("component", "auth"),
		now:        now,
		addrKey:    addrKey,
		principals: newLimiter(l.Principal, l.MaxKeys),
		anonymous:  newLimiter(l.Anonymous, l.MaxKeys),
	}, nil
}

// call is what the interceptor learns about one call before its handler
// runs.
type call struct {
	method string
	policy *accessv1.Policy // nil when the method declares none
	p      Principal
}

// admit authenticates, rate-limits and looks up the policy; the caller
// then authorizes. Limiting before authorizing makes refused calls count
// too, so probing what one may call is as slow as calling it.
func (in *Interceptor) admit(ctx context.Context, method string) (c call, err error) {
	c.method = method
	p, err := in.authenticate(ctx, method)
	if err != nil {
		if terr := in.limitAnonymous(ctx); terr != nil {
			return c, terr
		}
		return c, err
	}
	c.p = p
	logging.SetPrincipal(ctx, p.Kind.String(), p.Name)
	if err := in.limit(ctx, p); err != nil {
		return c, err
	}
	policy, ok := access.Policy(method)
	if !ok {
		in.log.ErrorContext(ctx, "call to a method without access policy refused", "method", method)
		return c, errNoPolicy
	}
	c.policy = policy
	return c, nil
}

// Unary returns the unary server interceptor.
func (in *Interceptor) Unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if exempt(info.FullMethod) {
			return handler(ctx, req)
		}
		c, err := in.admit(ctx, info.FullMethod)
		if err != nil {
			return nil, err
		}
		msg, _ := req.(proto.Message)
		resource := access.Resource(msg)
		if err := authorize(c.policy, c.p, resource); err != nil {
			in.recordDenied(ctx, c, resource, auditDetails(c.policy, msg), err)
			return nil, err
		}
		ctx = NewContext(ctx, c.p)
		if c.policy.GetAnonymous() {
			ctx = stripIdentifying(ctx)
		}
		resp, err := handler(ctx, req)
		if c.policy.GetAudit() {
			in.record(ctx, c, auditResource(resource, resp), auditDetails(c.policy, msg), err)
		}
		return resp, err
	}
}

// Stream returns the stream server interceptor. AGENCY_ROLE methods are
// authorized on every received message, because only the messages name the
// agency: a server-streaming call is authorized on its one request before
// the handler can send anything.
func (in *Interceptor) Stream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if exempt(info.FullMethod) {
			return handler(srv, ss)
		}
		ctx := ss.Context()
		c, err := in.admit(ctx, info.FullMethod)
		if err != nil {
			return err
		}
		perMessage := c.policy.GetAudience() == accessv1.Audience_AUDIENCE_AGENCY_ROLE &&
			!(c.policy.GetSelf() && c.p.Kind == Account) &&
			!(c.policy.GetAllowServices() && c.p.Kind == Service)
		if !perMessage || c.p.IsAnonymous() || (c.p.Kind != Account && c.p.Kind != Partner) {
			// Decided without the request: every audience but AGENCY_ROLE,
			// and callers AGENCY_ROLE refuses whatever they ask for.
			if err := authorize(c.policy, c.p, ""); err != nil {
				in.recordDenied(ctx, c, "", nil, err)
				return err
			}
			perMessage = false
		}
		ctx = NewContext(ctx, c.p)
		if c.policy.GetAnonymous() {
			ctx = stripIdentifying(ctx)
		}
		ws := &stream{ServerStream: ss, ctx: ctx, perMessage: perMessage, policy: c.policy, p: c.p}
		err = handler(srv, ws)
		if denied, resource := ws.state(); denied != nil {
			in.recordDenied(ctx, c, resource, ws.auditDetails(), denied)
			return denied
		}
		if c.policy.GetAudit() {
			_, resource := ws.state()
			in.record(ctx, c, resource, ws.auditDetails(), err)
		}
		return err
	}
}

// limit applies the rate limit of p's kind.
func (in *Interceptor) limit(ctx context.Context, p Principal) error {
	switch p.Kind {
	case Service:
		return nil
	case Anonymous:
		return in.limitAnonymous(ctx)
	default:
		if wait, ok := in.principals.allow(p.Name, in.now()); !ok {
			return errs.Throttled(wait, "too many requests")
		}
		return nil
	}
}

func (in *Interceptor) limitAnonymous(ctx context.Context) error {
	key, ok := in.anonymousKey(ctx)
	if !ok {
		return nil
	}
	if wait, ok := in.anonymous.allow(key, in.now()); !ok {
		return errs.Throttled(wait, "too many requests")
	}
	return nil
}
