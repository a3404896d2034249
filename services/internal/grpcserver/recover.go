package grpcserver

import (
	"context"
	"fmt"
	"runtime/debug"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// recoverInterceptorPanic handles a panic in the runtime's own
// interceptors, outside the error translation: it logs the panic with its stack and answers INTERNAL
// with a generic message. The stack never reaches the caller (the
// middleware's default handler would put it in the status message).
func (s *Server) recoverInterceptorPanic(ctx context.Context, p any) error {
	method, _ := grpc.Method(ctx)
	s.logger.ErrorContext(ctx, "panic in grpc interceptor",
		"method", method,
		"panic", fmt.Sprint(p),
		"stack", string(debug.Stack()))
	return status.Error(codes.Internal, "internal error")
}

// recoverHandlerPanic turns a panic of the handler or of the caller's
// interceptors into an error that maps to no domain error, so the
// translation logs it with the request id and the caller sees INTERNAL
// "internal error", while the access log and metrics still count the call.
func recoverHandlerPanic(_ context.Context, p any) error {
	return &panicError{value: p, stack: debug.Stack()}
}

// panicError carries a recovered panic. It deliberately unwraps to
// nothing: a panic with an error value wrapping errs.NotFound is still a
// bug, not a NOT_FOUND.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string {
	return fmt.Sprintf("panic: %v\n%s", e.value, e.stack)
}
