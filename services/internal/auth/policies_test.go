package auth

import (
	"strings"
	"testing"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
)

// identityServices are the service descriptions of the identity contract.
func identityServices() []*grpc.ServiceDesc {
	return []*grpc.ServiceDesc{
		&identityv1.AccountService_ServiceDesc,
		&identityv1.SessionService_ServiceDesc,
		&identityv1.AgencyService_ServiceDesc,
		&identityv1.PartnerService_ServiceDesc,
		&identityv1.AuditService_ServiceDesc,
		&identityv1.CredentialService_ServiceDesc,
	}
}

func TestEveryIdentityMethodDeclaresAPolicy(t *testing.T) {
	t.Parallel()
	if err := CheckPolicies(identityServices()...); err != nil {
		t.Error(err)
	}
}

func TestCheckPolicies(t *testing.T) {
	t.Parallel()
	fake := &grpc.ServiceDesc{
		ServiceName: "engage.identity.v1.AgencyService",
		Methods:     []grpc.MethodDesc{{MethodName: "GetAgency"}, {MethodName: "FakeMethod"}},
		Streams:     []grpc.StreamDesc{{StreamName: "FakeStream", ServerStreams: true}},
	}
	unknown := &grpc.ServiceDesc{ServiceName: "engage.nothing.v1.Nothing", Methods: []grpc.MethodDesc{{MethodName: "Do"}}}
	tests := []struct {
		name        string
		sds         []*grpc.ServiceDesc
		wantMissing []string
	}{
		{name: "complete", sds: identityServices()},
		{name: "none given", sds: nil},
		{
			name: "methods without policy", sds: []*grpc.ServiceDesc{&identityv1.AccountService_ServiceDesc, fake, unknown},
			wantMissing: []string{"/engage.identity.v1.AgencyService/FakeMethod", "/engage.identity.v1.AgencyService/FakeStream", "/engage.nothing.v1.Nothing/Do"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckPolicies(tt.sds...)
			if len(tt.wantMissing) == 0 {
				if err != nil {
					t.Errorf("CheckPolicies = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("CheckPolicies = nil, want an error")
			}
			for _, m := range tt.wantMissing {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not name %s", err, m)
				}
			}
			if strings.Contains(err.Error(), "GetAgency") {
				t.Errorf("error %q names GetAgency, which has a policy", err)
			}
		})
	}
}

func TestCheckServer(t *testing.T) {
	t.Parallel()
	s := grpc.NewServer()
	identityv1.RegisterAgencyServiceServer(s, fakeIdentity{})
	healthpb.RegisterHealthServer(s, health.NewServer())
	reflection.Register(s)
	if err := CheckServer(s); err != nil {
		t.Errorf("CheckServer with identity, health and reflection = %v, want nil", err)
	}
	s.RegisterService(newTestServer().desc(), nil)
	err := CheckServer(s)
	if err == nil || err.Error() != "methods without access policy: /engage.authtest.v1.TestService/NoPolicy" {
		t.Errorf("CheckServer = %v, want it to name exactly TestService/NoPolicy", err)
	}
}
