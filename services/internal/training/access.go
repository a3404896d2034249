package training

import (
	"context"
	"errors"
	"fmt"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
)

// caller is who calls a training RPC about one agency. The policy
// interceptor has already admitted them: as a trainer or agency admin of
// the agency, or (for `self` methods) as any signed-in account, whose
// access the handler narrows to their own officer's records.
type caller struct {
	principal auth.Principal
	// agency is the agency id and loc its time zone.
	agency string
	loc    *time.Location
	// trainer is true for the agency's trainers and admins.
	trainer bool
	// officer is the name of the active officer of the agency linked to
	// the caller's account; empty when there is none, and not looked up
	// for trainers.
	officer string
}

// callerOf looks up the agency (errs.NotFound when it does not exist) and
// who the caller is in it.
func (s *Service) callerOf(ctx context.Context, agency string) (caller, error) {
	info, err := s.agencies.Agency(ctx, agency)
	if err != nil {
		return caller{}, err
	}
	p := auth.FromContext(ctx)
	c := caller{principal: p, agency: agency, loc: info.Location, trainer: p.HasRole(agency, accessv1.Role_ROLE_TRAINER)}
	if c.loc == nil {
		c.loc = time.UTC
	}
	if !c.trainer && p.AccountID() != "" {
		o, err := s.store.OfficerByAccount(ctx, agencyName(agency), p.Name)
		switch {
		case err == nil:
			c.officer = o.GetName()
		case errors.Is(err, errs.NotFound):
		default:
			return caller{}, err
		}
	}
	return c, nil
}

// mayRead reports whether the caller may see the records of officer (its
// name): trainers may see every officer's of their agency, an officer only
// their own.
func (c caller) mayRead(officer string) bool {
	return c.trainer || (c.officer != "" && c.officer == officer)
}

// today is the caller's agency's current day.
func (c caller) today(now time.Time) string { return dayOf(now, c.loc) }

// notFound is the error of something that does not exist or that the
// caller may not see: the two are indistinguishable.
func notFound(what, name string) error { return fmt.Errorf("%s %q: %w", what, name, errs.NotFound) }
