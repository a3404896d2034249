package training

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/etag"
	"github.com/engagehq/engage/services/internal/filter"
	"github.com/engagehq/engage/services/internal/idempotent"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Enrollments: trainers create and cancel them; the officer and trainers
// record progress and scored attempts (the scoring is in
// certifications.go, since passing issues a certification). Every read and
// write first checks the caller may see the enrollment's officer.

// errUnchanged is what a mutate function returns when the request changes
// nothing, so that nothing is written and the record is returned as is.
var errUnchanged = errors.New("unchanged")

// CreateEnrollment enrolls one officer in a course.
func (s *enrollmentServer) CreateEnrollment(ctx context.Context, req *trainingv1.CreateEnrollmentRequest) (*trainingv1.Enrollment, error) {
	agency, _, err := parseChild("parent", req.GetParent(), officerPattern)
	if err != nil {
		return nil, err
	}
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	if !c.trainer || strings.HasSuffix(req.GetParent(), "/"+allOfficers) {
		return nil, notFound("officer", req.GetParent())
	}
	in := req.GetEnrollment()
	if in.GetCourse() == "" {
		return nil, errs.Field("enrollment.course", "is required")
	}
	a, err := s.newAssignment(ctx, c, "enrollment.", in.GetCourse(), in.GetDueDate(), in.GetReason())
	if err != nil {
		return nil, err
	}
	if err := s.checkOfficers(ctx, agency, "parent", []string{req.GetParent()}); err != nil {
		return nil, err
	}
	retry := s.retryOf(ctx, req.GetRequestId(), idempotent.Without(req, func(r *trainingv1.CreateEnrollmentRequest) { r.RequestId = "" }))
	created, _, err := s.store.CreateEnrollments(ctx, a.enrollments([]string{req.GetParent()}), retry)
	if err != nil {
		return nil, fmt.Errorf("enroll %s: %w", req.GetParent(), err)
	}
	if len(created) == 0 {
		return nil, fmt.Errorf("%s already has an open enrollment in %s: %w", req.GetParent(), in.GetCourse(), errs.AlreadyExists)
	}
	return presentEnrollment(created[0], c.today(s.now())), nil
}

