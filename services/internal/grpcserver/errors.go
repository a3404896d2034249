package grpcserver

import (
	"context"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/engagehq/engage/services/internal/access"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/requestid"
)

// translateUnary turns the error of everything inside it (the caller's
// interceptors, validation, the handler) into the gRPC status the caller
// sees. It is the only place errs.ToStatus is called.
func (s *Server) translateUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	resp, err := handler(ctx, req)
	if err != nil {
		return nil, namedNotFound(s.translate(ctx, info.FullMethod, err), req)
	}
	return resp, nil
}

// namedNotFound says which resource was not found when the request is
// about one resource (access.Resource: its name, or the name of the
// resource an Update carries): what the caller asked about, in words that
// are the same whether it does not exist or may not be seen. A request
// that names only a parent, a create or a list, gets no name: what was not
// found may be something its body refers to, such as the course of an
// enrollment, and naming the parent would blame the wrong resource.
func namedNotFound(err error, req any) error {
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.NotFound || st.Message() != errs.NotFound.Error() {
		return err
	}
	msg, _ := req.(proto.Message)
	name := access.Resource(msg)
	if name == "" || name == parentOf(msg) {
		return err
	}
	p := st.Proto()
	p.Message = fmt.Sprintf("%s: %s", name, errs.NotFound)
	return status.FromProto(p).Err()
}

// parentOf returns the parent field of a request, or "".
func parentOf(msg proto.Message) string {
	m := msg.ProtoReflect()
	if f := m.Descriptor().Fields().ByName("parent"); f != nil && f.Kind() == protoreflect.StringKind && !f.IsList() {
		return m.Get(f).String()
	}
	return ""
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
