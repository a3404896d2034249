package gateway

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// TestStreamPoolKeepsUnaryCallsFlowing fills a backend that admits three
// concurrent calls per connection with streams, through a pool of
// connections carrying three streams each: unary calls on the backend's
// own connection still get through, and once the pool is full new
// streams are refused rather than queued, until one ends.
func TestStreamPoolKeepsUnaryCallsFlowing(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.MaxConcurrentStreams(3))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	dial := func() (*grpc.ClientConn, error) {
		return grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
	main, err := dial()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = main.Close() })
	pool := newStreamPool(dial, 3, 2)
	t.Cleanup(func() { _ = pool.close() })
	conn := &backendConn{cc: main, maxTimeout: 5 * time.Second, streams: pool}
	client := healthpb.NewHealthClient(conn)

	watch := func() (context.CancelFunc, error) {
		// The bound only keeps a regression from hanging the test.
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		s, err := client.Watch(ctx, &healthpb.HealthCheckRequest{})
		if err != nil {
			cancel()
			return nil, err
		}
		if _, err := s.Recv(); err != nil {
			cancel()
			return nil, err
		}
		return cancel, nil
	}
	var cancels []context.CancelFunc
	for i := range 6 {
		cancel, err := watch()
		if err != nil {
			t.Fatalf("stream %d: %v", i, err)
		}
		cancels = append(cancels, cancel)
	}
	// The server would queue a fourth call on a connection; the unary call
	// goes on the backend's own connection, which no stream holds.
	if _, err := client.Check(t.Context(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("unary call with the pool full of streams: %v", err)
	}
	if _, err := watch(); status.Code(err) != codes.Unavailable {
		t.Fatalf("a stream beyond the pool: %v, want UNAVAILABLE", err)
	}
	cancels[0]()
	// Room comes back once the ended stream's context is done.
	var again context.CancelFunc
	for range 100 {
		if again, err = watch(); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("a stream after one ended: %v", err)
	}
	pool.mu.Lock()
	n := len(pool.conns)
	pool.mu.Unlock()
	if n != 2 {
		t.Fatalf("the pool opened %d connections, want 2", n)
	}
	again()
	for _, c := range cancels[1:] {
		c()
	}
	// Once every stream has ended, one connection stays for the next.
	for range 100 {
		pool.mu.Lock()
		n = len(pool.conns)
		pool.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n != 1 {
		t.Fatalf("the pool keeps %d connections without streams, want 1", n)
	}
	cancel, err := watch()
	if err != nil {
		t.Fatalf("a stream on the connection kept: %v", err)
	}
	cancel()
}
