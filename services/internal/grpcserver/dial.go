package grpcserver

import (
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"

	"github.com/engagehq/engage/services/internal/requestid"
)

// Dial returns a client connection to an Engage gRPC server, for
// service-to-service and gateway-to-service calls. The connection is made
// lazily, on the first call (grpc.NewClient).
//
// Defaults, each overridden by a later option in opts: plaintext (pass
// grpc.WithTransportCredentials for TLS), keepalive pings every 30s, which
// the server's enforcement (at most one per 10s) accepts, message sizes of
// DefaultMaxMsgSize both ways, and forwarding of the request id in the
// caller's context. No per-call timeout is set here: the caller's context
// carries the deadline and the server caps it.
func Dial(target string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	defaults := []grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{
			Time:                clientKeepaliveTime,
			Timeout:             clientKeepaliveTimeout,
			PermitWithoutStream: true,
		}),
		grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(DefaultMaxMsgSize),
			grpc.MaxCallSendMsgSize(DefaultMaxMsgSize),
		),
		grpc.WithChainUnaryInterceptor(requestid.UnaryClientInterceptor()),
		grpc.WithChainStreamInterceptor(requestid.StreamClientInterceptor()),
	}
	cc, err := grpc.NewClient(target, append(defaults, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("grpc client for %q: %w", target, err)
	}
	return cc, nil
}
