package identity

import (
	"context"
	"fmt"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
)

// The handlers repeat the checks of the auth interceptor on the objects
// they touch, so that a mistake in a declared policy cannot expose another
// agency's data; what the caller may not see is reported as NOT_FOUND.

// isPlatformAdmin reports whether p administers the deployment (the token
// carries it only for MFA sessions).
func isPlatformAdmin(p auth.Principal) bool {
	return p.Kind == auth.Account && p.PlatformAdmin
}

// canAdminAgency reports whether p may manage agency: its agency
// administrators, and the platform administrators.
func canAdminAgency(p auth.Principal, agency string) bool {
	return p.HasRole(agency, accessv1.Role_ROLE_AGENCY_ADMIN) || isPlatformAdmin(p)
}

// requireAgencyAdmin returns errs.NotFound about what when the caller may
// not manage agency.
func requireAgencyAdmin(ctx context.Context, agency, what string) error {
	if !canAdminAgency(auth.FromContext(ctx), agency) {
		return fmt.Errorf("%s: %w", what, errs.NotFound)
	}
	return nil
}
