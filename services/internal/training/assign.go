package training

import (
	"context"
	"errors"
	"fmt"
	"strings"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/idempotent"
	"github.com/engagehq/engage/services/internal/ids"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Assigning a course creates one enrollment per officer, all in one store
// transaction: either every officer gets theirs or none does. Officers
// who already have an open enrollment in the course keep it and are
// reported as skipped.
//
// A course that does not exist is NOT_FOUND; a retired one is
// FAILED_PRECONDITION, since the trainer can see it but it takes no new
// enrollments. An officer of another agency in the request is bad input
// (INVALID_ARGUMENT naming `officers`); one that does not exist or was
// deactivated is NOT_FOUND, like any record that is not there.

// AssignCourse assigns a course to officers, or to every active officer of
// a unit.
func (s *courseServer) AssignCourse(ctx context.Context, req *trainingv1.AssignCourseRequest) (*trainingv1.AssignCourseResponse, error) {
	agency, _, err := parseChild("name", req.GetName(), coursePattern)
	if err != nil {
		return nil, err
	}
	switch {
	case len(req.GetOfficers()) > 0 && req.GetUnit() != "":
		return nil, errs.Field("unit", "must be empty when officers are given: set exactly one of officers and unit")
	case len(req.GetOfficers()) == 0 && req.GetUnit() == "":
		return nil, errs.Field("officers", "is empty and so is unit: set exactly one of them")
	}
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	if !c.trainer {
		return nil, notFound("course", req.GetName())
	}
	a, err := s.newAssignment(ctx, c, "", req.GetName(), req.GetDueDate(), req.GetReason())
	if err != nil {
		return nil, err
	}
	officers := req.GetOfficers()
	if req.GetUnit() != "" {
		if officers, err = s.unitOfficers(ctx, agency, req.GetUnit()); err != nil {
			return nil, err
		}
	} else if err := s.checkOfficers(ctx, agency, "officers", officers); err != nil {
		return nil, err
	}
	retry := s.retryOf(ctx, req.GetRequestId(), idempotent.Without(req, func(r *trainingv1.AssignCourseRequest) { r.RequestId = "" }))
	created, skipped, err := s.store.CreateEnrollments(ctx, a.enrollments(officers), retry)
	if err != nil {
		return nil, fmt.Errorf("assign %s: %w", req.GetName(), err)
	}
	out := &trainingv1.AssignCourseResponse{SkippedOfficers: skipped}
	today := c.today(s.now())
	for _, e := range created {
		out.Enrollments = append(out.Enrollments, presentEnrollment(e, today))
	}
	return out, nil
}

// assignment is a validated assignment of a course, ready to become
// enrollments.
type assignment struct {
	course   *trainingv1.Course
	due      string
	reason   string
	assigner string
	now      *timestamppb.Timestamp
}

// newAssignment checks an assignment of course due on due: the due day is
// a real day no earlier than the agency's today, and the course exists in
// the caller's agency and is not retired. Fields are named with prefix
// ("" or "enrollment.").
func (s *Service) newAssignment(ctx context.Context, c caller, prefix, course, due, reason string) (assignment, error) {
	if _, err := parseDay(prefix+"due_date", due); err != nil {
		return assignment{}, err
	}
	now := s.now()
	if today := c.today(now); due < today {
		return assignment{}, errs.Field(prefix+"due_date", "is before today (%s in the agency's time zone)", today)
	}
	if agency, _, err := parseChild(prefix+"course", course, coursePattern); err != nil {
		return assignment{}, err
	} else if agency != c.agency {
		return assignment{}, errs.Field(prefix+"course", "must be a course of agency %s", c.agency)
	}
	co, err := s.store.Course(ctx, course)
	if err != nil {
		return assignment{}, fmt.Errorf("course %q: %w", course, err)
	}
	if co.GetDeleteTime() != nil {
		return assignment{}, fmt.Errorf("course %q is retired and takes no new enrollments: %w", course, errs.FailedPrecondition)
	}
	return assignment{course: co, due: due, reason: reason, assigner: c.principal.Name, now: timestamppb.New(now)}, nil
}

// enrollments returns a new enrollment for each officer.
func (a assignment) enrollments(officers []string) []*trainingv1.Enrollment {
	out := make([]*trainingv1.Enrollment, 0, len(officers))
	for _, o := range officers {
		out = append(out, &trainingv1.Enrollment{
			Name:        o + "/enrollments/" + ids.New(),
			Course:      a.course.GetName(),
			CourseTitle: a.course.GetTitle(),
			DueDate:     a.due,
			Reason:      a.reason,
			State:       trainingv1.Enrollment_STATE_ASSIGNED,
			Assigner:    a.assigner,
			CreateTime:  a.now,
			UpdateTime:  a.now,
		})
	}
	return out
}

// checkOfficers checks that every officer is of agency (field names the
// list) and is active.
func (s *Service) checkOfficers(ctx context.Context, agency, field string, officers []string) error {
	for _, name := range officers {
		a, _, err := parseChild(field, name, officerPattern)
		if err != nil {
			return err
		}
		if a != agency || strings.HasSuffix(name, "/"+allOfficers) {
			return errs.Field(field, "%s is not an officer of agency %s", name, agency)
		}
	}
	for _, name := range officers {
		o, err := s.store.Officer(ctx, name)
		if errors.Is(err, errs.NotFound) || (err == nil && o.GetDeleteTime() != nil) {
			return notFound("active officer", name)
		}
		if err != nil {
			return fmt.Errorf("officer %q: %w", name, err)
		}
	}
	return nil
}

// unitOfficers returns the names of the active officers of a unit.
func (s *Service) unitOfficers(ctx context.Context, agency, unit string) ([]string, error) {
	keep := func(o *trainingv1.Officer) bool { return o.GetUnit() == unit && o.GetDeleteTime() == nil }
	var out []string
	page := Page{Size: maxOfficers}
	for {
		os, next, err := s.store.ListOfficers(ctx, agencyName(agency), page, keep)
		if err != nil {
			return nil, fmt.Errorf("officers of unit %q: %w", unit, err)
		}
		for _, o := range os {
			out = append(out, o.GetName())
		}
		if next == nil {
			return out, nil
		}
		page.After = next
	}
}
