package gateway

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// backendConn is the connection the generated handlers call through. It is
// the last word on what leaves the gateway: whatever grpc-gateway put into
// the outgoing metadata (it always adds x-forwarded-for with the client
// address and x-forwarded-host), only the allow-listed keys go on. It also
// caps the deadline of unary calls; streams keep the client's deadline, if
// any, and end when the gateway drains.
type backendConn struct {
	cc         grpc.ClientConnInterface
	maxTimeout time.Duration
	drain      context.Context
	// streams, when not nil, carries the server streams instead of cc.
	streams *streamPool
}

// Invoke implements grpc.ClientConnInterface.
func (c *backendConn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	ctx, err := c.prepare(ctx, method)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.maxTimeout)
	defer cancel()
	return c.cc.Invoke(ctx, method, args, reply, opts...)
}

// NewStream implements grpc.ClientConnInterface.
func (c *backendConn) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	ctx, err := c.prepare(ctx, method)
	if err != nil {
		return nil, err
	}
	if c.drain != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		stopDrain := context.AfterFunc(c.drain, cancel)
		// The handler cancels ctx when it returns; forget the drain then so
		// that finished streams leave nothing registered on it.
		context.AfterFunc(ctx, func() { stopDrain() })
	}
	if c.streams != nil && desc.ServerStreams && !desc.ClientStreams {
		return c.streams.newStream(ctx, desc, method, opts...)
	}
	return c.cc.NewStream(ctx, desc, method, opts...)
}

// prepare records the call in the request state and filters the metadata.
// It refuses a query string grpc-gateway would have ignored (checkQuery)
// before anything leaves for the backend.
func (c *backendConn) prepare(ctx context.Context, method string) (context.Context, error) {
	if s := stateFrom(ctx); s != nil {
		s.rpc = method
		if err := checkQuery(s.query, method); err != nil {
			return nil, err
		}
		s.backend = true
	}
	md, _ := metadata.FromOutgoingContext(ctx)
	out := metadata.MD{}
	for k, v := range md {
		if forwardedMetadata(k) {
			out[k] = v
		}
	}
	return metadata.NewOutgoingContext(ctx, out), nil
}
