package grpcserver

import (
	"context"

	"buf.build/go/protovalidate"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/engagehq/engage/services/internal/access"
	"github.com/engagehq/engage/services/internal/logging"
	"github.com/engagehq/engage/services/internal/requestid"
)

// chain returns the unary and stream interceptors in the order the package
// doc describes.
func (s *Server) chain(cfg config, v protovalidate.Validator) ([]grpc.UnaryServerInterceptor, []grpc.StreamServerInterceptor) {
	outer := recovery.WithRecoveryHandlerContext(s.recoverInterceptorPanic)
	inner := recovery.WithRecoveryHandlerContext(recoverHandlerPanic)
	anonymous := anonymousMethods()
	validateUnary, validateStream := validation(v)

	unary := []grpc.UnaryServerInterceptor{
		recovery.UnaryServerInterceptor(outer),
		capDeadline(cfg.maxCallDuration),
		requestid.UnaryServerInterceptor(requestid.FreshFunc(anonymous)),
		logging.UnaryServerInterceptor(s.logger, anonymous),
	}
	stream := []grpc.StreamServerInterceptor{
		recovery.StreamServerInterceptor(outer),
		s.endHealthWatchOnDrain,
		requestid.StreamServerInterceptor(requestid.FreshFunc(anonymous)),
		logging.StreamServerInterceptor(s.logger, anonymous),
	}
	if s.metrics != nil {
		unary = append(unary, s.metrics.UnaryServerInterceptor())
		stream = append(stream, s.metrics.StreamServerInterceptor())
	}
	unary = append(unary, s.translateUnary, recovery.UnaryServerInterceptor(inner))
	stream = append(stream, s.translateStream, recovery.StreamServerInterceptor(inner))
	unary = append(unary, cfg.unary...)
	stream = append(stream, cfg.stream...)
	unary = append(unary, validateUnary)
	stream = append(stream, validateStream)
	return unary, stream
}

// anonymousMethods reports whether a method's declared policy promises
// anonymity (access.Policy remembers its answers).
func anonymousMethods() logging.AnonymousFunc {
	return func(fullMethod string) bool {
		p, _ := access.Policy(fullMethod)
		return p.GetAnonymous()
	}
}

// endHealthWatchOnDrain ends health Watch streams when Shutdown begins.
// They never end by themselves and cannot select on Draining, so without
// this a single watching client would hold every shutdown until its
// timeout. The watcher gets CANCELLED, possibly without the final
// NOT_SERVING, as its connection goes away.
func (s *Server) endHealthWatchOnDrain(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if info.FullMethod != healthpb.Health_Watch_FullMethodName {
		return handler(srv, ss)
	}
	ctx, cancel := context.WithCancel(ss.Context())
	defer cancel()
	stop := context.AfterFunc(s.drainCtx, cancel)
	defer stop()
	return handler(srv, &serverStream{ServerStream: ss, ctx: ctx})
}

// serverStream is a grpc.ServerStream with a replaced context.
type serverStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *serverStream) Context() context.Context { return s.ctx }
