package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	"github.com/engagehq/engage/services/internal/idempotent"
	"github.com/engagehq/engage/services/internal/identity"
)

func agency(id string) identity.Agency {
	return identity.Agency{ID: id, DisplayName: "Agency " + id, TimeZone: "America/Chicago", CreateTime: base, UpdateTime: base}
}

func mustAgency(t *testing.T, s identity.Store, id string) identity.Agency {
	t.Helper()
	a, err := s.CreateAgency(ctx(t), agency(id), retryOf(""))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func testAgencies(t *testing.T, s identity.Store) {
	got, err := s.CreateAgency(ctx(t), agency("metro"), retryOf("req-1"))
	wantErr(t, "create", err, nil)
	want := agency("metro")
	want.Revision = 1
	diff(t, "created", got, want)

	_, err = s.CreateAgency(ctx(t), agency("metro"), retryOf(""))
	wantErr(t, "same id", err, errAlreadyExists)
	got, err = s.CreateAgency(ctx(t), agency("other"), retryOf("req-1"))
	wantErr(t, "retry", err, nil)
	diff(t, "retry returns the first", got, want)
	_, err = s.Agency(ctx(t), "other")
	wantErr(t, "retry stored nothing", err, errNotFound)

	for i := range 4 {
		mustAgency(t, s, fmt.Sprintf("town-%d", i))
	}
	list, err := s.ListAgencies(ctx(t), "metro", 3)
	wantErr(t, "list", err, nil)
	var ids []string
	for _, a := range list {
		ids = append(ids, a.ID)
	}
	diff(t, "list after metro", ids, []string{"town-0", "town-1", "town-2"})

	later := base.Add(time.Hour)
	got, err = s.UpdateAgency(ctx(t), "metro", func(a *identity.Agency) error {
		a.Description, a.UpdateTime = "Metro police", later
		return nil
	})
	wantErr(t, "update", err, nil)
	want.Description, want.UpdateTime, want.Revision = "Metro police", later, 2
	diff(t, "updated", got, want)
	stored, _ := s.Agency(ctx(t), "metro")
	diff(t, "stored", stored, want)

	errVeto := errors.New("veto")
	_, err = s.UpdateAgency(ctx(t), "metro", func(a *identity.Agency) error {
		a.Description = "vetoed"
		return errVeto
	})
	if !errors.Is(err, errVeto) {
		t.Fatalf("mutate error: got %v, want %v", err, errVeto)
	}
	stored, _ = s.Agency(ctx(t), "metro")
	diff(t, "after veto (revision unchanged)", stored, want)

	_, err = s.UpdateAgency(ctx(t), "nowhere", func(*identity.Agency) error { return nil })
	wantErr(t, "update unknown", err, errNotFound)
	_, err = s.Agency(ctx(t), "nowhere")
	wantErr(t, "get unknown", err, errNotFound)
}

func binding(agency, id, member string, role accessv1.Role) identity.RoleBinding {
	return identity.RoleBinding{Agency: agency, ID: id, Member: member, Role: role, Grantor: "accounts/root", CreateTime: base}
}

func testRoleBindings(t *testing.T, s identity.Store) {
	mustAgency(t, s, "metro")
	mustAgency(t, s, "county")
	const alice = "accounts/alice"
	mod := binding("metro", "b1", alice, accessv1.Role_ROLE_MODERATOR)

	tests := []struct {
		name      string
		b         identity.RoleBinding
		requestID string
		want      error
	}{
		{"first", mod, "req-1", nil},
		{"unknown agency", binding("nowhere", "b2", alice, accessv1.Role_ROLE_MODERATOR), "", errNotFound},
		{"same member and role", binding("metro", "b3", alice, accessv1.Role_ROLE_MODERATOR), "", errAlreadyExists},
		{"same id", binding("metro", "b1", "accounts/bob", accessv1.Role_ROLE_ANALYST), "", errAlreadyExists},
		{"another role", binding("metro", "b4", alice, accessv1.Role_ROLE_ANALYST), "", nil},
		{"same role in another agency", binding("county", "b5", alice, accessv1.Role_ROLE_MODERATOR), "", nil},
		{"a partner of another agency", binding("metro", "b6", "agencies/county/partners/p1", accessv1.Role_ROLE_ALERT_AUTHOR), "", nil},
		{"a member whose name extends alice's", binding("metro", "b7", alice+"x", accessv1.Role_ROLE_TRAINER), "", nil},
	}
	for _, tc := range tests {
		got, err := s.CreateRoleBinding(ctx(t), tc.b, retryOf(tc.requestID))
		wantErr(t, tc.name, err, tc.want)
		if tc.want == nil {
			diff(t, tc.name, got, tc.b)
		}
	}

	got, err := s.CreateRoleBinding(ctx(t), binding("metro", "b8", "accounts/carol", accessv1.Role_ROLE_TRAINER), retryOf("req-1"))
	wantErr(t, "retry", err, nil)
	diff(t, "retry returns the first", got, mod)
	// The same request id in another agency is another request: refused.
	_, err = s.CreateRoleBinding(ctx(t), binding("county", "b9", "accounts/carol", accessv1.Role_ROLE_TRAINER), retryOf("req-1"))
	wantErr(t, "request id in another agency", err, idempotent.ErrReused)

	roles, err := s.MemberRoles(ctx(t), alice)
	wantErr(t, "member roles", err, nil)
	diff(t, "alice's roles", roles, map[string][]accessv1.Role{
		"metro":  {accessv1.Role_ROLE_MODERATOR, accessv1.Role_ROLE_ANALYST},
		"county": {accessv1.Role_ROLE_MODERATOR},
	})
	roles, err = s.MemberRoles(ctx(t), "accounts/nobody")
	wantErr(t, "no roles", err, nil)
	diff(t, "nobody's roles", roles, map[string][]accessv1.Role{})

	list, err := s.ListRoleBindings(ctx(t), "metro", "", 10)
	wantErr(t, "list", err, nil)
	var ids []string
	for _, b := range list {
		ids = append(ids, b.ID)
	}
	diff(t, "metro bindings", ids, []string{"b1", "b4", "b6", "b7"})
	list, err = s.ListRoleBindings(ctx(t), "metro", "b4", 1)
	wantErr(t, "list page", err, nil)
	diff(t, "page after b4", list, []identity.RoleBinding{binding("metro", "b6", "agencies/county/partners/p1", accessv1.Role_ROLE_ALERT_AUTHOR)})
	_, err = s.ListRoleBindings(ctx(t), "nowhere", "", 10)
	wantErr(t, "list unknown agency", err, errNotFound)

	got, err = s.RoleBinding(ctx(t), "metro", "b1")
	wantErr(t, "get", err, nil)
	diff(t, "get", got, mod)
	_, err = s.RoleBinding(ctx(t), "county", "b1")
	wantErr(t, "get in the wrong agency", err, errNotFound)

	wantErr(t, "delete", s.DeleteRoleBinding(ctx(t), "metro", "b1"), nil)
	wantErr(t, "delete again", s.DeleteRoleBinding(ctx(t), "metro", "b1"), errNotFound)
	_, err = s.RoleBinding(ctx(t), "metro", "b1")
	wantErr(t, "get deleted", err, errNotFound)
	roles, _ = s.MemberRoles(ctx(t), alice)
	diff(t, "roles after delete", roles, map[string][]accessv1.Role{
		"metro":  {accessv1.Role_ROLE_ANALYST},
		"county": {accessv1.Role_ROLE_MODERATOR},
	})
	// The role can be granted again once revoked.
	_, err = s.CreateRoleBinding(ctx(t), binding("metro", "b10", alice, accessv1.Role_ROLE_MODERATOR), retryOf(""))
	wantErr(t, "grant again", err, nil)
}
