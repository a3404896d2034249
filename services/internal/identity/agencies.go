package identity

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/fieldmask"
	"github.com/engagehq/engage/services/internal/idempotent"
	"google.golang.org/protobuf/proto"
)

// agencyID is the contract's rule for new agency ids. Ids never contain
// "-" alone, which names the platform audit chain.
var agencyID = regexp.MustCompile(`^[a-z][a-z0-9-]{1,38}[a-z0-9]$`)

var errETagMismatch = errs.WithReason(errs.Public(errs.FailedPrecondition, "the agency was changed by someone else; read it again"), "ETAG_MISMATCH")

// CreateAgency creates a tenant. Platform administrators only.
func (s *agencies) CreateAgency(ctx context.Context, req *identityv1.CreateAgencyRequest) (*identityv1.Agency, error) {
	p := auth.FromContext(ctx)
	if !isPlatformAdmin(p) {
		return nil, errs.Public(errs.PermissionDenied, "only platform administrators may create agencies")
	}
	id := req.GetAgencyId()
	if !agencyID.MatchString(id) {
		return nil, errs.Field("agency_id", "must be 3 to 40 lowercase letters, digits and hyphens, starting with a letter")
	}
	in := req.GetAgency()
	if in == nil {
		return nil, errs.Field("agency", "is required")
	}
	now := s.now()
	a := Agency{ID: id, CreateTime: now, UpdateTime: now}
	if err := applyAgency(&a, in, allAgencyFields); err != nil {
		return nil, err
	}
	retry := idempotent.Of(p.Name, req.GetRequestId(), idempotent.Without(req, func(r *identityv1.CreateAgencyRequest) { r.RequestId = "" }), now)
	got, err := s.store.CreateAgency(ctx, a, retry)
	if errors.Is(err, errs.AlreadyExists) {
		return nil, errs.Public(errs.AlreadyExists, "agency %q already exists", id)
	}
	if err != nil {
		return nil, fmt.Errorf("create agency: %w", err)
	}
	if got.CreateTime.Equal(now) {
		s.log.InfoContext(ctx, "agency created", "agency", id, "by", p.Name)
	}
	return agencyToProto(got), nil
}

// The updatable fields of an agency, by their field-mask paths (see
// fieldmask for the rules).
const (
	fieldDisplayName = "display_name"
	fieldDescription = "description"
	fieldWebsiteURI  = "website_uri"
	fieldTimeZone    = "time_zone"
)

var allAgencyFields = []string{fieldDisplayName, fieldDescription, fieldWebsiteURI, fieldTimeZone}

// applyAgency validates the named fields of in and copies them into a.
func applyAgency(a *Agency, in *identityv1.Agency, fields []string) error {
	for _, f := range fields {
		switch f {
		case fieldDisplayName:
			v := strings.TrimSpace(in.GetDisplayName())
			if n := utf8.RuneCountInString(v); n < 1 || n > 120 {
				return errs.Field("agency.display_name", "must be 1 to 120 characters")
			}
			a.DisplayName = v
		case fieldDescription:
			v := strings.TrimSpace(in.GetDescription())
			if utf8.RuneCountInString(v) > 2000 {
				return errs.Field("agency.description", "must be at most 2000 characters")
			}
			a.Description = v
		case fieldWebsiteURI:
			v := strings.TrimSpace(in.GetWebsiteUri())
			if v != "" {
				u, err := url.Parse(v)
				if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(v) > 2000 {
					return errs.Field("agency.website_uri", "must be an http or https URL")
				}
			}
			a.WebsiteURI = v
		case fieldTimeZone:
			v := strings.TrimSpace(in.GetTimeZone())
			if v != "" {
				if _, err := time.LoadLocation(v); err != nil || v == "Local" || len(v) > 64 {
					return errs.Field("agency.time_zone", "must be an IANA time zone such as America/Chicago")
				}
			}
			a.TimeZone = v
		}
	}
	return nil
}

// GetAgency returns an agency's public profile.
func (s *agencies) GetAgency(ctx context.Context, req *identityv1.GetAgencyRequest) (*identityv1.Agency, error) {
	id, err := parseAgency("name", req.GetName())
	if err != nil {
		return nil, err
	}
	a, err := s.store.Agency(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get agency: %w", err)
	}
	return agencyToProto(a), nil
}

// ListAgencies lists agencies by id.
func (s *agencies) ListAgencies(ctx context.Context, req *identityv1.ListAgenciesRequest) (*identityv1.ListAgenciesResponse, error) {
	const scope = "agencies"
	after, n, err := readPage(scope, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	list, err := s.store.ListAgencies(ctx, after, n+1)
	if err != nil {
		return nil, fmt.Errorf("list agencies: %w", err)
	}
	list, next := trimPage(scope, list, n, func(a Agency) string { return a.ID })
	resp := &identityv1.ListAgenciesResponse{NextPageToken: next}
	for _, a := range list {
		resp.Agencies = append(resp.Agencies, agencyToProto(a))
	}
	return resp, nil
}

// UpdateAgency changes the fields named in update_mask: without one, those
// the request sets; with `*`, every updatable field. A non-empty etag must
// match the stored one.
func (s *agencies) UpdateAgency(ctx context.Context, req *identityv1.UpdateAgencyRequest) (*identityv1.Agency, error) {
	in := req.GetAgency()
	if in == nil {
		return nil, errs.Field("agency", "is required")
	}
	id, err := parseAgency("agency.name", in.GetName())
	if err != nil {
		return nil, err
	}
	if err := requireAgencyAdmin(ctx, id, "agency "+in.GetName()); err != nil {
		return nil, err
	}
	u, err := fieldmask.Resolve(req.GetUpdateMask(), in, allAgencyFields)
	if err != nil {
		return nil, err
	}
	// Validate before the transaction, so bad input costs no write.
	var check Agency
	if err := applyAgency(&check, in, u.Paths); err != nil {
		return nil, err
	}
	tag, now := in.GetEtag(), s.now()
	a, err := s.store.UpdateAgency(ctx, id, func(a *Agency) error {
		if tag != "" && !etagMatches(tag, a.Revision) {
			return errETagMismatch
		}
		if err := u.CheckImmutable(in, func() proto.Message { return agencyToProto(*a) }); err != nil {
			return err
		}
		a.UpdateTime = now
		return applyAgency(a, in, u.Paths)
	})
	if err != nil {
		return nil, fmt.Errorf("update agency: %w", err)
	}
	return agencyToProto(a), nil
}
