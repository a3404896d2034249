package auth

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/engagehq/engage/services/internal/audit"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/dynamicpb"
)

// watch opens a server stream of TestService and returns the names it
// received before the stream ended, and how it ended.
func watch(ctx context.Context, conn *grpc.ClientConn, method, name string) ([]string, error) {
	s, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, "/"+testServiceName+"/"+method)
	if err != nil {
		return nil, err
	}
	if err := s.SendMsg(newTestRequest(name)); err != nil {
		return nil, err
	}
	if err := s.CloseSend(); err != nil {
		return nil, err
	}
	var got []string
	for {
		resp := dynamicpb.NewMessage(testResponseDesc)
		if err := s.RecvMsg(resp); errors.Is(err, io.EOF) {
			return got, nil
		} else if err != nil {
			return got, err
		}
		got = append(got, messageName(resp))
	}
}

func TestStreamAuthorization(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		cred       cred
		method     string
		resource   string
		wantCode   codes.Code
		wantNames  []string
		wantEvents []audit.Event
	}{
		{
			name: "agency role on the agency", cred: bearer(metroModer), method: "Watch", resource: "agencies/metro",
			wantNames: []string{"agencies/metro", "agencies/metro"},
			wantEvents: []audit.Event{{Agency: "metro", Actor: "accounts/m3", Method: "/engage.authtest.v1.TestService/Watch",
				Resource: "agencies/metro", Outcome: "OK", Service: "authtest", Details: map[string]string{"name": "agencies/metro"}}},
		},
		{
			name: "agency role on another agency", cred: bearer(metroModer), method: "Watch", resource: "agencies/north",
			wantCode: codes.PermissionDenied,
			wantEvents: []audit.Event{{Agency: "north", Actor: "accounts/m3", Method: "/engage.authtest.v1.TestService/Watch",
				Resource: "agencies/north", Outcome: "PERMISSION_DENIED", Service: "authtest", Details: map[string]string{"name": "agencies/north"}}},
		},
		{name: "agency role, anonymous", cred: noCred, method: "Watch", resource: "agencies/metro", wantCode: codes.Unauthenticated},
		{name: "agency role, service", cred: service("forum", testSecret), method: "Watch", resource: "agencies/metro", wantCode: codes.PermissionDenied},
		{name: "account stream, anonymous", cred: noCred, method: "Feed", resource: "agencies/metro", wantCode: codes.Unauthenticated},
		{name: "account stream, resident", cred: bearer(resident), method: "Feed", resource: "x", wantNames: []string{"x", "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			got, err := watch(tt.cred(t, e, context.Background()), e.conn, tt.method, tt.resource)
			if code := status.Code(err); code != tt.wantCode {
				t.Fatalf("code = %v (%v), want %v", code, err, tt.wantCode)
			}
			if diff := cmp.Diff(tt.wantNames, got); diff != "" {
				t.Errorf("received (-want +got):\n%s", diff)
			}
			if tt.wantCode != codes.OK && e.test.sent() != 0 {
				t.Errorf("a refused stream's handler sent %d messages", e.test.sent())
			}
			if diff := cmp.Diff(at(tt.wantEvents, e.clock.Now()), e.recorder.take()); diff != "" {
				t.Errorf("audit events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBidiStreamAuthorizesEveryMessage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := bearer(metroModer)(t, e, context.Background())
	s, err := e.conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}, "/"+testServiceName+"/Chat")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SendMsg(newTestRequest("agencies/metro/threads/1")); err != nil {
		t.Fatal(err)
	}
	resp := dynamicpb.NewMessage(testResponseDesc)
	if err := s.RecvMsg(resp); err != nil {
		t.Fatalf("first message on the caller's agency: %v", err)
	}
	if got := messageName(resp); got != "agencies/metro/threads/1" {
		t.Errorf("echo = %q", got)
	}
	if err := s.SendMsg(newTestRequest("agencies/north/threads/1")); err != nil {
		t.Fatal(err)
	}
	err = s.RecvMsg(dynamicpb.NewMessage(testResponseDesc))
	if status.Code(err) != codes.PermissionDenied {
		t.Errorf("message on another agency: %v, want PermissionDenied", err)
	}
	if e.test.sent() != 1 {
		t.Errorf("handler sent %d messages, want 1", e.test.sent())
	}
}

// at returns a copy of events with their time set to t.
func at(events []audit.Event, t time.Time) []audit.Event {
	if events == nil {
		return nil
	}
	out := make([]audit.Event, len(events))
	for i, e := range events {
		e.Time = t
		out[i] = e
	}
	return out
}
