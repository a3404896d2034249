// Package logging writes the access log of a gRPC server: one line per call
// with the method, the status code, the duration, the request id, the peer
// address and the principal. It never logs metadata values, tokens or
// message bodies.
//
// Methods whose policy promises anonymity (engage.access.v1.Policy.anonymous)
// are logged without peer address and without principal, so that nothing in
// the log ties an anonymous submission to a person or a device.
//
// The principal is learned after the fact: the authentication interceptor
// runs inside this one, so it reports the caller with SetPrincipal on the
// context it was given, and the line is written when the call returns.
package logging

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"

	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/requestid"
)

// AnonymousFunc reports whether a full method name (e.g.
// "/engage.feedback.v1.FeedbackService/CreateFeedback") promises its callers
// anonymity. A nil AnonymousFunc treats no method as anonymous.
type AnonymousFunc func(fullMethod string) bool

// UnaryServerInterceptor logs every unary call on logger.
func UnaryServerInterceptor(logger *slog.Logger, anonymous AnonymousFunc) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		c := &call{}
		resp, err := handler(context.WithValue(ctx, callKey{}, c), req)
		write(ctx, logger, "grpc call", info.FullMethod, anonymous, c, start, err)
		return resp, err
	}
}

// StreamServerInterceptor logs every streaming call on logger when it ends.
func StreamServerInterceptor(logger *slog.Logger, anonymous AnonymousFunc) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		start := time.Now()
		c := &call{}
		ctx := ss.Context()
		err := handler(srv, &serverStream{ServerStream: ss, ctx: context.WithValue(ctx, callKey{}, c)})
		write(ctx, logger, "grpc stream", info.FullMethod, anonymous, c, start, err)
		return err
	}
}

func write(ctx context.Context, logger *slog.Logger, msg, method string, anonymous AnonymousFunc, c *call, start time.Time, err error) {
	code := errs.Code(err)
	attrs := make([]slog.Attr, 0, 7)
	attrs = append(attrs,
		slog.String("method", method),
		slog.String("code", code.String()),
		slog.Duration("duration", time.Since(start)),
		slog.String("request_id", requestid.FromContext(ctx)),
	)
	if anonymous == nil || !anonymous(method) {
		if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
			attrs = append(attrs, slog.String("peer", p.Addr.String()))
		}
		if kind, name := c.principal(); kind != "" {
			attrs = append(attrs, slog.String("principal_kind", kind), slog.String("principal", name))
		}
	}
	logger.LogAttrs(ctx, level(code), msg, attrs...)
}

// level is ERROR for codes that mean the server failed, INFO otherwise: a
// caller's mistake is not the operator's problem.
func level(code codes.Code) slog.Level {
	switch code {
	case codes.Internal, codes.Unknown, codes.DataLoss:
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}

type callKey struct{}

// call collects what inner interceptors learn about a call.
type call struct {
	mu   sync.Mutex
	kind string
	name string
}

func (c *call) principal() (kind, name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.kind, c.name
}

// SetPrincipal records the caller of the current call for its access-log
// line: kind such as "account", "partner" or "service", name its resource
// name. The authentication interceptor calls it once it knows the caller;
// without an access-log interceptor around ctx it does nothing.
func SetPrincipal(ctx context.Context, kind, name string) {
	c, ok := ctx.Value(callKey{}).(*call)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.kind, c.name = kind, name
}

// serverStream is a grpc.ServerStream with a replaced context.
type serverStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *serverStream) Context() context.Context { return s.ctx }
