package identity_test

import (
	"context"
	"testing"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestAgencies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.admin(t)
	created := timestamppb.New(e.clock.Now())

	const rid = "5f0c6a9e-8f1b-4d2a-9a57-3e0e3b2f7c21"
	req := &identityv1.CreateAgencyRequest{AgencyId: "metro", RequestId: rid, Agency: &identityv1.Agency{
		DisplayName: "Metro Police", Description: "City police", WebsiteUri: "https://metro.example.org", TimeZone: "America/Chicago",
	}}
	metro, err := e.agencies.CreateAgency(admin, req)
	if err != nil {
		t.Fatal(err)
	}
	want := &identityv1.Agency{
		Name: "agencies/metro", DisplayName: "Metro Police", Description: "City police", WebsiteUri: "https://metro.example.org",
		TimeZone: "America/Chicago", CreateTime: created, UpdateTime: created, Etag: `"1"`,
	}
	diff(t, "created", metro, want)
	again, err := e.agencies.CreateAgency(admin, req)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	diff(t, "retry", again, want)

	createTests := []struct {
		name      string
		id        string
		agency    *identityv1.Agency
		wantCode  codes.Code
		wantField string
	}{
		{"taken id", "metro", &identityv1.Agency{DisplayName: "Again"}, codes.AlreadyExists, ""},
		{"bad id", "Metro!", &identityv1.Agency{DisplayName: "Bad"}, codes.InvalidArgument, "agency_id"},
		{"the platform chain's id", "-", &identityv1.Agency{DisplayName: "Bad"}, codes.InvalidArgument, "agency_id"},
		{"bad time zone", "timezone", &identityv1.Agency{DisplayName: "TZ", TimeZone: "Mars/Olympus"}, codes.InvalidArgument, "agency.time_zone"},
		{"bad website", "website", &identityv1.Agency{DisplayName: "Web", WebsiteUri: "ftp://web.example.org"}, codes.InvalidArgument, "agency.website_uri"},
		{"no display name", "nameless", &identityv1.Agency{}, codes.InvalidArgument, "agency.display_name"},
	}
	for _, tc := range createTests {
		_, err := e.agencies.CreateAgency(admin, &identityv1.CreateAgencyRequest{AgencyId: tc.id, Agency: tc.agency})
		wantCode(t, tc.name, err, tc.wantCode)
		if tc.wantField != "" {
			wantField(t, tc.name, err, tc.wantField)
		}
	}
	resident := bearer(t.Context(), e.signIn(t, e.signUp(t, "resident@example.org")).GetAccessToken())
	_, err = e.agencies.CreateAgency(resident, &identityv1.CreateAgencyRequest{AgencyId: "rogue", Agency: &identityv1.Agency{DisplayName: "Rogue"}})
	wantCode(t, "resident creates", err, codes.PermissionDenied)

	// Anyone reads the public profile.
	got, err := e.agencies.GetAgency(t.Context(), &identityv1.GetAgencyRequest{Name: "agencies/metro"})
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "anonymous get", got, want)
	_, err = e.agencies.GetAgency(t.Context(), &identityv1.GetAgencyRequest{Name: "agencies/nowhere"})
	wantCode(t, "get unknown", err, codes.NotFound)

	for _, id := range []string{"alpha", "zulu", "kilo"} {
		e.createAgency(t, admin, id)
	}
	var names []string
	token := ""
	for {
		resp, err := e.agencies.ListAgencies(t.Context(), &identityv1.ListAgenciesRequest{PageSize: 3, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range resp.GetAgencies() {
			names = append(names, a.GetName())
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	diff(t, "agencies by id", names, []string{"agencies/alpha", "agencies/kilo", "agencies/metro", "agencies/zulu"})
}

func TestUpdateAgency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.admin(t)
	e.createAgency(t, admin, "metro")
	e.createAgency(t, admin, "county")
	_, metroAdmin := e.staff(t, admin, "metro", "chief@example.org", accessv1.Role_ROLE_AGENCY_ADMIN)
	_, moderator := e.staff(t, admin, "metro", "mod@example.org", accessv1.Role_ROLE_MODERATOR)

	update := func(ctx context.Context, a *identityv1.Agency, paths ...string) (*identityv1.Agency, error) {
		var mask *fieldmaskpb.FieldMask
		if paths != nil {
			mask = &fieldmaskpb.FieldMask{Paths: paths}
		}
		return e.agencies.UpdateAgency(ctx, &identityv1.UpdateAgencyRequest{Agency: a, UpdateMask: mask})
	}

	// Later, within the access tokens' ten minutes.
	e.clock.Advance(5 * time.Minute)
	got, err := update(metroAdmin, &identityv1.Agency{Name: "agencies/metro", DisplayName: "Metro PD", Description: "Serving the city", Etag: `"1"`}, "description")
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if got.GetDescription() != "Serving the city" || got.GetDisplayName() != "Agency metro" || got.GetEtag() != `"2"` ||
		!got.GetUpdateTime().AsTime().Equal(e.clock.Now()) {
		t.Fatalf("after a masked update: %v", got)
	}
	// The old etag no longer matches; an unquoted current one does.
	_, err = update(metroAdmin, &identityv1.Agency{Name: "agencies/metro", DisplayName: "Stale", Etag: `"1"`}, "display_name")
	wantCode(t, "stale etag", err, codes.FailedPrecondition)
	if reason(err) != "ETAG_MISMATCH" {
		t.Fatalf("stale etag reason %q", reason(err))
	}
	got, err = update(metroAdmin, &identityv1.Agency{Name: "agencies/metro", DisplayName: "Metro Police Department", Etag: "2"}, "display_name")
	if err != nil || got.GetDisplayName() != "Metro Police Department" || got.GetEtag() != `"3"` {
		t.Fatalf("update with a plain etag: %v, %v", got, err)
	}
	// No etag: unconditional. No mask: the fields the request sets; its
	// output-only fields, sent back as read, are ignored.
	createTime := got.GetCreateTime().AsTime()
	got, err = update(admin, &identityv1.Agency{Name: "agencies/metro", DisplayName: "Metro", TimeZone: "Europe/Berlin", CreateTime: timestamppb.New(time.Unix(0, 0))})
	if err != nil {
		t.Fatalf("update without a mask: %v", err)
	}
	if got.GetDescription() != "Serving the city" || got.GetTimeZone() != "Europe/Berlin" || got.GetEtag() != `"4"` || !got.GetCreateTime().AsTime().Equal(createTime) {
		t.Fatalf("update without a mask made %v", got)
	}
	// "*": every updatable field, cleared when not sent; the etag and
	// output-only paths beside it are ignored.
	got, err = update(admin, &identityv1.Agency{Name: "agencies/metro", DisplayName: "Metro", TimeZone: "Europe/Berlin"}, "*")
	if err != nil {
		t.Fatalf("full update: %v", err)
	}
	if got.GetDescription() != "" || got.GetTimeZone() != "Europe/Berlin" || got.GetEtag() != `"5"` {
		t.Fatalf("full update replaced %v", got)
	}
	got, err = update(admin, &identityv1.Agency{Name: "agencies/metro", Description: "Serving the city", Etag: `"5"`}, "etag", "description", "createTime")
	if err != nil || got.GetDescription() != "Serving the city" || got.GetDisplayName() != "Metro" || got.GetEtag() != `"6"` {
		t.Fatalf("update naming the etag and an output-only field: %v, %v", got, err)
	}

	tests := []struct {
		name      string
		ctx       context.Context
		agency    *identityv1.Agency
		paths     []string
		wantCode  codes.Code
		wantField string
	}{
		{"only an output-only path", metroAdmin, &identityv1.Agency{Name: "agencies/metro", DisplayName: "x"}, []string{"create_time"}, codes.InvalidArgument, "update_mask"},
		{"only the etag path", metroAdmin, &identityv1.Agency{Name: "agencies/metro", DisplayName: "x"}, []string{"etag"}, codes.InvalidArgument, "update_mask"},
		{"nothing set, no mask", metroAdmin, &identityv1.Agency{Name: "agencies/metro"}, nil, codes.InvalidArgument, "update_mask"},
		{"unknown path", metroAdmin, &identityv1.Agency{Name: "agencies/metro", DisplayName: "x"}, []string{"motto"}, codes.InvalidArgument, "update_mask"},
		{"bad time zone", metroAdmin, &identityv1.Agency{Name: "agencies/metro", DisplayName: "x", TimeZone: "Nowhere/Land"}, []string{"time_zone"}, codes.InvalidArgument, "agency.time_zone"},
		{"another agency", metroAdmin, &identityv1.Agency{Name: "agencies/county", DisplayName: "x"}, nil, codes.PermissionDenied, ""},
		{"a moderator", moderator, &identityv1.Agency{Name: "agencies/metro", DisplayName: "x"}, nil, codes.PermissionDenied, ""},
		{"unknown agency", admin, &identityv1.Agency{Name: "agencies/nowhere", DisplayName: "x"}, nil, codes.NotFound, ""},
	}
	for _, tc := range tests {
		_, err := update(tc.ctx, tc.agency, tc.paths...)
		wantCode(t, tc.name, err, tc.wantCode)
		if tc.wantField != "" {
			wantField(t, tc.name, err, tc.wantField)
		}
	}
	after, _ := e.agencies.GetAgency(t.Context(), &identityv1.GetAgencyRequest{Name: "agencies/metro"})
	if after.GetEtag() != `"6"` {
		t.Fatalf("refused updates changed the agency: %v", after)
	}
}

func TestRoleBindings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.admin(t)
	e.createAgency(t, admin, "metro")
	e.createAgency(t, admin, "county")
	_, chief := e.staff(t, admin, "metro", "chief@example.org", accessv1.Role_ROLE_AGENCY_ADMIN)
	alice := e.signUp(t, "alice@example.org")
	countyPartner, err := e.partners.CreatePartner(admin, &identityv1.CreatePartnerRequest{
		Parent: "agencies/county", Partner: &identityv1.Partner{DisplayName: "County dispatch"},
	})
	if err != nil {
		t.Fatal(err)
	}

	created := timestamppb.New(e.clock.Now())
	b, err := e.agencies.CreateRoleBinding(chief, &identityv1.CreateRoleBindingRequest{
		Parent: "agencies/metro", RoleBinding: &identityv1.RoleBinding{Member: alice.account.GetName(), Role: accessv1.Role_ROLE_TRAINER},
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	diff(t, "binding", b, &identityv1.RoleBinding{
		Member: alice.account.GetName(), Role: accessv1.Role_ROLE_TRAINER, CreateTime: created,
		Grantor: "accounts/" + e.principalOf(t, chief).AccountID(),
	}, protocmp.IgnoreFields(&identityv1.RoleBinding{}, "name"))

	tests := []struct {
		name      string
		ctx       context.Context
		parent    string
		member    string
		role      accessv1.Role
		wantCode  codes.Code
		wantField string
	}{
		{"the same role again", chief, "agencies/metro", alice.account.GetName(), accessv1.Role_ROLE_TRAINER, codes.AlreadyExists, ""},
		{"another role", chief, "agencies/metro", alice.account.GetName(), accessv1.Role_ROLE_ANALYST, codes.OK, ""},
		{"a partner of another agency", chief, "agencies/metro", countyPartner.GetName(), accessv1.Role_ROLE_ALERT_AUTHOR, codes.OK, ""},
		{"an account that does not exist", chief, "agencies/metro", "accounts/nobody", accessv1.Role_ROLE_ANALYST, codes.InvalidArgument, "role_binding.member"},
		{"a partner that does not exist", chief, "agencies/metro", "agencies/county/partners/nobody", accessv1.Role_ROLE_ANALYST, codes.InvalidArgument, "role_binding.member"},
		{"a malformed member", chief, "agencies/metro", "people/alice", accessv1.Role_ROLE_ANALYST, codes.InvalidArgument, "role_binding.member"},
		{"no role", chief, "agencies/metro", alice.account.GetName(), accessv1.Role_ROLE_UNSPECIFIED, codes.InvalidArgument, "role_binding.role"},
		{"in another agency", chief, "agencies/county", alice.account.GetName(), accessv1.Role_ROLE_ANALYST, codes.PermissionDenied, ""},
		{"in an agency that does not exist", admin, "agencies/nowhere", alice.account.GetName(), accessv1.Role_ROLE_ANALYST, codes.NotFound, ""},
	}
	for _, tc := range tests {
		_, err := e.agencies.CreateRoleBinding(tc.ctx, &identityv1.CreateRoleBindingRequest{
			Parent: tc.parent, RoleBinding: &identityv1.RoleBinding{Member: tc.member, Role: tc.role},
		})
		wantCode(t, tc.name, err, tc.wantCode)
		if tc.wantField != "" {
			wantField(t, tc.name, err, tc.wantField)
		}
	}

	// A retry with the same request id returns the first binding.
	const rid = "3a7f2c1e-9b8d-4e6f-a5c4-1d2e3f4a5b6c"
	retryReq := func(member string) *identityv1.CreateRoleBindingRequest {
		return &identityv1.CreateRoleBindingRequest{Parent: "agencies/metro", RequestId: rid,
			RoleBinding: &identityv1.RoleBinding{Member: member, Role: accessv1.Role_ROLE_OFFICER}}
	}
	officer, err := e.agencies.CreateRoleBinding(chief, retryReq(alice.account.GetName()))
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.agencies.CreateRoleBinding(chief, retryReq(alice.account.GetName()))
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	diff(t, "retry", again, officer)
	_, err = e.agencies.CreateRoleBinding(chief, retryReq(countyPartner.GetName()))
	wantField(t, "request id reused for another member", err, "request_id")
	if _, err := e.agencies.DeleteRoleBinding(chief, &identityv1.DeleteRoleBindingRequest{Name: officer.GetName()}); err != nil {
		t.Fatal(err)
	}

	got, err := e.agencies.GetRoleBinding(chief, &identityv1.GetRoleBindingRequest{Name: b.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "get", got, b)
	_, err = e.agencies.GetRoleBinding(chief, &identityv1.GetRoleBindingRequest{Name: "agencies/metro/roleBindings/nothing"})
	wantCode(t, "get unknown", err, codes.NotFound)

	// Four bindings in metro: the chief's, alice's two and the partner's.
	var members []string
	token := ""
	for {
		resp, err := e.agencies.ListRoleBindings(chief, &identityv1.ListRoleBindingsRequest{Parent: "agencies/metro", PageSize: 3, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, rb := range resp.GetRoleBindings() {
			members = append(members, rb.GetMember()+" "+rb.GetRole().String())
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	diff(t, "bindings in creation order", members, []string{
		"accounts/" + e.principalOf(t, chief).AccountID() + " ROLE_AGENCY_ADMIN",
		alice.account.GetName() + " ROLE_TRAINER",
		alice.account.GetName() + " ROLE_ANALYST",
		countyPartner.GetName() + " ROLE_ALERT_AUTHOR",
	})
	_, err = e.agencies.ListRoleBindings(chief, &identityv1.ListRoleBindingsRequest{Parent: "agencies/county"})
	wantCode(t, "list another agency", err, codes.PermissionDenied)

	if _, err := e.agencies.DeleteRoleBinding(chief, &identityv1.DeleteRoleBindingRequest{Name: b.GetName()}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = e.agencies.DeleteRoleBinding(chief, &identityv1.DeleteRoleBindingRequest{Name: b.GetName()})
	wantCode(t, "delete again", err, codes.NotFound)
	acct, err := e.accounts.GetAccount(admin, &identityv1.GetAccountRequest{Name: alice.account.GetName()})
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "alice's roles after delete", acct.GetAgencyRoles(), []*identityv1.AgencyRoles{
		{Agency: "agencies/metro", Roles: []accessv1.Role{accessv1.Role_ROLE_ANALYST}},
	})
}
