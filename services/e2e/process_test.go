package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/engagehq/engage/services/internal/grpcserver"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// The process tests run the built `engage` binary as its operators do:
// separate processes, signals, a data directory that outlives them. The
// binary is built once per test run, without -race (the tests themselves
// run under it), on the first test that needs it.

// engageBinary returns the path of the built engage command. TestMain sets
// it: a test binary has no other place to share one build between tests.
var engageBinary func(t *testing.T) string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "engage-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	build := sync.OnceValues(func() (string, error) {
		bin := filepath.Join(dir, "engage")
		cmd := exec.Command("go", "build", "-o", bin, "github.com/engagehq/engage/services/cmd/engage")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("go build engage: %w\n%s", err, out)
		}
		return bin, nil
	})
	engageBinary = func(t *testing.T) string {
		t.Helper()
		bin, err := build()
		if err != nil {
			t.Fatal(err)
		}
		return bin
	}
	return m.Run()
}

// Bounds of the waits for a process; generous, because the machine may be
// busy with the other parallel tests. They bound failures, they do not
// measure anything.
const (
	startTimeout = 30 * time.Second
	exitTimeout  = 30 * time.Second
)

// engageProc is one running `engage` process.
type engageProc struct {
	t              *testing.T
	cmd            *exec.Cmd
	stdout, stderr *logBuffer
	exited         chan struct{}
	waitErr        error // Wait's result; read after exited is closed
	// httpURL (http://127.0.0.1:port) and grpcAddr are read from the
	// banner; empty when the process does not serve them.
	httpURL, grpcAddr string
}

var (
	bannerHTTP = regexp.MustCompile(`(?m)^  REST API +(http://\S+)/v1/`)
	bannerGRPC = regexp.MustCompile(`(?m)^  gRPC +(\S+) `)
)

// startEngage runs `engage args…` with env (ENGAGE_… settings; the test's
// own ENGAGE_ variables are not passed on), waits for the banner and for
// readiness, and kills the process when the test ends if it still runs.
func startEngage(t *testing.T, env []string, args ...string) *engageProc {
	t.Helper()
	p := launch(t, env, args...)
	if err := p.waitBanner(); err != nil {
		t.Fatal(err)
	}
	if err := p.waitReady(); err != nil {
		t.Fatal(err)
	}
	return p
}

// launch starts the process without waiting for anything.
func launch(t *testing.T, env []string, args ...string) *engageProc {
	t.Helper()
	cmd := exec.Command(engageBinary(t), args...)
	cmd.Env = childEnv(env)
	// Relative paths (the default ./data) land in the test's own directory.
	cmd.Dir = t.TempDir()
	p := &engageProc{t: t, cmd: cmd, stdout: &logBuffer{}, stderr: &logBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		if !p.done() {
			_ = cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("engage %s\nstdout:\n%s\nstderr (last 8 KiB):\n%s", strings.Join(args, " "), p.stdout, tail(p.stderr.String(), 8<<10))
		}
	})
	return p
}

// childEnv is the environment of a child: the test's, without any ENGAGE_
// setting, plus env.
func childEnv(env []string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ENGAGE_") {
			out = append(out, kv)
		}
	}
	return append(out, env...)
}

func (p *engageProc) done() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// waitBanner waits until the process prints its banner (it does once every
// listener is open) and reads the addresses from it.
func (p *engageProc) waitBanner() error {
	deadline := time.Now().Add(startTimeout)
	for !strings.Contains(p.stdout.String(), "Engage is running.") {
		if p.done() {
			return fmt.Errorf("engage exited before serving: %v\n%s", p.waitErr, tail(p.stderr.String(), 4<<10))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no banner within %s", startTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The banner is one write of a few hundred bytes: it is whole.
	out := p.stdout.String()
	if m := bannerHTTP.FindStringSubmatch(out); m != nil {
		p.httpURL = m[1]
	}
	if m := bannerGRPC.FindStringSubmatch(out); m != nil {
		p.grpcAddr = m[1]
	}
	if p.httpURL == "" && p.grpcAddr == "" {
		return fmt.Errorf("no address in the banner:\n%s", out)
	}
	return nil
}

// waitReady polls /readyz (when the process serves HTTP) or the gRPC
// health service until the process reports SERVING.
func (p *engageProc) waitReady() error {
	ctx, cancel := context.WithTimeout(p.t.Context(), startTimeout)
	defer cancel()
	var last error
	for {
		if p.httpURL != "" {
			last = httpOK(ctx, p.httpURL+"/readyz")
		} else {
			last = grpcServing(ctx, p.grpcAddr)
		}
		if last == nil {
			return nil
		}
		if p.done() {
			return fmt.Errorf("engage exited: %v", p.waitErr)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready within %s: %w", startTimeout, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func httpOK(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

func grpcServing(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := grpcserver.Dial(addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		return err
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return fmt.Errorf("health of %s: %s", addr, resp.GetStatus())
	}
	return nil
}

// kill ends the process with SIGKILL, as a power cut or the OOM killer
// would, and waits until it is gone.
func (p *engageProc) kill() {
	p.t.Helper()
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.t.Fatal(err)
	}
	<-p.exited
}

// stop sends sig and returns the exit code once the process is gone.
func (p *engageProc) stop(sig syscall.Signal) int {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
	return p.wait()
}

// wait returns the exit code of the process, failing the test if it does
// not exit within exitTimeout.
func (p *engageProc) wait() int {
	p.t.Helper()
	select {
	case <-p.exited:
	case <-time.After(exitTimeout):
		p.t.Fatalf("engage did not exit within %s", exitTimeout)
	}
	return p.cmd.ProcessState.ExitCode()
}

// rest returns a REST client of the process's gateway (the helpers of
// platform_test.go).
func (p *engageProc) rest() *platform {
	if p.httpURL == "" {
		p.t.Fatal("this process serves no REST API")
	}
	return &platform{t: p.t, base: p.httpURL}
}

// dial returns a gRPC client connection to the process, closed when the
// test ends.
func (p *engageProc) dial() *grpc.ClientConn {
	p.t.Helper()
	conn, err := grpcserver.Dial(p.grpcAddr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { conn.Close() })
	return conn
}

// runEngage runs a command that ends by itself (backup, probe, totp, a
// serve that must fail) and returns its output and exit code.
func runEngage(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), exitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, engageBinary(t), args...)
	cmd.Env = childEnv(env)
	cmd.Dir = t.TempDir()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("engage %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("engage %s did not end within %s", strings.Join(args, " "), exitTimeout)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

// serveArgs are the flags of an all-in-one `engage serve` on dir with
// loopback ports chosen by the kernel and the test administrator.
func serveArgs(dir string, extra ...string) []string {
	return append([]string{"serve",
		"--data-dir", dir,
		"--http-addr", "127.0.0.1:0",
		"--grpc-addr", "127.0.0.1:0",
		"--admin-email", adminEmail,
		"--admin-password", adminPassword,
	}, extra...)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
