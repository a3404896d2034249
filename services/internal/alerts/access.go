package alerts

import (
	"context"
	"fmt"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"google.golang.org/protobuf/proto"
)

// caller is who calls an alerts RPC about one agency. The policy
// interceptor has already admitted them: as an alert author or approver of
// the agency (agency admins hold every role) for the staff methods, or as
// anyone, signed in or not, for the public ones, whose answers the
// handlers narrow to what the caller may see.
type caller struct {
	principal auth.Principal
	// agency is the agency id and loc its time zone.
	agency string
	loc    *time.Location
	// staff is true for the agency's alert authors and approvers, and for
	// the Engage services: they see drafts, RESTRICTED alerts and the
	// fields only staff see.
	staff bool
}

// callerOf looks up the agency (errs.NotFound when it does not exist) and
// who the caller is in it.
func (s *Service) callerOf(ctx context.Context, agency string) (caller, error) {
	info, err := s.agencies.Agency(ctx, agency)
	if err != nil {
		return caller{}, err
	}
	p := auth.FromContext(ctx)
	c := caller{
		principal: p,
		agency:    agency,
		loc:       info.Location,
		staff: p.Kind == auth.Service ||
			p.HasRole(agency, accessv1.Role_ROLE_ALERT_AUTHOR, accessv1.Role_ROLE_ALERT_APPROVER),
	}
	if c.loc == nil {
		c.loc = time.UTC
	}
	return c, nil
}

// maySee reports whether the caller may read a: anyone a sent PUBLIC
// message (published, or since superseded or cancelled, so that a
// resident following a link sees what replaced it); only staff anything
// else: drafts, alerts awaiting approval or rejected, and RESTRICTED ones.
func (c caller) maySee(a *alertsv1.Alert) bool {
	if c.staff {
		return true
	}
	if a.GetScope() != alertsv1.Scope_SCOPE_PUBLIC {
		return false
	}
	switch a.GetState() {
	case alertsv1.Alert_STATE_PUBLISHED, alertsv1.Alert_STATE_SUPERSEDED, alertsv1.Alert_STATE_CANCELLED:
		return true
	}
	return false
}

// view returns a as the caller may see it: whole for staff, the public
// view for anyone else. a must be one the caller may see.
func (c caller) view(a *alertsv1.Alert) *alertsv1.Alert {
	if c.staff {
		return a
	}
	return publicView(a)
}

// publicView returns a copy of a without what only staff see: who wrote,
// published and approved it, why it was rejected, and how many streams it
// reached.
func publicView(a *alertsv1.Alert) *alertsv1.Alert {
	p := proto.Clone(a).(*alertsv1.Alert)
	p.DeliveryCount = 0
	p.Author, p.Publisher, p.Approver, p.RejectionReason = "", "", "", ""
	return p
}

// notFound is the error of something that does not exist or that the
// caller may not see: the two are indistinguishable.
func notFound(what, name string) error { return fmt.Errorf("%s %q: %w", what, name, errs.NotFound) }
