package e2e

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// TestGracefulShutdown: SIGTERM or SIGINT stops the process with exit code
// 0 within the shutdown timeout, even with a health watcher and a client
// that never finishes its request holding connections open, and removes
// the admin socket.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	const shutdownTimeout = 3 * time.Second
	// What a process needs beyond the timeout to exit on a busy machine; a
	// shutdown that waited for the idle clients would take far longer
	// (ReadHeaderTimeout, or forever for the watcher).
	const slack = 4 * time.Second
	tests := []struct {
		name   string
		signal syscall.Signal
	}{
		{"SIGTERM", syscall.SIGTERM},
		{"SIGINT", syscall.SIGINT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			srv := startEngage(t, nil, serveArgs(dir, "--shutdown-timeout", shutdownTimeout.String())...)
			sock := filepath.Join(dir, "run", "all.sock")
			if _, err := os.Stat(sock); err != nil {
				t.Fatalf("no admin socket while serving: %v", err)
			}

			watch, err := healthpb.NewHealthClient(srv.dial()).Watch(t.Context(), &healthpb.HealthCheckRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if first, err := watch.Recv(); err != nil || first.GetStatus() != healthpb.HealthCheckResponse_SERVING {
				t.Fatalf("first health update = %v, %v; want SERVING", first, err)
			}
			// A client that connects and never finishes its first request:
			// the REST server waits for it (a connection that has not sent
			// a whole request counts as new, not idle, for 5 s) until the
			// shutdown timeout closes it.
			slow, err := net.Dial("tcp", strings.TrimPrefix(srv.httpURL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { slow.Close() })
			if _, err := slow.Write([]byte("GET /v1/agencies HTTP/1.1\r\nHost: engage\r\n")); err != nil {
				t.Fatal(err)
			}
			// Let the server accept it: a connection still in the listen
			// queue is simply dropped. (Too short a pause on a busy machine
			// only makes this case easier.)
			time.Sleep(200 * time.Millisecond)

			start := time.Now()
			code := srv.stop(tt.signal)
			elapsed := time.Since(start)
			if code != 0 {
				t.Errorf("exit code %d, want 0", code)
			}
			t.Logf("exited %s after the signal", elapsed.Round(time.Millisecond))
			if elapsed > shutdownTimeout+slack {
				t.Errorf("exit took %s with a shutdown timeout of %s", elapsed, shutdownTimeout)
			}
			if _, err := os.Stat(sock); !os.IsNotExist(err) {
				t.Errorf("the admin socket is still there after the exit (%v)", err)
			}
			if !strings.Contains(srv.stderr.String(), "shutting down") {
				t.Errorf("no shutdown in the logs:\n%s", tail(srv.stderr.String(), 2<<10))
			}
			// The watcher's stream ended with the process (possibly after a
			// last NOT_SERVING); it does not hang.
			ctx, cancel := context.WithTimeout(t.Context(), exitTimeout)
			defer cancel()
			ended := make(chan error, 1)
			go func() {
				for {
					u, err := watch.Recv()
					if err != nil {
						ended <- err
						return
					}
					if u.GetStatus() == healthpb.HealthCheckResponse_SERVING {
						ended <- nil
						return
					}
				}
			}()
			select {
			case err := <-ended:
				if err == nil {
					t.Error("the watcher saw SERVING again during shutdown")
				}
			case <-ctx.Done():
				t.Error("the health watch stream did not end with the process")
			}
		})
	}
}
