package auth

import (
	"slices"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	"github.com/engagehq/engage/services/internal/access"
	"github.com/engagehq/engage/services/internal/errs"
)

var (
	errNoPolicy       = errs.Public(errs.PermissionDenied, "the method declares no access policy")
	errSignIn         = errs.Public(errs.Unauthenticated, "sign in to call this method")
	errNotAllowed     = errs.Public(errs.PermissionDenied, "the caller may not call this method")
	errNoAgencyInCall = errs.Public(errs.InvalidArgument, "the request names no agency resource")
)

// authorize decides whether p may call a method with policy about
// resource (the request's resource name; only AGENCY_ROLE reads it).
// Anonymous callers refused by a policy that a signed-in caller could pass
// get errs.Unauthenticated; signed-in callers get errs.PermissionDenied.
func authorize(policy *accessv1.Policy, p Principal, resource string) error {
	if policy.GetSelf() && p.Kind == Account {
		return nil
	}
	if policy.GetAllowServices() && p.Kind == Service {
		return nil
	}
	switch policy.GetAudience() {
	case accessv1.Audience_AUDIENCE_PUBLIC:
		return nil
	case accessv1.Audience_AUDIENCE_ACCOUNT:
		return require(p, p.Kind == Account)
	case accessv1.Audience_AUDIENCE_AGENCY_ROLE:
		if p.IsAnonymous() {
			return errSignIn
		}
		if p.Kind != Account && p.Kind != Partner {
			return errNotAllowed
		}
		agency := access.Agency(resource)
		if agency == "" {
			return errNoAgencyInCall
		}
		roles := policy.GetRoles()
		if p.HasRole(agency, roles...) {
			return nil
		}
		if p.Kind == Account && p.PlatformAdmin && slices.Contains(roles, accessv1.Role_ROLE_AGENCY_ADMIN) {
			return nil
		}
		return errNotAllowed
	case accessv1.Audience_AUDIENCE_PLATFORM_ADMIN:
		return require(p, p.Kind == Account && p.PlatformAdmin)
	case accessv1.Audience_AUDIENCE_SERVICE:
		return require(p, p.Kind == Service)
	default:
		return errNoPolicy
	}
}

// require turns a failed condition into the right error for p.
func require(p Principal, ok bool) error {
	switch {
	case ok:
		return nil
	case p.IsAnonymous():
		return errSignIn
	default:
		return errNotAllowed
	}
}
