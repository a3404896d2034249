package audit

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeAuditService is a stand-in for identity's AuditService that keeps
// what it is sent.
type fakeAuditService struct {
	identityv1.UnimplementedAuditServiceServer
	fail bool

	mu       sync.Mutex
	requests []*identityv1.AppendAuditEventsRequest
}

func (f *fakeAuditService) AppendAuditEvents(_ context.Context, req *identityv1.AppendAuditEventsRequest) (*identityv1.AppendAuditEventsResponse, error) {
	if f.fail {
		return nil, status.Error(codes.Unavailable, "identity is down")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, req)
	return &identityv1.AppendAuditEventsResponse{}, nil
}

func newClient(t *testing.T, svc *fakeAuditService) *Client {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	s := grpc.NewServer()
	identityv1.RegisterAuditServiceServer(s, svc)
	go func() { _ = s.Serve(lis) }()
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		s.Stop()
	})
	return NewClient(identityv1.NewAuditServiceClient(conn))
}

func TestClientRecord(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		event Event
		want  *identityv1.AuditEvent
	}{
		{
			name: "agency event",
			event: Event{Agency: "metro", Actor: "accounts/a1", Method: "/engage.identity.v1.AgencyService/CreateRoleBinding",
				Resource: "agencies/metro/roleBindings/7", Outcome: "OK", Time: at, CorrelationID: "req-1", Service: "identity"},
			want: &identityv1.AuditEvent{Actor: "accounts/a1", Method: "/engage.identity.v1.AgencyService/CreateRoleBinding",
				Resource: "agencies/metro/roleBindings/7", Outcome: "OK", EventTime: timestamppb.New(at), CorrelationId: "req-1", Service: "identity"},
		},
		{
			name: "details",
			event: Event{Agency: "metro", Actor: "accounts/a1", Method: "/engage.forum.v1.ThreadService/LockThread",
				Resource: "agencies/metro/forums/f/threads/t", Outcome: "OK", Time: at, Service: "forum", Details: map[string]string{"locked": "false"}},
			want: &identityv1.AuditEvent{Actor: "accounts/a1", Method: "/engage.forum.v1.ThreadService/LockThread",
				Resource: "agencies/metro/forums/f/threads/t", Outcome: "OK", EventTime: timestamppb.New(at), Service: "forum",
				Details: map[string]string{"locked": "false"}},
		},
		{
			name: "platform event",
			event: Event{Actor: "accounts/a2", Method: "/engage.identity.v1.AgencyService/CreateAgency",
				Outcome: "PERMISSION_DENIED", Time: at, Service: "identity"},
			want: &identityv1.AuditEvent{Actor: "accounts/a2", Method: "/engage.identity.v1.AgencyService/CreateAgency",
				Outcome: "PERMISSION_DENIED", EventTime: timestamppb.New(at), Service: "identity"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc := &fakeAuditService{}
			if err := newClient(t, svc).Record(context.Background(), tt.event); err != nil {
				t.Fatal(err)
			}
			want := []*identityv1.AppendAuditEventsRequest{{AuditEvents: []*identityv1.AuditEvent{tt.want}}}
			svc.mu.Lock()
			defer svc.mu.Unlock()
			if diff := cmp.Diff(want, svc.requests, protocmp.Transform()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClientRecordFails(t *testing.T) {
	t.Parallel()
	c := newClient(t, &fakeAuditService{fail: true})
	err := c.Record(context.Background(), Event{Actor: "accounts/a1", Method: "/m", Outcome: "OK", Time: time.Now(), Service: "forum"})
	if status.Code(err) != codes.Unavailable {
		t.Errorf("Record = %v, want the Unavailable error of the call", err)
	}
}

func TestCorrelationID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ctx  context.Context
		want string
	}{
		{name: "no metadata", ctx: context.Background(), want: ""},
		{name: "no request id", ctx: metadata.NewIncomingContext(context.Background(), metadata.Pairs("other", "x")), want: ""},
		{name: "request id", ctx: metadata.NewIncomingContext(context.Background(), metadata.Pairs("x-request-id", "abc-1")), want: "abc-1"},
		{name: "outgoing only", ctx: metadata.NewOutgoingContext(context.Background(), metadata.Pairs("x-request-id", "abc-1")), want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := CorrelationID(tt.ctx); got != tt.want {
				t.Errorf("CorrelationID = %q, want %q", got, tt.want)
			}
		})
	}
}
