package grpcserver

import (
	"context"

	"google.golang.org/grpc"

	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/requestid"
)

// translateUnary turns the error of everything inside it (the caller's
// interceptors, validation, the handler) into the gRPC status the caller
// sees. It is the only place errs.ToStatus is called.
func (s *Server) translateUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	resp, err := handler(ctx, req)
	if err != nil {
		return nil, s.translate(ctx, info.FullMethod, err)
	}
	return resp, nil
}

// translateStream is translateUnary for streams.
func (s *Server) translateStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if err := handler(srv, ss); err != nil {
		return s.translate(ss.Context(), info.FullMethod, err)
	}
	return nil
}

// translate maps err to a status. An error that maps to no domain error is
// a bug or an outage: its detail goes to the log, tagged with the request
// id the caller also received, and the caller sees only "internal error".
func (s *Server) translate(ctx context.Context, method string, err error) error {
	st, internal := errs.ToStatus(err)
	if internal {
		s.logger.ErrorContext(ctx, "internal error",
			"method", method,
			"request_id", requestid.FromContext(ctx),
			"error", err.Error())
	}
	return st.Err()
}
