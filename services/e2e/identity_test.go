package e2e

import (
	"strings"
	"testing"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestSessionLifecycle: a resident signs up, signs in, refreshes (the old
// refresh token stops working), and signs out.
func TestSessionLifecycle(t *testing.T) {
	t.Parallel()
	p := startPlatform(t)
	name := p.signUp("resident@e2e.example", "a long resident passphrase")
	s := p.signIn("resident@e2e.example", "a long resident passphrase", "")

	me := p.must(200, "GET", "/v1/accounts/me", s["accessToken"].(string), nil)
	if me["name"] != name || me["email"] != "resident@e2e.example" {
		t.Errorf("accounts/me = %v", me)
	}
	if _, ok := me["password"]; ok {
		t.Errorf("accounts/me shows a password field: %v", me)
	}

	r := p.must(200, "POST", "/v1/sessions:refresh", "", map[string]any{"refreshToken": s["refreshToken"]})
	if r["refreshToken"] == s["refreshToken"] || r["accessToken"] == "" {
		t.Errorf("refresh did not rotate: %v", r)
	}
	// The spent refresh token is refused, and its reuse ends the session.
	p.must(401, "POST", "/v1/sessions:refresh", "", map[string]any{"refreshToken": s["refreshToken"]})
	p.must(401, "POST", "/v1/sessions:refresh", "", map[string]any{"refreshToken": r["refreshToken"]})

	s2 := p.signIn("resident@e2e.example", "a long resident passphrase", "")
	p.must(200, "POST", "/v1/sessions:revoke", "", map[string]any{"refreshToken": s2["refreshToken"]})
	p.must(401, "POST", "/v1/sessions:refresh", "", map[string]any{"refreshToken": s2["refreshToken"]})

	// Wrong password and unknown account look the same.
	a := p.do("POST", "/v1/sessions", "", map[string]any{"email": "resident@e2e.example", "password": "wrong wrong wrong"})
	b := p.do("POST", "/v1/sessions", "", map[string]any{"email": "nobody@e2e.example", "password": "wrong wrong wrong"})
	if a.status != 401 || b.status != 401 || a.json(t)["message"] != b.json(t)["message"] {
		t.Errorf("wrong password = %d %s; unknown account = %d %s", a.status, a.body, b.status, b.body)
	}
}

// TestStaffNeedsSecondFactor: an agency-admin binding has no effect until
// its holder signs in with TOTP; every staff write lands in the audit log
// and the chain verifies.
func TestStaffNeedsSecondFactor(t *testing.T) {
	t.Parallel()
	p := startPlatform(t)
	admin, _ := p.staffSignIn(adminEmail, adminPassword)
	p.must(200, "POST", "/v1/agencies?agencyId=metro-pd", admin, map[string]any{"displayName": "Metro Police"})

	chief := p.signUp("chief@e2e.example", "the chief's passphrase")
	p.must(200, "POST", "/v1/agencies/metro-pd/roleBindings", admin, map[string]any{"member": chief, "role": "ROLE_AGENCY_ADMIN"})

	noMFA := p.signIn("chief@e2e.example", "the chief's passphrase", "")["accessToken"].(string)
	p.must(403, "GET", "/v1/agencies/metro-pd/roleBindings", noMFA, nil)
	p.must(401, "GET", "/v1/agencies/metro-pd/roleBindings", "", nil)

	withMFA, _ := p.staffSignIn("chief@e2e.example", "the chief's passphrase")
	list := p.must(200, "GET", "/v1/agencies/metro-pd/roleBindings", withMFA, nil)
	if n := len(list["roleBindings"].([]any)); n != 1 {
		t.Errorf("role bindings = %d, want 1", n)
	}
	// An agency admin of metro-pd is nobody in another agency.
	p.must(200, "POST", "/v1/agencies?agencyId=other-pd", admin, map[string]any{"displayName": "Other Police"})
	if r := p.do("GET", "/v1/agencies/other-pd/roleBindings", withMFA, nil); r.status != 403 && r.status != 404 {
		t.Errorf("other agency's bindings = %d %s, want 403 or 404", r.status, r.body)
	}

	p.must(200, "PATCH", "/v1/agencies/metro-pd", withMFA, map[string]any{"description": "Serving Metro since 1901"})

	events := p.must(200, "GET", "/v1/agencies/metro-pd/auditEvents", withMFA, nil)["auditEvents"].([]any)
	var methods []string
	for _, e := range events {
		methods = append(methods, e.(map[string]any)["method"].(string))
	}
	joined := strings.Join(methods, " ")
	for _, want := range []string{"CreateAgency", "CreateRoleBinding", "UpdateAgency"} {
		if !strings.Contains(joined, want) {
			t.Errorf("audit log lacks %s: %v", want, methods)
		}
	}
	v := p.must(200, "POST", "/v1/agencies/metro-pd/auditEvents:verify", withMFA, map[string]any{})
	if v["valid"] != true {
		t.Errorf("verify = %v", v)
	}
}

// TestPartnerKeyOverGRPC: a partner's API key works over gRPC metadata for
// the agency it is bound to, not for another, and stops at revocation.
func TestPartnerKeyOverGRPC(t *testing.T) {
	t.Parallel()
	p := startPlatform(t)
	admin, _ := p.staffSignIn(adminEmail, adminPassword)
	for _, id := range []string{"county-so", "city-pd"} {
		p.must(200, "POST", "/v1/agencies?agencyId="+id, admin, map[string]any{"displayName": id})
	}
	created := p.must(200, "POST", "/v1/agencies/county-so/partners", admin, map[string]any{
		"displayName": "County Dispatch", "roles": []string{"ROLE_AGENCY_ADMIN"},
	})
	key := created["apiKey"].(string)
	if key == "" {
		t.Fatal("no api key in the create response")
	}
	got := p.must(200, "GET", "/v1/agencies/county-so/partners/"+lastSegment(created["name"].(string)), admin, nil)
	if got["apiKey"] != "" {
		t.Errorf("get shows the key again: %v", got["apiKey"])
	}

	agencies := identityv1.NewAgencyServiceClient(p.conn)
	ctx := withAPIKey(t.Context(), key)
	if _, err := agencies.ListRoleBindings(ctx, &identityv1.ListRoleBindingsRequest{Parent: "agencies/county-so"}); err != nil {
		t.Fatalf("partner lists its agency's bindings: %v", err)
	}
	_, err := agencies.ListRoleBindings(ctx, &identityv1.ListRoleBindingsRequest{Parent: "agencies/city-pd"})
	if c := status.Code(err); c != codes.PermissionDenied && c != codes.NotFound {
		t.Errorf("partner on another agency: %v, want PermissionDenied or NotFound", err)
	}
	_, err = agencies.ListRoleBindings(withAPIKey(t.Context(), key+"x"), &identityv1.ListRoleBindingsRequest{Parent: "agencies/county-so"})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("tampered key: %v, want Unauthenticated", err)
	}

	partners := identityv1.NewPartnerServiceClient(p.conn)
	if _, err := partners.RevokePartner(withToken(t.Context(), admin), &identityv1.RevokePartnerRequest{Name: created["name"].(string)}); err != nil {
		t.Fatal(err)
	}
	_, err = agencies.ListRoleBindings(ctx, &identityv1.ListRoleBindingsRequest{Parent: "agencies/county-so"})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("revoked key: %v, want Unauthenticated", err)
	}
	if _, err := agencies.GetAgency(t.Context(), &identityv1.GetAgencyRequest{Name: "agencies/county-so"}); err != nil {
		t.Errorf("anonymous public read: %v", err)
	}
	_ = accessv1.Role_ROLE_AGENCY_ADMIN
}

func lastSegment(name string) string { return name[strings.LastIndex(name, "/")+1:] }
