package requestid

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// FreshFunc reports whether a full method name promises its callers
// anonymity: such a call gets a fresh id whatever the caller sent, since an
// id the caller chose could be one it uses to recognize itself, and it
// goes into the logs. A nil FreshFunc keeps every caller's valid id.
type FreshFunc func(fullMethod string) bool

// UnaryServerInterceptor assigns the call its request id (see package doc)
// and sends it back as the `x-request-id` response header.
func UnaryServerInterceptor(fresh FreshFunc) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, id := assign(ctx, fresh != nil && fresh(info.FullMethod))
		// SetHeader fails only once headers are sent, which cannot have
		// happened before the handler ran.
		_ = grpc.SetHeader(ctx, metadata.Pairs(MetadataKey, id))
		return handler(ctx, req)
	}
}

// StreamServerInterceptor is UnaryServerInterceptor for streams.
func StreamServerInterceptor(fresh FreshFunc) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, id := assign(ss.Context(), fresh != nil && fresh(info.FullMethod))
		_ = ss.SetHeader(metadata.Pairs(MetadataKey, id))
		return handler(srv, &serverStream{ServerStream: ss, ctx: ctx})
	}
}

// assign picks the call's id and stores it in the context and in a copy of
// the incoming metadata, replacing whatever the caller sent; fresh makes a
// new id even when the caller sent a valid one.
func assign(ctx context.Context, fresh bool) (context.Context, string) {
	// Exactly one valid value is accepted; several values are ambiguous.
	// The common case (the gateway always sends one) keeps the metadata as
	// it is instead of copying it.
	if vals := metadata.ValueFromIncomingContext(ctx, MetadataKey); !fresh && len(vals) == 1 && Valid(vals[0]) {
		return NewContext(ctx, vals[0]), vals[0]
	}
	id := New()
	md, _ := metadata.FromIncomingContext(ctx)
	md = md.Copy()
	md.Set(MetadataKey, id)
	ctx = metadata.NewIncomingContext(ctx, md)
	return NewContext(ctx, id), id
}

// UnaryClientInterceptor forwards the request id of ctx to the called
// service, unless the outgoing metadata already carries one.
func UnaryClientInterceptor() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return invoker(propagate(ctx), method, req, reply, cc, opts...)
	}
}

// StreamClientInterceptor is UnaryClientInterceptor for streams.
func StreamClientInterceptor() grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		return streamer(propagate(ctx), desc, cc, method, opts...)
	}
}

func propagate(ctx context.Context) context.Context {
	id := FromContext(ctx)
	if id == "" {
		return ctx
	}
	if md, ok := metadata.FromOutgoingContext(ctx); ok && len(md.Get(MetadataKey)) > 0 {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, MetadataKey, id)
}

// serverStream is a grpc.ServerStream with a replaced context.
type serverStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *serverStream) Context() context.Context { return s.ctx }