// GetEnrollment returns an enrollment.
func (s *enrollmentServer) GetEnrollment(ctx context.Context, req *trainingv1.GetEnrollmentRequest) (*trainingv1.Enrollment, error) {
	c, err := s.recordCaller(ctx, req.GetName(), enrollmentPattern)
	if err != nil {
		return nil, err
	}
	e, err := s.store.Enrollment(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	return presentEnrollment(e, c.today(s.now())), nil
}

// enrollmentFilter is what ListEnrollments' filter may test.
var enrollmentFilter = filter.Schema{
	"state": {Kind: filter.Enum, Prefix: "STATE_", Values: []string{
		trainingv1.Enrollment_STATE_ASSIGNED.String(), trainingv1.Enrollment_STATE_IN_PROGRESS.String(),
		trainingv1.Enrollment_STATE_COMPLETED.String(), trainingv1.Enrollment_STATE_CANCELLED.String(),
	}},
	"course":  {Kind: filter.String},
	"overdue": {Kind: filter.Bool},
}

// ListEnrollments lists an officer's enrollments, or the agency's,
// soonest due first.
func (s *enrollmentServer) ListEnrollments(ctx context.Context, req *trainingv1.ListEnrollmentsRequest) (*trainingv1.ListEnrollmentsResponse, error) {
	conds, err := filter.Parse(req.GetFilter(), enrollmentFilter)
	if err != nil {
		return nil, err
	}
	c, err := s.listCaller(ctx, req.GetParent())
	if err != nil {
		return nil, err
	}
	scope := strings.Join([]string{"ListEnrollments", req.GetParent(), req.GetFilter()}, "\x00")
	page, err := pageOf(scope, req.GetPageToken(), req.GetPageSize(), maxRecords)
	if err != nil {
		return nil, err
	}
	today := c.today(s.now())
	keep := func(e *trainingv1.Enrollment) bool {
		e = presentEnrollment(e, today)
		return matchAll(conds, map[string]any{
			"state": e.GetState().String(), "course": e.GetCourse(), "overdue": e.GetOverdue(),
		})
	}
	es, next, err := s.store.ListEnrollments(ctx, req.GetParent(), page, keep)
	if err != nil {
		return nil, fmt.Errorf("list enrollments of %s: %w", req.GetParent(), err)
	}
	out := &trainingv1.ListEnrollmentsResponse{NextPageToken: nextToken(scope, next)}
	for _, e := range es {
		out.Enrollments = append(out.Enrollments, presentEnrollment(e, today))
	}
	return out, nil
}

// RecordEnrollmentProgress records a module of the course as done.
func (s *enrollmentServer) RecordEnrollmentProgress(ctx context.Context, req *trainingv1.RecordEnrollmentProgressRequest) (*trainingv1.Enrollment, error) {
	c, err := s.recordCaller(ctx, req.GetName(), enrollmentPattern)
	if err != nil {
		return nil, err
	}
	if req.GetModule() == "" {
		return nil, errs.Field("module", "is required")
	}
	e, err := s.store.Enrollment(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	course, err := s.store.Course(ctx, e.GetCourse())
	if err != nil {
		return nil, fmt.Errorf("course of %s: %w", req.GetName(), err)
	}
	var modules []string
	for _, m := range course.GetModules() {
		modules = append(modules, m.GetId())
	}
	if !slices.Contains(modules, req.GetModule()) {
		return nil, errs.Field("module", "is not a module of %s (its modules: %s)", course.GetName(), strings.Join(modules, ", "))
	}
	now := s.now()
	e, err = s.store.UpdateEnrollment(ctx, req.GetName(), func(e *trainingv1.Enrollment) error {
		if err := checkOpen(e); err != nil {
			return err
		}
		if err := etag.CheckCurrent("etag", req.GetEtag(), e.GetEtag()); err != nil {
			return err
		}
		if slices.Contains(e.GetCompletedModules(), req.GetModule()) {
			return errUnchanged
		}
		done := append(slices.Clone(e.GetCompletedModules()), req.GetModule())
		e.CompletedModules = slices.DeleteFunc(slices.Clone(modules), func(m string) bool { return !slices.Contains(done, m) })
		e.State = trainingv1.Enrollment_STATE_IN_PROGRESS
		e.UpdateTime = timestamppb.New(now)
		return nil
	})
	if errors.Is(err, errUnchanged) {
		e, err = s.store.Enrollment(ctx, req.GetName())
	}
	if err != nil {
		return nil, err
	}
	return presentEnrollment(e, c.today(now)), nil
}

// CancelEnrollment withdraws an open enrollment.
func (s *enrollmentServer) CancelEnrollment(ctx context.Context, req *trainingv1.CancelEnrollmentRequest) (*trainingv1.Enrollment, error) {
	c, err := s.recordCaller(ctx, req.GetName(), enrollmentPattern)
	if err != nil {
		return nil, err
	}
	if !c.trainer {
		return nil, notFound("enrollment", req.GetName())
	}
	now := s.now()
	e, err := s.store.UpdateEnrollment(ctx, req.GetName(), func(e *trainingv1.Enrollment) error {
		if err := checkOpen(e); err != nil {
			return err
		}
		if err := etag.CheckCurrent("etag", req.GetEtag(), e.GetEtag()); err != nil {
			return err
		}
		e.State = trainingv1.Enrollment_STATE_CANCELLED
		e.CancelReason = req.GetReason()
		e.UpdateTime = timestamppb.New(now)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return presentEnrollment(e, c.today(now)), nil
}

// recordCaller parses the name of a record under an officer (of pattern)
// and returns the caller, or NOT_FOUND when they may not see the
// officer's records.
func (s *Service) recordCaller(ctx context.Context, name, pattern string) (caller, error) {
	agency, _, err := parseChild("name", name, pattern)
	if err != nil {
		return caller{}, err
	}
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return caller{}, err
	}
	if !c.mayRead(officerOf(name)) {
		return caller{}, notFound("record", name)
	}
	return c, nil
}

// listCaller parses a list's parent, an officer or `officers/-`, and
// returns the caller, or NOT_FOUND when they may not see what it holds:
// only trainers list the whole agency.
func (s *Service) listCaller(ctx context.Context, parent string) (caller, error) {
	agency, ids, err := parseChild("parent", parent, officerPattern)
	if err != nil {
		return caller{}, err
	}
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return caller{}, err
	}
	if ids[0] == allOfficers && c.trainer {
		return c, nil
	}
	if ids[0] == allOfficers || !c.mayRead(parent) {
		return caller{}, notFound("officer", parent)
	}
	return c, nil
}

// checkOpen fails unless an enrollment is open.
func checkOpen(e *trainingv1.Enrollment) error {
	if !isOpen(e) {
		return fmt.Errorf("enrollment %s is %s, no longer open: %w", e.GetName(), e.GetState(), errs.FailedPrecondition)
	}
	return nil
}

// isOpen reports whether an enrollment is ASSIGNED or IN_PROGRESS.
func isOpen(e *trainingv1.Enrollment) bool {
	return e.GetState() == trainingv1.Enrollment_STATE_ASSIGNED || e.GetState() == trainingv1.Enrollment_STATE_IN_PROGRESS
}

// presentEnrollment sets what an enrollment computes on read as of day
// today: whether it is overdue.
func presentEnrollment(e *trainingv1.Enrollment, today string) *trainingv1.Enrollment {
	e.Overdue = isOpen(e) && overdue(e.GetDueDate(), today)
	return e
}

// matchAll reports whether the values of a record's filterable fields
// satisfy every condition.
func matchAll(conds []filter.Condition, values map[string]any) bool {
	for _, c := range conds {
		if !c.Match(values[c.Field]) {
			return false
		}
	}
	return true
}
