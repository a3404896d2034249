package identity

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/idempotent"
	"github.com/engagehq/engage/services/internal/ids"
	"github.com/engagehq/engage/services/internal/resname"
)

// CreatePartner creates a partner with a new API key, returned only in this
// response, and binds the requested roles in the parent agency.
func (s *partners) CreatePartner(ctx context.Context, req *identityv1.CreatePartnerRequest) (*identityv1.Partner, error) {
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	if err := requireAgencyAdmin(ctx, agency, "agency "+req.GetParent()); err != nil {
		return nil, err
	}
	in := req.GetPartner()
	if in == nil {
		return nil, errs.Field("partner", "is required")
	}
	name := strings.TrimSpace(in.GetDisplayName())
	if n := utf8.RuneCountInString(name); n < 1 || n > 120 {
		return nil, errs.Field("partner.display_name", "must be 1 to 120 characters")
	}
	var roles []accessv1.Role
	for _, r := range in.GetRoles() {
		if !validRole(r) {
			return nil, errs.Field("partner.roles", "must be defined roles")
		}
		if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	if len(roles) > 8 {
		return nil, errs.Field("partner.roles", "must be at most 8 roles")
	}

	key, keyID, hash, prefix := auth.NewAPIKey()
	now, grantor := s.now(), auth.FromContext(ctx).Name
	p := Partner{
		Agency:      agency,
		ID:          ids.New(),
		DisplayName: name,
		KeyID:       keyID,
		KeyHash:     hash,
		KeyPrefix:   prefix,
		State:       PartnerActive,
		CreateTime:  now,
	}
	bindings := make([]RoleBinding, 0, len(roles))
	for _, r := range roles {
		bindings = append(bindings, RoleBinding{
			Agency: agency, ID: ids.New(), Member: p.Name(), Role: r, Grantor: grantor, CreateTime: now,
		})
	}
	retry := idempotent.Of(grantor, req.GetRequestId(), idempotent.Without(req, func(r *identityv1.CreatePartnerRequest) { r.RequestId = "" }), now)
	got, err := s.store.CreatePartner(ctx, p, bindings, retry)
	if err != nil {
		return nil, fmt.Errorf("create partner: %w", err)
	}
	fresh := got.ID == p.ID
	out, err := s.partnerProto(ctx, got)
	if err != nil {
		return nil, err
	}
	if fresh {
		out.ApiKey = key
		s.log.InfoContext(ctx, "partner created", "partner", got.Name(), "key_prefix", prefix, "by", grantor)
	}
	return out, nil
}

// partnerProto renders a partner with the roles it holds in its agency.
func (s *Service) partnerProto(ctx context.Context, p Partner) (*identityv1.Partner, error) {
	roles, err := s.store.MemberRoles(ctx, p.Name())
	if err != nil {
		return nil, fmt.Errorf("roles of %s: %w", p.Name(), err)
	}
	return partnerToProto(p, roles[p.Agency]), nil
}

// parsePartner returns the agency and id of a partner name after checking
// that the caller may manage the agency.
func parsePartner(ctx context.Context, name string) (agency, id string, err error) {
	parts, err := resname.Split("name", name, "agencies/{agency}/partners/{partner}")
	if err != nil {
		return "", "", err
	}
	if err := requireAgencyAdmin(ctx, parts[0], "partner "+name); err != nil {
		return "", "", err
	}
	return parts[0], parts[1], nil
}

// GetPartner returns a partner, never its key.
func (s *partners) GetPartner(ctx context.Context, req *identityv1.GetPartnerRequest) (*identityv1.Partner, error) {
	agency, id, err := parsePartner(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	p, err := s.store.Partner(ctx, agency, id)
	if err != nil {
		return nil, fmt.Errorf("get partner: %w", err)
	}
	return s.partnerProto(ctx, p)
}

// ListPartners lists an agency's partners in the order they were created.
func (s *partners) ListPartners(ctx context.Context, req *identityv1.ListPartnersRequest) (*identityv1.ListPartnersResponse, error) {
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	if err := requireAgencyAdmin(ctx, agency, "agency "+req.GetParent()); err != nil {
		return nil, err
	}
	scope := "partners:" + agency
	after, n, err := readPage(scope, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	list, err := s.store.ListPartners(ctx, agency, after, n+1)
	if err != nil {
		return nil, fmt.Errorf("list partners: %w", err)
	}
	list, next := trimPage(scope, list, n, func(p Partner) string { return p.ID })
	resp := &identityv1.ListPartnersResponse{NextPageToken: next}
	for _, p := range list {
		pp, err := s.partnerProto(ctx, p)
		if err != nil {
			return nil, err
		}
		resp.Partners = append(resp.Partners, pp)
	}
	return resp, nil
}

// RevokePartner revokes a partner's key; it stops working at once in this
// process. Services that resolve keys remotely cache answers briefly (see
// auth.RemoteAPIKeys).
func (s *partners) RevokePartner(ctx context.Context, req *identityv1.RevokePartnerRequest) (*identityv1.Partner, error) {
	agency, id, err := parsePartner(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	p, err := s.store.RevokePartner(ctx, agency, id, s.now())
	if err != nil {
		return nil, fmt.Errorf("revoke partner: %w", err)
	}
	s.log.InfoContext(ctx, "partner revoked", "partner", p.Name(), "by", auth.FromContext(ctx).Name)
	return s.partnerProto(ctx, p)
}
