package identity_test

import (
	"strings"
	"testing"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestPartners(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.admin(t)
	e.createAgency(t, admin, "metro")
	e.createAgency(t, admin, "county")
	_, chief := e.staff(t, admin, "metro", "chief@example.org", accessv1.Role_ROLE_AGENCY_ADMIN)
	created := timestamppb.New(e.clock.Now())

	const rid = "9d1c7a3e-2b4f-4e8a-8c1d-6f5e4d3c2b1a"
	req := &identityv1.CreatePartnerRequest{Parent: "agencies/metro", RequestId: rid, Partner: &identityv1.Partner{
		DisplayName: "Metro schools",
		Roles:       []accessv1.Role{accessv1.Role_ROLE_ALERT_AUTHOR, accessv1.Role_ROLE_CONTACT_REPORTER, accessv1.Role_ROLE_ALERT_AUTHOR},
	}}
	p, err := e.partners.CreatePartner(chief, req)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	key := p.GetApiKey()
	if !strings.HasPrefix(key, p.GetKeyPrefix()+"_") || !strings.HasPrefix(p.GetKeyPrefix(), "eng_") {
		t.Fatalf("key %q does not start with its prefix %q", key, p.GetKeyPrefix())
	}
	want := &identityv1.Partner{
		Name:        p.GetName(),
		DisplayName: "Metro schools",
		Roles:       []accessv1.Role{accessv1.Role_ROLE_ALERT_AUTHOR, accessv1.Role_ROLE_CONTACT_REPORTER},
		KeyPrefix:   p.GetKeyPrefix(),
		State:       identityv1.Partner_STATE_ACTIVE,
		CreateTime:  created,
	}
	diff(t, "created", p, want, protocmp.IgnoreFields(&identityv1.Partner{}, "api_key"))
	if !strings.HasPrefix(p.GetName(), "agencies/metro/partners/") {
		t.Fatalf("name %q", p.GetName())
	}

	// The key is shown once: not by a retry, Get or List.
	retry, err := e.partners.CreatePartner(chief, req)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	diff(t, "retry", retry, want)
	got, err := e.partners.GetPartner(chief, &identityv1.GetPartnerRequest{Name: p.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "get", got, want)
	list, err := e.partners.ListPartners(chief, &identityv1.ListPartnersRequest{Parent: "agencies/metro"})
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "list", list.GetPartners(), []*identityv1.Partner{want})

	// Its roles are ordinary bindings; another agency may bind it too.
	e.grant(t, admin, "county", p.GetName(), accessv1.Role_ROLE_ANALYST)
	wantIntrospect := &identityv1.IntrospectApiKeyResponse{
		Active:  true,
		Partner: p.GetName(),
		AgencyRoles: []*identityv1.AgencyRoles{
			{Agency: "agencies/county", Roles: []accessv1.Role{accessv1.Role_ROLE_ANALYST}},
			{Agency: "agencies/metro", Roles: []accessv1.Role{accessv1.Role_ROLE_ALERT_AUTHOR, accessv1.Role_ROLE_CONTACT_REPORTER}},
		},
	}
	in, err := e.creds.IntrospectApiKey(asService(t.Context(), "alerts"), &identityv1.IntrospectApiKeyRequest{ApiKey: key})
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "introspect", in, wantIntrospect)
	principal, err := e.svc.ResolveAPIKey(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "resolved principal", principal, auth.Principal{Kind: auth.Partner, Name: p.GetName(), Roles: map[string][]accessv1.Role{
		"county": {accessv1.Role_ROLE_ANALYST},
		"metro":  {accessv1.Role_ROLE_ALERT_AUTHOR, accessv1.Role_ROLE_CONTACT_REPORTER},
	}})
	// The key authenticates calls.
	if _, err := e.agencies.GetAgency(apiKey(t.Context(), key), &identityv1.GetAgencyRequest{Name: "agencies/metro"}); err != nil {
		t.Fatalf("call with the key: %v", err)
	}

	// The last character changed, and the key id's first four, each to
	// what they are not.
	last, id := "A", "aaaa"
	if strings.HasSuffix(key, last) {
		last = "B"
	}
	if key[4:8] == id {
		id = "bbbb"
	}
	for _, bad := range []string{"eng_not-a-key", key[:len(key)-1] + last, strings.Replace(key, key[4:8], id, 1)} {
		in, err := e.creds.IntrospectApiKey(asService(t.Context(), "alerts"), &identityv1.IntrospectApiKeyRequest{ApiKey: bad})
		if err != nil || in.GetActive() {
			t.Fatalf("introspect %q: %v, %v", bad, in, err)
		}
		_, err = e.agencies.GetAgency(apiKey(t.Context(), bad), &identityv1.GetAgencyRequest{Name: "agencies/metro"})
		wantCode(t, "call with a bad key", err, codes.Unauthenticated)
	}

	e.clock.Advance(time.Minute)
	revoked, err := e.partners.RevokePartner(chief, &identityv1.RevokePartnerRequest{Name: p.GetName()})
	if err != nil {
		t.Fatalf("revoke: %v", err)
	}
	want.State, want.RevokeTime = identityv1.Partner_STATE_REVOKED, timestamppb.New(e.clock.Now())
	diff(t, "revoked", revoked, want)
	in, err = e.creds.IntrospectApiKey(asService(t.Context(), "alerts"), &identityv1.IntrospectApiKeyRequest{ApiKey: key})
	if err != nil || in.GetActive() || in.GetPartner() != "" {
		t.Fatalf("introspect a revoked key: %v, %v", in, err)
	}
	_, err = e.agencies.GetAgency(apiKey(t.Context(), key), &identityv1.GetAgencyRequest{Name: "agencies/metro"})
	wantCode(t, "call with a revoked key", err, codes.Unauthenticated)
	_, err = e.agencies.CreateRoleBinding(admin, &identityv1.CreateRoleBindingRequest{
		Parent: "agencies/county", RoleBinding: &identityv1.RoleBinding{Member: p.GetName(), Role: accessv1.Role_ROLE_TRAINER},
	})
	wantField(t, "bind a revoked partner", err, "role_binding.member")

	tests := []struct {
		name     string
		call     func() error
		wantCode codes.Code
	}{
		{"create in another agency", func() error {
			_, err := e.partners.CreatePartner(chief, &identityv1.CreatePartnerRequest{Parent: "agencies/county", Partner: &identityv1.Partner{DisplayName: "x"}})
			return err
		}, codes.PermissionDenied},
		{"create in an agency that does not exist", func() error {
			_, err := e.partners.CreatePartner(admin, &identityv1.CreatePartnerRequest{Parent: "agencies/nowhere", Partner: &identityv1.Partner{DisplayName: "x"}})
			return err
		}, codes.NotFound},
		{"get one that does not exist", func() error {
			_, err := e.partners.GetPartner(chief, &identityv1.GetPartnerRequest{Name: "agencies/metro/partners/nobody"})
			return err
		}, codes.NotFound},
		{"introspect as an account", func() error {
			_, err := e.creds.IntrospectApiKey(chief, &identityv1.IntrospectApiKeyRequest{ApiKey: key})
			return err
		}, codes.PermissionDenied},
	}
	for _, tc := range tests {
		wantCode(t, tc.name, tc.call(), tc.wantCode)
	}
}
