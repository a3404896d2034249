package grpcserver

import (
	"context"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/requestid"
)

// TestDialForwardsRequestID has a handler call another method over a Dial
// connection with its own context: the second call carries the first one's
// request id, so both log lines can be joined.
func TestDialForwardsRequestID(t *testing.T) {
	t.Parallel()
	var cc atomic.Pointer[grpc.ClientConn]
	downstream := make(chan string, 1)
	ts := start(t, serverSetup{accounts: &accounts{
		create: func(ctx context.Context, _ *identityv1.CreateAccountRequest) (*identityv1.Account, error) {
			return identityv1.NewAccountServiceClient(cc.Load()).GetAccount(ctx, &identityv1.GetAccountRequest{Name: "accounts/me"})
		},
		get: func(ctx context.Context, _ *identityv1.GetAccountRequest) (*identityv1.Account, error) {
			downstream <- requestid.FromContext(ctx)
			return &identityv1.Account{Name: "accounts/a1"}, nil
		},
	}})
	cc.Store(ts.cc)
	ctx := metadata.AppendToOutgoingContext(t.Context(), requestid.MetadataKey, "outer-1")
	if _, err := ts.accounts().CreateAccount(ctx, validCreate()); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	if got := <-downstream; got != "outer-1" {
		t.Errorf("downstream request id = %q, want outer-1", got)
	}
}
