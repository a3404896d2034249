package identity_test

import (
	"testing"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// TestEveryRPCImplemented calls every method of the six services with an
// empty request, past validation and authorization, and fails when one
// answers UNIMPLEMENTED (only the embedded Unimplemented server does) or
// fails without a mapped error (INTERNAL, UNKNOWN: a crash on input the
// validator would normally stop).
func TestEveryRPCImplemented(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	callers := []struct {
		name string
		p    auth.Principal
	}{
		{"anonymous", auth.Principal{}},
		{"platform admin", auth.Principal{Kind: auth.Account, Name: "accounts/root", MFA: true, PlatformAdmin: true}},
		{"service", auth.Principal{Kind: auth.Service, Name: "services/forum"}},
	}
	descs := []grpc.ServiceDesc{
		identityv1.AccountService_ServiceDesc,
		identityv1.SessionService_ServiceDesc,
		identityv1.AgencyService_ServiceDesc,
		identityv1.PartnerService_ServiceDesc,
		identityv1.AuditService_ServiceDesc,
		identityv1.CredentialService_ServiceDesc,
	}
	for _, c := range callers {
		conn := bareConn(t, e.svc, c.p)
		for _, sd := range descs {
			d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(sd.ServiceName))
			if err != nil {
				t.Fatal(err)
			}
			methods := d.(protoreflect.ServiceDescriptor).Methods()
			if methods.Len() != len(sd.Methods) {
				t.Fatalf("%s: %d methods in the contract, %d unary handlers", sd.ServiceName, methods.Len(), len(sd.Methods))
			}
			for i := range methods.Len() {
				m := methods.Get(i)
				in, err := protoregistry.GlobalTypes.FindMessageByName(m.Input().FullName())
				if err != nil {
					t.Fatal(err)
				}
				out, err := protoregistry.GlobalTypes.FindMessageByName(m.Output().FullName())
				if err != nil {
					t.Fatal(err)
				}
				full := "/" + sd.ServiceName + "/" + string(m.Name())
				err = conn.Invoke(t.Context(), full, in.New().Interface(), out.New().Interface())
				switch status.Code(err) {
				case codes.Unimplemented, codes.Internal, codes.Unknown:
					t.Errorf("%s as %s: %v", full, c.name, err)
				}
			}
		}
	}
}
