package training

import (
	"context"
	"fmt"
	"strings"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/filter"
	"github.com/engagehq/engage/services/internal/idempotent"
	"github.com/engagehq/engage/services/internal/ids"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Scored attempts and the certifications passing issues. Every attempt,
// passed or failed, is recorded as a Completion (for xAPI); a passed one
// also completes the enrollment and issues a certification valid for the
// course's recertification interval. A certification's state is computed
// each time it is read, as of the agency's today.

// CompleteEnrollment records a scored attempt.
func (s *enrollmentServer) CompleteEnrollment(ctx context.Context, req *trainingv1.CompleteEnrollmentRequest) (*trainingv1.Enrollment, error) {
	c, err := s.recordCaller(ctx, req.GetName(), enrollmentPattern)
	if err != nil {
		return nil, err
	}
	if req.Score == nil {
		return nil, errs.Field("score", "is required")
	}
	score := req.GetScore()
	if score < 0 || score > 100 {
		return nil, errs.Field("score", "must be from 0 to 100")
	}
	officer, err := s.store.Officer(ctx, officerOf(req.GetName()))
	if err != nil {
		return nil, fmt.Errorf("officer of %s: %w", req.GetName(), err)
	}
	now := s.now()
	today := c.today(now)
	retry := s.retryOf(ctx, req.GetRequestId(), idempotent.Without(req, func(r *trainingv1.CompleteEnrollmentRequest) { r.RequestId = "" }))
	e, err := s.store.CompleteEnrollment(ctx, req.GetName(), retry, func(e *trainingv1.Enrollment, course *trainingv1.Course) (*Completion, *trainingv1.Certification, error) {
		if err := checkOpen(e); err != nil {
			return nil, nil, err
		}
		if missing := missingModules(e, course); len(missing) > 0 {
			return nil, nil, fmt.Errorf("modules not done yet: %s: %w", strings.Join(missing, ", "), errs.FailedPrecondition)
		}
		passed := score >= course.GetPassMark()
		e.AttemptCount++
		e.LastScore = proto.Int32(score)
		e.UpdateTime = timestamppb.New(now)
		e.State = trainingv1.Enrollment_STATE_IN_PROGRESS
		completion := &Completion{
			ID:      ids.New(),
			Officer: officer.GetName(), Account: officer.GetAccount(),
			Course: course.GetName(), Title: course.GetTitle(),
			Source: e.GetName(),
			Score:  score, PassMark: course.GetPassMark(), Passed: passed,
			Date: today, Time: now,
		}
		if !passed {
			return completion, nil, nil
		}
		completion.CreditHours = course.GetCreditHours()
		cert := &trainingv1.Certification{
			Name:           officer.GetName() + "/certifications/" + ids.New(),
			Course:         course.GetName(),
			CourseTitle:    course.GetTitle(),
			Score:          proto.Int32(score),
			CreditHours:    course.GetCreditHours(),
			CompletionDate: today,
			ExpireDate:     expireDay(today, course.GetRecertificationMonths()),
			Source:         e.GetName(),
			CreateTime:     timestamppb.New(now),
		}
		e.State = trainingv1.Enrollment_STATE_COMPLETED
		e.CompleteTime = timestamppb.New(now)
		e.Certification = cert.GetName()
		return completion, cert, nil
	})
	if err != nil {
		return nil, err
	}
	return presentEnrollment(e, today), nil
}

// missingModules returns the ids of the course's modules the enrollment
// has not done, in course order.
func missingModules(e *trainingv1.Enrollment, course *trainingv1.Course) []string {
	done := make(map[string]bool, len(e.GetCompletedModules()))
	for _, m := range e.GetCompletedModules() {
		done[m] = true
	}
	var missing []string
	for _, m := range course.GetModules() {
		if !done[m.GetId()] {
			missing = append(missing, m.GetId())
		}
	}
	return missing
}

// GetCertification returns a certification.
func (s *enrollmentServer) GetCertification(ctx context.Context, req *trainingv1.GetCertificationRequest) (*trainingv1.Certification, error) {
	c, err := s.recordCaller(ctx, req.GetName(), certificationPattern)
	if err != nil {
		return nil, err
	}
	cert, err := s.store.Certification(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	return presentCertification(cert, c.today(s.now())), nil
}

// certificationFilter is what ListCertifications' filter may test.
var certificationFilter = filter.Schema{
	"state": {Kind: filter.Enum, Prefix: "STATE_", Values: []string{
		trainingv1.Certification_STATE_CURRENT.String(), trainingv1.Certification_STATE_EXPIRING.String(),
		trainingv1.Certification_STATE_EXPIRED.String(),
	}},
	"course": {Kind: filter.String},
}

// ListCertifications lists an officer's certifications, or the agency's,
// newest first.
func (s *enrollmentServer) ListCertifications(ctx context.Context, req *trainingv1.ListCertificationsRequest) (*trainingv1.ListCertificationsResponse, error) {
	conds, err := filter.Parse(req.GetFilter(), certificationFilter)
	if err != nil {
		return nil, err
	}
	c, err := s.listCaller(ctx, req.GetParent())
	if err != nil {
		return nil, err
	}
	scope := strings.Join([]string{"ListCertifications", req.GetParent(), req.GetFilter()}, "\x00")
	page, err := pageOf(scope, req.GetPageToken(), req.GetPageSize(), maxRecords)
	if err != nil {
		return nil, err
	}
	today := c.today(s.now())
	keep := func(cert *trainingv1.Certification) bool {
		cert = presentCertification(cert, today)
		return matchAll(conds, map[string]any{"state": cert.GetState().String(), "course": cert.GetCourse()})
	}
	certs, next, err := s.store.ListCertifications(ctx, req.GetParent(), page, keep)
	if err != nil {
		return nil, fmt.Errorf("list certifications of %s: %w", req.GetParent(), err)
	}
	out := &trainingv1.ListCertificationsResponse{NextPageToken: nextToken(scope, next)}
	for _, cert := range certs {
		out.Certifications = append(out.Certifications, presentCertification(cert, today))
	}
	return out, nil
}

// presentCertification sets what a certification computes on read as of
// day today: its state.
func presentCertification(c *trainingv1.Certification, today string) *trainingv1.Certification {
	switch certState(c.GetExpireDate(), today) {
	case StandingExpired:
		c.State = trainingv1.Certification_STATE_EXPIRED
	case StandingExpiring:
		c.State = trainingv1.Certification_STATE_EXPIRING
	default:
		c.State = trainingv1.Certification_STATE_CURRENT
	}
	return c
}
