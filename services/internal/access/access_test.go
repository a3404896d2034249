package access_test

import (
	"strings"
	"testing"

	// Every service's generated package, so that its descriptors are
	// registered and walked below. Add each new service here.
	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	_ "github.com/engagehq/engage/api/gen/engage/forum/v1"
	_ "github.com/engagehq/engage/api/gen/engage/identity/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/access"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// TestEveryRPCDeclaresAPolicy walks every service of the contract and fails
// for any method without an access policy, or with an agency-role policy
// whose request cannot name an agency.
func TestEveryRPCDeclaresAPolicy(t *testing.T) {
	t.Parallel()
	var methods int
	eachMethod(func(full string, md protoreflect.MethodDescriptor) {
		methods++
		p, ok := access.Policy(full)
		if !ok {
			t.Errorf("%s declares no access policy", full)
			return
		}
		if p.GetAudience() == accessv1.Audience_AUDIENCE_AGENCY_ROLE {
			if len(p.GetRoles()) == 0 {
				t.Errorf("%s: agency-role policy without roles", full)
			}
			if !namesResource(md.Input()) {
				t.Errorf("%s: agency-role policy but the request has no name, parent or resource with a name", full)
			}
		}
	})
	if methods < 20 {
		t.Errorf("walked %d methods; the generated packages are not linked in", methods)
	}
}

// eachMethod calls visit with every method of the contract's services and
// its full gRPC name.
func eachMethod(visit func(full string, md protoreflect.MethodDescriptor)) {
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(fd.Package()), "engage.") {
			return true
		}
		for i := 0; i < fd.Services().Len(); i++ {
			sd := fd.Services().Get(i)
			for j := 0; j < sd.Methods().Len(); j++ {
				md := sd.Methods().Get(j)
				visit("/"+string(sd.FullName())+"/"+string(md.Name()), md)
			}
		}
		return true
	})
}

func namesResource(m protoreflect.MessageDescriptor) bool {
	f := m.Fields()
	if f.ByName("name") != nil || f.ByName("parent") != nil {
		return true
	}
	for i := 0; i < f.Len(); i++ {
		if sub := f.Get(i).Message(); sub != nil && sub.Fields().ByName("name") != nil {
			return true
		}
	}
	return false
}

func TestResourceAndAgency(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		req        any
		wantRes    string
		wantAgency string
	}{
		{"name", &identityv1.GetAgencyRequest{Name: "agencies/a1"}, "agencies/a1", "a1"},
		{"parent", &identityv1.ListPartnersRequest{Parent: "agencies/a2"}, "agencies/a2", "a2"},
		{"nested", &identityv1.UpdateAgencyRequest{Agency: &identityv1.Agency{Name: "agencies/a3"}}, "agencies/a3", "a3"},
		{"child", &identityv1.GetPartnerRequest{Name: "agencies/a4/partners/p"}, "agencies/a4/partners/p", "a4"},
		{"none", &identityv1.GetSigningKeysRequest{}, "", ""},
		{"not an agency", &identityv1.GetAccountRequest{Name: "accounts/me"}, "accounts/me", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := access.Resource(tt.req.(interface{ ProtoReflect() protoreflect.Message }).ProtoReflect().Interface())
			if res != tt.wantRes || access.Agency(res) != tt.wantAgency {
				t.Errorf("Resource = %q, Agency = %q; want %q, %q", res, access.Agency(res), tt.wantRes, tt.wantAgency)
			}
		})
	}
}

// TestPolicyRemembered asks twice about a method with a policy and about
// names without one: the second answer is the first, and a name refused
// once stays refused.
func TestPolicyRemembered(t *testing.T) {
	t.Parallel()
	const create = "/engage.identity.v1.AgencyService/CreateAgency"
	first, ok := access.Policy(create)
	if !ok || first.GetAudience() == accessv1.Audience_AUDIENCE_UNSPECIFIED {
		t.Fatalf("Policy(%s) = %v, %v; want its declared policy", create, first, ok)
	}
	if again, ok := access.Policy(create); !ok || again != first {
		t.Errorf("second Policy(%s) = %v, %v; want the first answer", create, again, ok)
	}
	for _, name := range []string{"/engage.identity.v1.AgencyService/NoSuchMethod", "/no.such.Service/Get", "nonsense"} {
		for range 2 {
			if p, ok := access.Policy(name); ok || p != nil {
				t.Errorf("Policy(%q) = %v, %v; want none", name, p, ok)
			}
		}
	}
}
