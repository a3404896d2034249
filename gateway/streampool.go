package gateway

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Defaults of the stream pool.
const (
	// DefaultStreamsPerConn is how many server streams one pooled
	// connection carries: below the services' limit of concurrent calls
	// per connection (grpcserver.DefaultMaxConcurrentStreams, 1,000), so
	// that a pooled connection never queues a call.
	DefaultStreamsPerConn = 500
	// DefaultMaxStreamConns bounds the pooled connections of one backend
	// address, and so its REST streams (64 × 500 = 32,000).
	DefaultMaxStreamConns = 64
)

// streamPool holds the connections that carry one backend address's
// server streams (alert streams, the feedback watch), apart from the
// connection that carries its unary calls. An HTTP/2 connection admits a
// bounded number of concurrent calls; were streams, which last for hours,
// to share it with unary calls, enough subscribers would make every other
// REST call wait. The pool opens connections as streams need them, each
// carrying at most perConn streams, and refuses a stream with UNAVAILABLE
// (503) once maxConns are full. When streams end, it keeps one connection
// without streams for the next and closes any other, so that a burst of
// subscribers leaves no connections behind.
type streamPool struct {
	dial     func() (*grpc.ClientConn, error)
	perConn  int
	maxConns int

	mu     sync.Mutex
	conns  []*pooledConn
	closed bool
}

// pooledConn is one of the pool's connections and how many streams it
// carries.
type pooledConn struct {
	cc      *grpc.ClientConn
	streams int
}

func newStreamPool(dial func() (*grpc.ClientConn, error), perConn, maxConns int) *streamPool {
	return &streamPool{dial: dial, perConn: perConn, maxConns: maxConns}
}

// acquire returns a connection with room for one more stream, and the
// function that gives the room back.
func (p *streamPool) acquire() (*grpc.ClientConn, func(), error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, nil, status.Error(codes.Unavailable, "the gateway is shutting down")
	}
	var pc *pooledConn
	for _, c := range p.conns {
		if c.streams < p.perConn {
			pc = c
			break
		}
	}
	if pc == nil {
		if len(p.conns) == p.maxConns {
			return nil, nil, status.Errorf(codes.Unavailable, "the gateway carries its most streams (%d); retry later", p.perConn*p.maxConns)
		}
		cc, err := p.dial()
		if err != nil {
			return nil, nil, status.Errorf(codes.Unavailable, "connect for a stream: %v", err)
		}
		pc = &pooledConn{cc: cc}
		p.conns = append(p.conns, pc)
	}
	pc.streams++
	var once sync.Once
	return pc.cc, func() { once.Do(func() { p.release(pc) }) }, nil
}

// release gives back pc's room for one stream. A connection left without
// streams is closed unless it is the pool's only such connection.
func (p *streamPool) release(pc *pooledConn) {
	p.mu.Lock()
	pc.streams--
	idle := pc.streams == 0 && slices.ContainsFunc(p.conns, func(c *pooledConn) bool {
		return c != pc && c.streams == 0
	})
	if idle {
		p.conns = slices.DeleteFunc(p.conns, func(c *pooledConn) bool { return c == pc })
	}
	p.mu.Unlock()
	if idle {
		// Closing waits for nothing: the connection carries no call.
		_ = pc.cc.Close()
	}
}

// close closes the pool's connections; streams still on them end.
func (p *streamPool) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	var first error
	for _, c := range p.conns {
		if err := c.cc.Close(); err != nil && first == nil {
			first = fmt.Errorf("close stream connection: %w", err)
		}
	}
	p.conns = nil
	return first
}

// newStream opens a stream on a pooled connection, giving its room back
// when ctx (which the handler cancels when the stream ends) is done.
func (p *streamPool) newStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	cc, release, err := p.acquire()
	if err != nil {
		return nil, err
	}
	s, err := cc.NewStream(ctx, desc, method, opts...)
	if err != nil {
		release()
		return nil, err
	}
	context.AfterFunc(ctx, release)
	return s, nil
}
