package identity

import (
	"context"
	"errors"
	"fmt"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/idempotent"
	"github.com/engagehq/engage/services/internal/ids"
	"github.com/engagehq/engage/services/internal/resname"
	"google.golang.org/protobuf/types/known/emptypb"
)

// validRole reports whether r is a role one can bind.
func validRole(r accessv1.Role) bool {
	_, known := accessv1.Role_name[int32(r)]
	return known && r != accessv1.Role_ROLE_UNSPECIFIED
}

// CreateRoleBinding grants a role in an agency to an existing account or
// partner; the partner may belong to another agency.
func (s *agencies) CreateRoleBinding(ctx context.Context, req *identityv1.CreateRoleBindingRequest) (*identityv1.RoleBinding, error) {
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	if err := requireAgencyAdmin(ctx, agency, "agency "+req.GetParent()); err != nil {
		return nil, err
	}
	in := req.GetRoleBinding()
	if in == nil {
		return nil, errs.Field("role_binding", "is required")
	}
	if !validRole(in.GetRole()) {
		return nil, errs.Field("role_binding.role", "must be a defined role")
	}
	if err := s.checkMember(ctx, "role_binding.member", in.GetMember()); err != nil {
		return nil, err
	}
	b := RoleBinding{
		Agency:     agency,
		ID:         ids.New(),
		Member:     in.GetMember(),
		Role:       in.GetRole(),
		Grantor:    auth.FromContext(ctx).Name,
		CreateTime: s.now(),
	}
	retry := idempotent.Of(b.Grantor, req.GetRequestId(), idempotent.Without(req, func(r *identityv1.CreateRoleBindingRequest) { r.RequestId = "" }), b.CreateTime)
	got, err := s.store.CreateRoleBinding(ctx, b, retry)
	if errors.Is(err, errs.AlreadyExists) {
		return nil, errs.Public(errs.AlreadyExists, "%s already holds %s in %s", b.Member, b.Role, req.GetParent())
	}
	if err != nil {
		return nil, fmt.Errorf("create role binding: %w", err)
	}
	if got.ID == b.ID {
		s.log.InfoContext(ctx, "role granted", "agency", agency, "member", b.Member, "role", b.Role.String(), "by", b.Grantor)
	}
	return bindingToProto(got), nil
}

// checkMember checks that a binding's member exists: an account, or a
// partner that has not been revoked.
func (s *Service) checkMember(ctx context.Context, field, member string) error {
	account, partnerAgency, partner, err := parseMember(field, member)
	if err != nil {
		return err
	}
	if account != "" {
		_, err = s.store.Account(ctx, account)
	} else {
		var p Partner
		p, err = s.store.Partner(ctx, partnerAgency, partner)
		if err == nil && p.State != PartnerActive {
			return errs.Field(field, "the partner's key is revoked")
		}
	}
	if errors.Is(err, errs.NotFound) {
		return errs.Field(field, "%s does not exist", member)
	}
	if err != nil {
		return fmt.Errorf("check member %s: %w", member, err)
	}
	return nil
}

// parseBinding returns the agency and id of a binding name after checking
// that the caller may manage the agency.
func parseBinding(ctx context.Context, name string) (agency, id string, err error) {
	parts, err := resname.Split("name", name, "agencies/{agency}/roleBindings/{role_binding}")
	if err != nil {
		return "", "", err
	}
	if err := requireAgencyAdmin(ctx, parts[0], "role binding "+name); err != nil {
		return "", "", err
	}
	return parts[0], parts[1], nil
}

// GetRoleBinding returns one binding.
func (s *agencies) GetRoleBinding(ctx context.Context, req *identityv1.GetRoleBindingRequest) (*identityv1.RoleBinding, error) {
	agency, id, err := parseBinding(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	b, err := s.store.RoleBinding(ctx, agency, id)
	if err != nil {
		return nil, fmt.Errorf("get role binding: %w", err)
	}
	return bindingToProto(b), nil
}

// ListRoleBindings lists an agency's bindings in the order they were made.
func (s *agencies) ListRoleBindings(ctx context.Context, req *identityv1.ListRoleBindingsRequest) (*identityv1.ListRoleBindingsResponse, error) {
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	if err := requireAgencyAdmin(ctx, agency, "agency "+req.GetParent()); err != nil {
		return nil, err
	}
	scope := "roleBindings:" + agency
	after, n, err := readPage(scope, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	list, err := s.store.ListRoleBindings(ctx, agency, after, n+1)
	if err != nil {
		return nil, fmt.Errorf("list role bindings: %w", err)
	}
	list, next := trimPage(scope, list, n, func(b RoleBinding) string { return b.ID })
	resp := &identityv1.ListRoleBindingsResponse{NextPageToken: next}
	for _, b := range list {
		resp.RoleBindings = append(resp.RoleBindings, bindingToProto(b))
	}
	return resp, nil
}

// DeleteRoleBinding revokes a binding; tokens issued from then on no
// longer carry the role.
func (s *agencies) DeleteRoleBinding(ctx context.Context, req *identityv1.DeleteRoleBindingRequest) (*emptypb.Empty, error) {
	agency, id, err := parseBinding(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	if err := s.store.DeleteRoleBinding(ctx, agency, id); err != nil {
		return nil, fmt.Errorf("delete role binding: %w", err)
	}
	s.log.InfoContext(ctx, "role binding deleted", "agency", agency, "binding", id, "by", auth.FromContext(ctx).Name)
	return &emptypb.Empty{}, nil
}
