package grpcserver

import (
	"context"
	"google.golang.org/protobuf/proto"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
)

func TestValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		req        func() *identityv1.CreateAccountRequest
		wantFields []string
	}{
		{
			name: "bad email",
			req: func() *identityv1.CreateAccountRequest {
				r := validCreate()
				r.Account.Email = "not an email"
				return r
			},
			wantFields: []string{"account.email"},
		},
		{
			name: "missing account",
			req: func() *identityv1.CreateAccountRequest {
				return &identityv1.CreateAccountRequest{}
			},
			wantFields: []string{"account"},
		},
		{
			name: "short password and bad request id",
			req: func() *identityv1.CreateAccountRequest {
				r := validCreate()
				r.Account.Password = proto.String("short")
				r.RequestId = "not-a-uuid"
				return r
			},
			wantFields: []string{"account.password", "request_id"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var called atomic.Bool
			ts := start(t, serverSetup{accounts: &accounts{create: func(context.Context, *identityv1.CreateAccountRequest) (*identityv1.Account, error) {
				called.Store(true)
				return &identityv1.Account{}, nil
			}}})
			_, err := ts.accounts().CreateAccount(t.Context(), tt.req())
			st := status.Convert(err)
			checkDomainError(t, st, codes.InvalidArgument)
			var gotFields []string
			for _, d := range st.Details() {
				br, ok := d.(*errdetails.BadRequest)
				if !ok {
					continue
				}
				for _, v := range br.GetFieldViolations() {
					gotFields = append(gotFields, v.GetField())
					if v.GetDescription() == "" {
						t.Errorf("violation of %s has no description", v.GetField())
					}
				}
			}
			if diff := cmp.Diff(tt.wantFields, gotFields); diff != "" {
				t.Errorf("BadRequest fields (-want +got):\n%s", diff)
			}
			if called.Load() {
				t.Error("handler ran on an invalid request")
			}
		})
	}
}

func TestValidationPassesValidRequest(t *testing.T) {
	t.Parallel()
	ts := start(t, serverSetup{})
	got, err := ts.accounts().CreateAccount(t.Context(), validCreate())
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	if got.GetEmail() != "resident@example.org" {
		t.Errorf("email = %q, want the request's", got.GetEmail())
	}
}
