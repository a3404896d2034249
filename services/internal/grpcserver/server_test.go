package grpcserver

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/errs"
)

const accountService = "engage.identity.v1.AccountService"

// healthOf asks check for the status of "" and of the account service.
func healthOf(t *testing.T, check func(context.Context, *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error)) map[string]healthpb.HealthCheckResponse_ServingStatus {
	t.Helper()
	got := map[string]healthpb.HealthCheckResponse_ServingStatus{}
	for _, svc := range []string{"", accountService} {
		resp, err := check(t.Context(), &healthpb.HealthCheckRequest{Service: svc})
		if err != nil {
			t.Fatalf("health check %q: %v", svc, err)
		}
		got[svc] = resp.GetStatus()
	}
	return got
}

func allStatus(st healthpb.HealthCheckResponse_ServingStatus) map[string]healthpb.HealthCheckResponse_ServingStatus {
	return map[string]healthpb.HealthCheckResponse_ServingStatus{"": st, accountService: st}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	ts := start(t, serverSetup{})
	client := healthpb.NewHealthClient(ts.cc)
	remote := func(ctx context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
		return client.Check(ctx, req)
	}

	if diff := cmp.Diff(allStatus(healthpb.HealthCheckResponse_NOT_SERVING), healthOf(t, remote)); diff != "" {
		t.Errorf("before SetServing (-want +got):\n%s", diff)
	}
	ts.srv.SetServing()
	if diff := cmp.Diff(allStatus(healthpb.HealthCheckResponse_SERVING), healthOf(t, remote)); diff != "" {
		t.Errorf("after SetServing (-want +got):\n%s", diff)
	}
	if err := ts.shutdown(t.Context()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	// The server no longer answers; ask its health service directly.
	ts.srv.SetServing()
	if diff := cmp.Diff(allStatus(healthpb.HealthCheckResponse_NOT_SERVING), healthOf(t, ts.srv.health.Check)); diff != "" {
		t.Errorf("after Shutdown and a late SetServing (-want +got):\n%s", diff)
	}
}

func TestHealthSetServingBeforeServe(t *testing.T) {
	t.Parallel()
	srv, err := New()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	identityv1.RegisterAccountServiceServer(srv.GRPC(), &accounts{})
	srv.SetServing()
	srv.prepareOnce.Do(srv.prepare) // what Serve does first
	if diff := cmp.Diff(allStatus(healthpb.HealthCheckResponse_SERVING), healthOf(t, srv.health.Check)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if err := srv.Shutdown(t.Context()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

func TestShutdownDrainsStream(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	sawDrain := make(chan struct{})
	var srv atomic.Pointer[Server]
	ts := start(t, serverSetup{watch: func(ss grpc.ServerStream) error {
		close(started)
		select {
		case <-srv.Load().Draining():
			close(sawDrain)
			return status.Error(codes.Unavailable, "server shutting down")
		case <-ss.Context().Done():
			return ss.Context().Err()
		}
	}})
	srv.Store(ts.srv)
	cs := openWatch(t, t.Context(), ts.cc)
	<-started

	if err := ts.shutdown(t.Context()); err != nil {
		t.Errorf("Shutdown = %v, want a graceful stop", err)
	}
	select {
	case <-sawDrain:
	default:
		t.Error("the stream handler did not see Draining close")
	}
	if err := cs.RecvMsg(new(emptypb.Empty)); status.Code(err) != codes.Unavailable {
		t.Errorf("stream ended with %v, want Unavailable", err)
	}
}

func TestShutdownForcesStubbornStream(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	ended := make(chan error, 1)
	ts := start(t, serverSetup{
		watch: func(ss grpc.ServerStream) error {
			close(started)
			<-ss.Context().Done() // ignores Draining
			ended <- ss.Context().Err()
			return ss.Context().Err()
		},
		opts: []Option{WithShutdownTimeout(50 * time.Millisecond)},
	})
	openWatch(t, t.Context(), ts.cc)
	<-started

	err := ts.shutdown(t.Context())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want the forced stop's DeadlineExceeded", err)
	}
	if err := <-ended; err == nil {
		t.Error("the stream handler's context was not cancelled")
	}
}

func TestShutdownEndsHealthWatch(t *testing.T) {
	t.Parallel()
	// A timeout no test run reaches: Shutdown must not need it.
	ts := start(t, serverSetup{opts: []Option{WithShutdownTimeout(30 * time.Second)}})
	w, err := healthpb.NewHealthClient(ts.cc).Watch(t.Context(), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	if _, err := w.Recv(); err != nil {
		t.Fatalf("Watch Recv: %v", err)
	}
	if err := ts.shutdown(t.Context()); err != nil {
		t.Errorf("Shutdown = %v, want a graceful stop", err)
	}
	for {
		resp, err := w.Recv()
		if err != nil {
			break // the watch ended
		}
		if resp.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
			t.Errorf("watch status after shutdown = %v, want NOT_SERVING", resp.GetStatus())
		}
	}
}

func TestShutdownIsBoundedByContext(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	ts := start(t, serverSetup{watch: func(ss grpc.ServerStream) error {
		close(started)
		<-ss.Context().Done()
		return ss.Context().Err()
	}})
	openWatch(t, t.Context(), ts.cc)
	<-started
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := ts.shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown = %v, want the context's Canceled", err)
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	ts := start(t, serverSetup{
		accounts: &accounts{create: func(context.Context, *identityv1.CreateAccountRequest) (*identityv1.Account, error) {
			return nil, errs.NotFound
		}},
		opts: []Option{WithRegisterer(reg)},
	})
	for range 2 {
		if _, err := ts.accounts().CreateAccount(t.Context(), validCreate()); status.Code(err) != codes.NotFound {
			t.Fatalf("CreateAccount: %v, want NotFound", err)
		}
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	handled := map[string]float64{} // grpc_code -> count, for CreateAccount
	var histogram bool
	for _, f := range families {
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["grpc_method"] != "CreateAccount" {
				continue
			}
			switch f.GetName() {
			case "grpc_server_handled_total":
				if v := m.GetCounter().GetValue(); v > 0 {
					handled[labels["grpc_code"]] = v
				}
			case "grpc_server_handling_seconds":
				histogram = m.GetHistogram().GetSampleCount() == 2
			}
		}
	}
	// The code the caller got, not UNKNOWN for an untranslated error.
	if diff := cmp.Diff(map[string]float64{"NotFound": 2}, handled); diff != "" {
		t.Errorf("grpc_server_handled_total (-want +got):\n%s", diff)
	}
	if !histogram {
		t.Error("grpc_server_handling_seconds did not count the two calls")
	}
}

func TestSharedRegisterer(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	for i := range 2 {
		srv, err := New(WithRegisterer(reg))
		if err != nil {
			t.Fatalf("New #%d: %v", i, err)
		}
		if err := srv.Shutdown(t.Context()); err != nil {
			t.Fatalf("Shutdown #%d: %v", i, err)
		}
	}
}

func TestMaxRecvMsgSize(t *testing.T) {
	t.Parallel()
	ts := start(t, serverSetup{opts: []Option{WithMaxRecvMsgSize(1024)}})
	req := validCreate()
	req.Account.DisplayName = strings.Repeat("x", 2048)
	_, err := ts.accounts().CreateAccount(t.Context(), req)
	if status.Code(err) != codes.ResourceExhausted {
		t.Errorf("oversized request: %v, want ResourceExhausted", err)
	}
}

func TestReflection(t *testing.T) {
	t.Parallel()
	ts := start(t, serverSetup{})
	stream, err := reflectionpb.NewServerReflectionClient(ts.cc).ServerReflectionInfo(t.Context())
	if err != nil {
		t.Fatalf("ServerReflectionInfo: %v", err)
	}
	req := &reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}
	if err := stream.Send(req); err != nil {
		t.Fatalf("Send: %v", err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatalf("Recv: %v", err)
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatalf("CloseSend: %v", err)
	}
	var found bool
	for _, svc := range resp.GetListServicesResponse().GetService() {
		found = found || svc.GetName() == accountService
	}
	if !found {
		t.Errorf("reflection lists %v, want %s among them", resp.GetListServicesResponse().GetService(), accountService)
	}
}
