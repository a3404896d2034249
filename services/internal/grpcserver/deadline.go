package grpcserver

import (
	"context"
	"time"

	"google.golang.org/grpc"
)

// capDeadline gives every unary call the deadline min(client deadline,
// max), so that a client sending none cannot keep a handler, its store
// transaction or its downstream calls running forever. Streams are not
// capped: a subscription is meant to last; MaxConcurrentStreams and Draining
// bound them instead.
func capDeadline(max time.Duration) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		// WithTimeout keeps the parent's deadline when it is earlier.
		ctx, cancel := context.WithTimeout(ctx, max)
		defer cancel()
		return handler(ctx, req)
	}
}
