package training

import (
	"context"
	"fmt"
	"strings"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/etag"
	"github.com/engagehq/engage/services/internal/filter"
	"github.com/engagehq/engage/services/internal/idempotent"
	"github.com/engagehq/engage/services/internal/ids"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// External training: an officer (or a trainer for them) submits training
// taken elsewhere; a trainer approves or rejects it. Approval counts its
// credit hours as a Completion and, when it stands for an agency course,
// issues that course's certification as of the day it was completed.
//
// A trainer who is the officer concerned (the officer's linked account)
// cannot approve it: that is PERMISSION_DENIED rather than
// FAILED_PRECONDITION, because the caller may see the record and no change
// of its state would ever let them approve it.

// CreateExternalTraining submits external training for review.
func (s *enrollmentServer) CreateExternalTraining(ctx context.Context, req *trainingv1.CreateExternalTrainingRequest) (*trainingv1.ExternalTraining, error) {
	agency, rest, err := parseChild("parent", req.GetParent(), officerPattern)
	if err != nil {
		return nil, err
	}
	c, err := s.callerOf(ctx, agency)
	if err != nil {
		return nil, err
	}
	if rest[0] == allOfficers || !c.mayRead(req.GetParent()) {
		return nil, notFound("officer", req.GetParent())
	}
	in := req.GetExternalTraining()
	now := s.now()
	if err := s.checkExternal(ctx, c, in, c.today(now)); err != nil {
		return nil, err
	}
	x := &trainingv1.ExternalTraining{
		Name:           req.GetParent() + "/externalTrainings/" + ids.New(),
		Title:          in.GetTitle(),
		Provider:       in.GetProvider(),
		CompletionDate: in.GetCompletionDate(),
		CreditHours:    in.GetCreditHours(),
		Course:         in.GetCourse(),
		EvidenceUri:    in.GetEvidenceUri(),
		State:          trainingv1.ExternalTraining_STATE_PENDING,
		Submitter:      c.principal.Name,
		CreateTime:     timestamppb.New(now),
	}
	retry := s.retryOf(ctx, req.GetRequestId(), idempotent.Without(req, func(r *trainingv1.CreateExternalTrainingRequest) { r.RequestId = "" }))
	out, err := s.store.CreateExternalTraining(ctx, x, retry)
	if err != nil {
		return nil, fmt.Errorf("external training of %s: %w", req.GetParent(), err)
	}
	return out, nil
}

// checkExternal checks submitted external training: what it is, who gave
// it and when (not after today), its credit hours, and the course it
// stands for, which must be a current course of the agency.
func (s *Service) checkExternal(ctx context.Context, c caller, x *trainingv1.ExternalTraining, today string) error {
	switch {
	case strings.TrimSpace(x.GetTitle()) == "":
		return errs.Field("external_training.title", "is required")
	case strings.TrimSpace(x.GetProvider()) == "":
		return errs.Field("external_training.provider", "is required")
	case x.GetCreditHours() <= 0 || x.GetCreditHours() > 200:
		return errs.Field("external_training.credit_hours", "must be more than 0 and at most 200")
	}
	if _, err := parseDay("external_training.completion_date", x.GetCompletionDate()); err != nil {
		return err
	}
	if x.GetCompletionDate() > today {
		return errs.Field("external_training.completion_date", "is in the future (today is %s in the agency's time zone)", today)
	}
	if x.GetCourse() == "" {
		return nil
	}
	agency, _, err := parseChild("external_training.course", x.GetCourse(), coursePattern)
	if err != nil {
		return err
	}
	if agency != c.agency {
		return errs.Field("external_training.course", "must be a course of agency %s", c.agency)
	}
	course, err := s.store.Course(ctx, x.GetCourse())
	if err != nil {
		return errs.Field("external_training.course", "is no course of the agency")
	}
	if course.GetDeleteTime() != nil {
		return errs.Field("external_training.course", "is retired")
	}
	return nil
}

// GetExternalTraining returns external training.
func (s *enrollmentServer) GetExternalTraining(ctx context.Context, req *trainingv1.GetExternalTrainingRequest) (*trainingv1.ExternalTraining, error) {
	if _, err := s.recordCaller(ctx, req.GetName(), externalPattern); err != nil {
		return nil, err
	}
	return s.store.ExternalTraining(ctx, req.GetName())
}

// externalFilter is what ListExternalTrainings' filter may test.
var externalFilter = filter.Schema{
	"state": {Kind: filter.Enum, Prefix: "STATE_", Values: []string{
		trainingv1.ExternalTraining_STATE_PENDING.String(), trainingv1.ExternalTraining_STATE_APPROVED.String(),
		trainingv1.ExternalTraining_STATE_REJECTED.String(),
	}},
}

// ListExternalTrainings lists an officer's external training, or the
// agency's, newest first.
func (s *enrollmentServer) ListExternalTrainings(ctx context.Context, req *trainingv1.ListExternalTrainingsRequest) (*trainingv1.ListExternalTrainingsResponse, error) {
	conds, err := filter.Parse(req.GetFilter(), externalFilter)
	if err != nil {
		return nil, err
	}
	if _, err := s.listCaller(ctx, req.GetParent()); err != nil {
		return nil, err
	}
	scope := strings.Join([]string{"ListExternalTrainings", req.GetParent(), req.GetFilter()}, "\x00")
	page, err := pageOf(scope, req.GetPageToken(), req.GetPageSize(), maxRecords)
	if err != nil {
		return nil, err
	}
	keep := func(x *trainingv1.ExternalTraining) bool {
		return matchAll(conds, map[string]any{"state": x.GetState().String()})
	}
	xs, next, err := s.store.ListExternalTrainings(ctx, req.GetParent(), page, keep)
	if err != nil {
		return nil, fmt.Errorf("list external training of %s: %w", req.GetParent(), err)
	}
	return &trainingv1.ListExternalTrainingsResponse{ExternalTrainings: xs, NextPageToken: nextToken(scope, next)}, nil
}

// ApproveExternalTraining approves pending external training.
func (s *enrollmentServer) ApproveExternalTraining(ctx context.Context, req *trainingv1.ApproveExternalTrainingRequest) (*trainingv1.ExternalTraining, error) {
	c, err := s.reviewer(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	officer, err := s.store.Officer(ctx, officerOf(req.GetName()))
	if err != nil {
		return nil, fmt.Errorf("officer of %s: %w", req.GetName(), err)
	}
	if officer.GetAccount() != "" && officer.GetAccount() == c.principal.Name {
		return nil, fmt.Errorf("%s is your own external training; another trainer must approve it: %w", req.GetName(), errs.PermissionDenied)
	}
	now := s.now()
	return s.store.ReviewExternalTraining(ctx, req.GetName(), func(x *trainingv1.ExternalTraining, course *trainingv1.Course) (*Completion, *trainingv1.Certification, error) {
		if err := reviewable(x, req.GetEtag()); err != nil {
			return nil, nil, err
		}
		x.State = trainingv1.ExternalTraining_STATE_APPROVED
		x.ReviewNote = req.GetNote()
		x.Reviewer = c.principal.Name
		x.ReviewTime = timestamppb.New(now)
		completion := &Completion{
			ID:      ids.New(),
			Officer: officer.GetName(), Account: officer.GetAccount(),
			Course: x.GetCourse(), Title: x.GetTitle(),
			Source: x.GetName(),
			Score:  -1, Passed: true, CreditHours: x.GetCreditHours(),
			Date: x.GetCompletionDate(), Time: now,
		}
		if course == nil {
			return completion, nil, nil
		}
		cert := &trainingv1.Certification{
			Name:           officer.GetName() + "/certifications/" + ids.New(),
			Course:         course.GetName(),
			CourseTitle:    course.GetTitle(),
			CreditHours:    x.GetCreditHours(),
			CompletionDate: x.GetCompletionDate(),
			ExpireDate:     expireDay(x.GetCompletionDate(), course.GetRecertificationMonths()),
			Source:         x.GetName(),
			CreateTime:     timestamppb.New(now),
		}
		x.Certification = cert.GetName()
		return completion, cert, nil
	})
}

// RejectExternalTraining rejects pending external training with a reason.
func (s *enrollmentServer) RejectExternalTraining(ctx context.Context, req *trainingv1.RejectExternalTrainingRequest) (*trainingv1.ExternalTraining, error) {
	c, err := s.reviewer(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.GetReason()) == "" {
		return nil, errs.Field("reason", "is required")
	}
	now := s.now()
	return s.store.ReviewExternalTraining(ctx, req.GetName(), func(x *trainingv1.ExternalTraining, _ *trainingv1.Course) (*Completion, *trainingv1.Certification, error) {
		if err := reviewable(x, req.GetEtag()); err != nil {
			return nil, nil, err
		}
		x.State = trainingv1.ExternalTraining_STATE_REJECTED
		x.ReviewNote = req.GetReason()
		x.Reviewer = c.principal.Name
		x.ReviewTime = timestamppb.New(now)
		return nil, nil, nil
	})
}

// reviewer returns the caller reviewing external training: a trainer of
// its agency, else NOT_FOUND.
func (s *Service) reviewer(ctx context.Context, name string) (caller, error) {
	c, err := s.recordCaller(ctx, name, externalPattern)
	if err != nil {
		return caller{}, err
	}
	if !c.trainer {
		return caller{}, notFound("external training", name)
	}
	return c, nil
}

// reviewable fails unless external training is pending and at the etag
// the reviewer read (if they sent one).
func reviewable(x *trainingv1.ExternalTraining, tag string) error {
	if x.GetState() != trainingv1.ExternalTraining_STATE_PENDING {
		return fmt.Errorf("external training %s is %s, already reviewed: %w", x.GetName(), x.GetState(), errs.FailedPrecondition)
	}
	return etag.CheckCurrent("etag", tag, x.GetEtag())
}
