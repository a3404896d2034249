package identity

import (
	"maps"
	"slices"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/etag"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// timestamp converts t, leaving the zero time unset.
func timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// agencyRoles renders roles per agency id, ordered by agency.
func agencyRoles(roles map[string][]accessv1.Role) []*identityv1.AgencyRoles {
	out := make([]*identityv1.AgencyRoles, 0, len(roles))
	for _, agency := range slices.Sorted(maps.Keys(roles)) {
		out = append(out, &identityv1.AgencyRoles{Agency: agencyName(agency), Roles: slices.Clone(roles[agency])})
	}
	return out
}

func accountToProto(a Account, roles map[string][]accessv1.Role) *identityv1.Account {
	return &identityv1.Account{
		Name:          accountName(a.ID),
		Email:         a.Email,
		DisplayName:   a.DisplayName,
		TotpEnabled:   a.TOTP.Enabled,
		PlatformAdmin: a.PlatformAdmin,
		AgencyRoles:   agencyRoles(roles),
		CreateTime:    timestamp(a.CreateTime),
	}
}

// etagOf renders an agency's revision as a quoted string, as HTTP does.
func etagOf(revision int64) string { return etag.Format(revision) }

// etagMatches compares a client's etag with a revision; quotes and a weak
// prefix are optional on input.
func etagMatches(tag string, revision int64) bool {
	rev, ok := etag.Parse(tag)
	return ok && rev == revision
}

func agencyToProto(a Agency) *identityv1.Agency {
	return &identityv1.Agency{
		Name:        agencyName(a.ID),
		DisplayName: a.DisplayName,
		Description: a.Description,
		WebsiteUri:  a.WebsiteURI,
		TimeZone:    a.TimeZone,
		CreateTime:  timestamp(a.CreateTime),
		UpdateTime:  timestamp(a.UpdateTime),
		Etag:        etagOf(a.Revision),
	}
}

func bindingToProto(b RoleBinding) *identityv1.RoleBinding {
	return &identityv1.RoleBinding{
		Name:       bindingName(b.Agency, b.ID),
		Member:     b.Member,
		Role:       b.Role,
		Grantor:    b.Grantor,
		CreateTime: timestamp(b.CreateTime),
	}
}

// partnerToProto renders a partner with the roles it holds in its own
// agency. The key is never part of it; CreatePartner adds it once.
func partnerToProto(p Partner, roles []accessv1.Role) *identityv1.Partner {
	state := identityv1.Partner_STATE_ACTIVE
	if p.State == PartnerRevoked {
		state = identityv1.Partner_STATE_REVOKED
	}
	return &identityv1.Partner{
		Name:        p.Name(),
		DisplayName: p.DisplayName,
		Roles:       slices.Clone(roles),
		KeyPrefix:   p.KeyPrefix,
		State:       state,
		CreateTime:  timestamp(p.CreateTime),
		RevokeTime:  timestamp(p.RevokeTime),
	}
}

func auditToProto(e AuditEvent) *identityv1.AuditEvent {
	return &identityv1.AuditEvent{
		Name:          auditEventName(e.Chain, e.Sequence),
		Actor:         e.Actor,
		Method:        e.Method,
		Resource:      e.Resource,
		Outcome:       e.Outcome,
		EventTime:     timestamp(e.Time),
		CorrelationId: e.CorrelationID,
		Service:       e.Service,
		Details:       e.Details,
		Sequence:      e.Sequence,
		Hash:          e.Hash,
		PreviousHash:  e.PreviousHash,
	}
}
