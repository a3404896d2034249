package grpcserver

import (
	"bytes"
	"context"
	"encoding/json"
	"google.golang.org/protobuf/proto"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/emptypb"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
)

// accounts is an AccountService whose CreateAccount runs the test's func.
type accounts struct {
	identityv1.UnimplementedAccountServiceServer
	create func(ctx context.Context, req *identityv1.CreateAccountRequest) (*identityv1.Account, error)
	get    func(ctx context.Context, req *identityv1.GetAccountRequest) (*identityv1.Account, error)
}

func (a *accounts) GetAccount(ctx context.Context, req *identityv1.GetAccountRequest) (*identityv1.Account, error) {
	if a.get == nil {
		return a.UnimplementedAccountServiceServer.GetAccount(ctx, req)
	}
	return a.get(ctx, req)
}

func (a *accounts) CreateAccount(ctx context.Context, req *identityv1.CreateAccountRequest) (*identityv1.Account, error) {
	if a.create == nil {
		return &identityv1.Account{Name: "accounts/a1", Email: req.GetAccount().GetEmail()}, nil
	}
	return a.create(ctx, req)
}

// validCreate is a CreateAccountRequest that passes validation.
func validCreate() *identityv1.CreateAccountRequest {
	return &identityv1.CreateAccountRequest{Account: &identityv1.Account{
		Email:       "resident@example.org",
		DisplayName: "Resident",
		Password:    proto.String("correct horse battery"),
	}}
}

// watcherServer is the handler type of the in-test streaming service; the
// identity contract has no streaming method.
type watcherServer interface {
	watch(grpc.ServerStream) error
}

type watchFunc func(grpc.ServerStream) error

func (f watchFunc) watch(ss grpc.ServerStream) error { return f(ss) }

const watchMethod = "/engage.grpcservertest.Watcher/Watch"

var watcherDesc = grpc.ServiceDesc{
	ServiceName: "engage.grpcservertest.Watcher",
	HandlerType: (*watcherServer)(nil),
	Streams: []grpc.StreamDesc{{
		StreamName:    "Watch",
		ServerStreams: true,
		Handler: func(srv any, ss grpc.ServerStream) error {
			if err := ss.RecvMsg(new(emptypb.Empty)); err != nil {
				return err
			}
			return srv.(watcherServer).watch(ss)
		},
	}},
}

// openWatch starts a Watch stream and returns it after sending its request.
func openWatch(t *testing.T, ctx context.Context, cc *grpc.ClientConn) grpc.ClientStream {
	t.Helper()
	cs, err := cc.NewStream(ctx, &watcherDesc.Streams[0], watchMethod)
	if err != nil {
		t.Fatalf("NewStream: %v", err)
	}
	if err := cs.SendMsg(&emptypb.Empty{}); err != nil {
		t.Fatalf("SendMsg: %v", err)
	}
	if err := cs.CloseSend(); err != nil {
		t.Fatalf("CloseSend: %v", err)
	}
	return cs
}

// logBuffer collects JSON log lines, safely for concurrent writers.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// records returns the decoded log lines whose msg is msg.
func (b *logBuffer) records(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if r["msg"] == msg {
			out = append(out, r)
		}
	}
	return out
}

// testServer is a running Server on bufconn with a client connection.
type testServer struct {
	srv  *Server
	cc   *grpc.ClientConn
	logs *logBuffer
	// shutdown stops the server (idempotent) and waits for Serve to return.
	shutdown func(ctx context.Context) error
}

type serverSetup struct {
	accounts *accounts
	watch    watchFunc
	opts     []Option
}

// start runs a Server with the given services and options; cleanup shuts
// it down and closes the client.
func start(t *testing.T, setup serverSetup) *testServer {
	t.Helper()
	logs := &logBuffer{}
	opts := append([]Option{WithLogger(slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))}, setup.opts...)
	srv, err := New(opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	acc := setup.accounts
	if acc == nil {
		acc = &accounts{}
	}
	identityv1.RegisterAccountServiceServer(srv.GRPC(), acc)
	if setup.watch != nil {
		srv.GRPC().RegisterService(&watcherDesc, setup.watch)
	}
	lis := bufconn.Listen(1 << 20)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	cc, err := Dial("passthrough:///bufnet", grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
		return lis.DialContext(ctx)
	}))
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	var once sync.Once
	var shutdownErr error
	stop := func(ctx context.Context) (ran bool) {
		once.Do(func() {
			ran = true
			shutdownErr = srv.Shutdown(ctx)
			if err := <-served; err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
		return ran
	}
	ts := &testServer{srv: srv, cc: cc, logs: logs}
	ts.shutdown = func(ctx context.Context) error {
		stop(ctx)
		return shutdownErr
	}
	t.Cleanup(func() {
		cc.Close()
		if stop(context.Background()) && shutdownErr != nil {
			t.Errorf("Shutdown: %v", shutdownErr)
		}
	})
	return ts
}

func (ts *testServer) accounts() identityv1.AccountServiceClient {
	return identityv1.NewAccountServiceClient(ts.cc)
}
