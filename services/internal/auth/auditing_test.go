package auth

import (
	"context"
	"errors"
	"strings"
	"testing"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/audit"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

func TestAuditEvents(t *testing.T) {
	t.Parallel()
	const (
		createBinding = "/engage.identity.v1.AgencyService/CreateRoleBinding"
		createAgency  = "/engage.identity.v1.AgencyService/CreateAgency"
		listAccounts  = "/engage.identity.v1.AccountService/ListAccounts"
	)
	binding := func(parent string) func(ctx context.Context, e *env) error {
		return func(ctx context.Context, e *env) error {
			_, err := e.agencies().CreateRoleBinding(ctx, &identityv1.CreateRoleBindingRequest{Parent: parent, RoleBinding: &identityv1.RoleBinding{Member: "accounts/x", Role: accessv1.Role_ROLE_MODERATOR}})
			return err
		}
	}
	// CreateRoleBinding's policy lists both fields in audit_fields: the
	// event says which role went to whom, whether or not the call worked.
	granted := map[string]string{"role_binding.role": "ROLE_MODERATOR", "role_binding.member": "accounts/x"}
	agency := func(ctx context.Context, e *env) error {
		_, err := e.agencies().CreateAgency(ctx, &identityv1.CreateAgencyRequest{AgencyId: "new"})
		return err
	}
	accounts := func(ctx context.Context, e *env) error {
		_, err := e.accounts().ListAccounts(ctx, &identityv1.ListAccountsRequest{})
		return err
	}
	notAudited := func(ctx context.Context, e *env) error {
		_, err := e.agencies().GetAgency(ctx, &identityv1.GetAgencyRequest{Name: "agencies/metro"})
		return err
	}
	submit := func(ctx context.Context, e *env) error {
		_, err := invoke(ctx, e.conn, "Submit", "agencies/metro/feedback/1")
		return err
	}
	tests := []struct {
		name       string
		cred       cred
		call       func(ctx context.Context, e *env) error
		wantCode   codes.Code
		wantEvents []audit.Event
	}{
		{
			name: "success names the created resource", cred: bearer(metroAdmin), call: binding("agencies/metro"),
			wantEvents: []audit.Event{{Agency: "metro", Actor: "accounts/m1", Method: createBinding,
				Resource: "agencies/metro/roleBindings/rb1", Outcome: "OK", CorrelationID: "req-1", Service: "identity", Details: granted}},
		},
		{
			name: "denied on another agency", cred: bearer(metroAdmin), call: binding("agencies/north"), wantCode: codes.PermissionDenied,
			wantEvents: []audit.Event{{Agency: "north", Actor: "accounts/m1", Method: createBinding,
				Resource: "agencies/north", Outcome: "PERMISSION_DENIED", CorrelationID: "req-1", Service: "identity", Details: granted}},
		},
		{
			name: "handler error", cred: bearer(platformAdmin), call: binding("agencies/missing"), wantCode: codes.NotFound,
			wantEvents: []audit.Event{{Agency: "missing", Actor: "accounts/p1", Method: createBinding,
				Resource: "agencies/missing", Outcome: "NOT_FOUND", CorrelationID: "req-1", Service: "identity", Details: granted}},
		},
		{
			name: "partner denied", cred: partnerKey, call: binding("agencies/metro"), wantCode: codes.PermissionDenied,
			wantEvents: []audit.Event{{Agency: "metro", Actor: "agencies/metro/partners/cad", Method: createBinding,
				Resource: "agencies/metro", Outcome: "PERMISSION_DENIED", CorrelationID: "req-1", Service: "identity", Details: granted}},
		},
		{name: "anonymous refusal is not recorded", cred: noCred, call: binding("agencies/metro"), wantCode: codes.Unauthenticated},
		{name: "bad credentials are not recorded", cred: header("authorization", "Bearer x"), call: binding("agencies/metro"), wantCode: codes.Unauthenticated},
		{name: "no agency is not recorded", cred: bearer(metroAdmin), call: binding(""), wantCode: codes.InvalidArgument},
		{name: "unaudited method", cred: bearer(metroAdmin), call: notAudited},
		{
			name: "platform method", cred: bearer(platformAdmin), call: accounts,
			wantEvents: []audit.Event{{Actor: "accounts/p1", Method: listAccounts, Outcome: "OK", CorrelationID: "req-1", Service: "identity"}},
		},
		{
			name: "platform method denied", cred: bearer(metroAdmin), call: agency, wantCode: codes.PermissionDenied,
			wantEvents: []audit.Event{{Actor: "accounts/m1", Method: createAgency, Outcome: "PERMISSION_DENIED", CorrelationID: "req-1", Service: "identity"}},
		},
		{
			name: "resource from the response when the request names none", cred: bearer(platformAdmin), call: agency,
			wantEvents: []audit.Event{{Agency: "new", Actor: "accounts/p1", Method: createAgency, Resource: "agencies/new", Outcome: "OK", CorrelationID: "req-1", Service: "identity"}},
		},
		{
			name: "anonymous method keeps no actor", cred: bearer(resident), call: submit,
			wantEvents: []audit.Event{{Agency: "metro", Actor: "anonymous", Method: "/engage.authtest.v1.TestService/Submit",
				Resource: "agencies/metro/feedback/1", Outcome: "OK", CorrelationID: "req-1", Service: "authtest"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			ctx := metadata.AppendToOutgoingContext(context.Background(), "x-request-id", "req-1")
			err := tt.call(tt.cred(t, e, ctx), e)
			if code := status.Code(err); code != tt.wantCode {
				t.Fatalf("code = %v (%v), want %v", code, err, tt.wantCode)
			}
			if diff := cmp.Diff(at(tt.wantEvents, e.clock.Now()), e.recorder.take()); diff != "" {
				t.Errorf("audit events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAuditFailureDoesNotFailTheCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.recorder.fail = true
	ctx := bearer(metroAdmin)(t, e, context.Background())
	rb, err := e.agencies().CreateRoleBinding(ctx, &identityv1.CreateRoleBindingRequest{Parent: "agencies/metro"})
	if err != nil {
		t.Fatalf("CreateRoleBinding = %v, want success despite the recorder", err)
	}
	if rb.GetName() != "agencies/metro/roleBindings/rb1" {
		t.Errorf("name = %q", rb.GetName())
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "audit event not recorded") {
		t.Errorf("logs do not report the failed audit at error level:\n%s", logs)
	}
}

func TestAuditWithoutRecorder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.Audit = nil })
	ctx := bearer(metroAdmin)(t, e, context.Background())
	if _, err := e.agencies().CreateRoleBinding(ctx, &identityv1.CreateRoleBindingRequest{Parent: "agencies/metro"}); err != nil {
		t.Fatal(err)
	}
	if ev := e.recorder.take(); len(ev) != 0 {
		t.Errorf("recorded %d events with no recorder configured", len(ev))
	}
}

func TestOutcome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want string
	}{
		{err: nil, want: "OK"},
		{err: errNotAllowed, want: "PERMISSION_DENIED"},
		{err: errSignIn, want: "UNAUTHENTICATED"},
		{err: status.Error(codes.Canceled, "x"), want: "CANCELLED"},
		{err: context.DeadlineExceeded, want: "DEADLINE_EXCEEDED"},
		{err: errors.ErrUnsupported, want: "INTERNAL"},
	}
	for _, tt := range tests {
		if got := Outcome(tt.err); got != tt.want {
			t.Errorf("Outcome(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
