package storetest

import (
	"testing"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	"github.com/engagehq/engage/services/internal/identity"
)

func partner(agency, id, keyID string) identity.Partner {
	return identity.Partner{
		Agency:      agency,
		ID:          id,
		DisplayName: "Partner " + id,
		KeyID:       keyID,
		KeyHash:     hash("key-" + keyID),
		KeyPrefix:   "eng_" + keyID,
		State:       identity.PartnerActive,
		CreateTime:  base,
	}
}

func testPartners(t *testing.T, s identity.Store) {
	mustAgency(t, s, "metro")
	p := partner("metro", "p1", "key1")
	bindings := []identity.RoleBinding{
		binding("metro", "b1", p.Name(), accessv1.Role_ROLE_ALERT_AUTHOR),
		binding("metro", "b2", p.Name(), accessv1.Role_ROLE_CONTACT_REPORTER),
	}
	got, err := s.CreatePartner(ctx(t), p, bindings, retryOf("req-1"))
	wantErr(t, "create", err, nil)
	diff(t, "created", got, p)
	roles, err := s.MemberRoles(ctx(t), p.Name())
	wantErr(t, "roles", err, nil)
	diff(t, "partner roles", roles, map[string][]accessv1.Role{
		"metro": {accessv1.Role_ROLE_ALERT_AUTHOR, accessv1.Role_ROLE_CONTACT_REPORTER},
	})

	tests := []struct {
		name     string
		p        identity.Partner
		bindings []identity.RoleBinding
		want     error
	}{
		{"unknown agency", partner("nowhere", "p2", "key2"), nil, errNotFound},
		{"same id", partner("metro", "p1", "key3"), nil, errAlreadyExists},
		{"same key id", partner("metro", "p4", "key1"), []identity.RoleBinding{
			binding("metro", "b4", "agencies/metro/partners/p4", accessv1.Role_ROLE_ANALYST),
		}, errAlreadyExists},
	}
	for _, tc := range tests {
		_, err := s.CreatePartner(ctx(t), tc.p, tc.bindings, retryOf(""))
		wantErr(t, tc.name, err, tc.want)
	}
	// The refused create left no binding behind.
	roles, _ = s.MemberRoles(ctx(t), "agencies/metro/partners/p4")
	diff(t, "roles of a refused partner", roles, map[string][]accessv1.Role{})
	_, err = s.Partner(ctx(t), "metro", "p4")
	wantErr(t, "refused partner", err, errNotFound)

	retry := partner("metro", "p5", "key5")
	got, err = s.CreatePartner(ctx(t), retry, []identity.RoleBinding{
		binding("metro", "b5", retry.Name(), accessv1.Role_ROLE_ANALYST),
	}, retryOf("req-1"))
	wantErr(t, "retry", err, nil)
	diff(t, "retry returns the first", got, p)
	_, err = s.PartnerByKeyID(ctx(t), "key5")
	wantErr(t, "retry stored no key", err, errNotFound)

	got, err = s.PartnerByKeyID(ctx(t), "key1")
	wantErr(t, "by key id", err, nil)
	diff(t, "by key id", got, p)
	_, err = s.PartnerByKeyID(ctx(t), "nokey")
	wantErr(t, "unknown key id", err, errNotFound)

	second := partner("metro", "p2", "key2")
	if _, err := s.CreatePartner(ctx(t), second, nil, retryOf("")); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListPartners(ctx(t), "metro", "", 10)
	wantErr(t, "list", err, nil)
	diff(t, "list", list, []identity.Partner{p, second})
	list, err = s.ListPartners(ctx(t), "metro", "p1", 10)
	wantErr(t, "list after p1", err, nil)
	diff(t, "list after p1", list, []identity.Partner{second})
	_, err = s.ListPartners(ctx(t), "nowhere", "", 10)
	wantErr(t, "list unknown agency", err, errNotFound)

	at := base.Add(time.Hour)
	got, err = s.RevokePartner(ctx(t), "metro", "p1", at)
	wantErr(t, "revoke", err, nil)
	revoked := p
	revoked.State, revoked.RevokeTime = identity.PartnerRevoked, at
	diff(t, "revoked", got, revoked)
	got, err = s.RevokePartner(ctx(t), "metro", "p1", at.Add(time.Hour))
	wantErr(t, "revoke again", err, nil)
	diff(t, "revoked again keeps the first time", got, revoked)
	got, _ = s.PartnerByKeyID(ctx(t), "key1")
	diff(t, "revoked by key id", got, revoked)
	_, err = s.RevokePartner(ctx(t), "metro", "nobody", at)
	wantErr(t, "revoke unknown", err, errNotFound)
}
