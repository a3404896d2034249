package auth

import (
	"context"
	"testing"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"google.golang.org/grpc"
)

// TestServiceCredentialsOverAConnection dials the way one service dials
// another: the credentials ride on every call of the connection.
func TestServiceCredentialsOverAConnection(t *testing.T) {
	t.Parallel()
	in, err := NewInterceptor(Config{Service: "identity", ServiceSecret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer(grpc.ChainUnaryInterceptor(translate, in.Unary()))
	identityv1.RegisterCredentialServiceServer(s, fakeIdentity{})
	conn := serve(t, s, grpc.WithPerRPCCredentials(ServiceCredentials("alerts", testSecret)))
	resp, err := identityv1.NewCredentialServiceClient(conn).IntrospectApiKey(context.Background(), &identityv1.IntrospectApiKeyRequest{ApiKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.GetPartner(); got != "services/alerts" {
		t.Errorf("principal = %q, want services/alerts", got)
	}
}

func TestDefaultLimits(t *testing.T) {
	t.Parallel()
	in, err := NewInterceptor(Config{Service: "forum"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := in.principals.limit, (RateLimit{Rate: 20, Burst: 40}); got != want {
		t.Errorf("principal limit = %+v, want %+v", got, want)
	}
	if got, want := in.anonymous.limit, (RateLimit{Rate: 10, Burst: 20}); got != want {
		t.Errorf("anonymous limit = %+v, want %+v", got, want)
	}
}
