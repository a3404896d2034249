package feedback

import (
	"context"
	"fmt"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/errs"
)

// errSurveyNotOpen is an answer to a survey that takes none.
var errSurveyNotOpen = errs.WithReason(errs.Public(errs.FailedPrecondition,
	"the survey is not open to answers"), "SURVEY_NOT_OPEN")

// surveyAgencyLocation returns the time zone of agency (an id), or NOT_FOUND.
func (s *Service) surveyAgencyLocation(ctx context.Context, agency string) (*time.Location, error) {
	info, err := s.agencies.Agency(ctx, agency)
	if err != nil {
		return nil, fmt.Errorf("agency %s: %w", agency, err)
	}
	return agencyLocation(info), nil
}

// CreateSurveyResponse answers an open survey anonymously. The handler never
// reads the caller: the answer carries no account, no address, no device
// token (the store keeps a keyed hash of it apart from the answer), a
// random id and its time rounded down to the hour. Nothing about it is
// logged, since a log line's time would be precise.
func (s *surveyServer) CreateSurveyResponse(ctx context.Context, req *feedbackv1.CreateSurveyResponseRequest) (*feedbackv1.SurveyResponse, error) {
	k, err := parseSurvey("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	in := req.GetSurveyResponse()
	if in == nil {
		return nil, errs.Field("survey_response", "is required")
	}
	sv, err := s.store.Survey(ctx, k)
	if err != nil {
		return nil, fmt.Errorf("answer survey: %w", err)
	}
	switch sv.State {
	case feedbackv1.Survey_STATE_DRAFT:
		return nil, surveyNotFound(req.GetParent())
	case feedbackv1.Survey_STATE_CLOSED:
		return nil, errSurveyNotOpen
	}
	now := s.now()
	proof := ResponseProof{Now: now}
	r := SurveyResponse{Agency: k.Agency, Survey: k.Survey, ID: anonymousID(), CreateTime: now.Truncate(time.Hour)}
	switch sv.Kind {
	case feedbackv1.Survey_KIND_POST_CONTACT:
		if in.GetInvitationToken() == "" {
			return nil, errs.Field("survey_response.invitation_token", "is required to answer a post-contact survey")
		}
		proof.InvitationToken = in.GetInvitationToken()
	default:
		if len(in.GetDeviceToken()) < 16 || len(in.GetDeviceToken()) > 128 {
			return nil, errs.Field("survey_response.device_token", "is required: 16 to 128 characters the app keeps per install")
		}
		proof.DeviceToken = in.GetDeviceToken()
		if a := in.GetArea(); a != "" {
			if !surveyArea.MatchString(a) {
				return nil, errs.Field("survey_response.area", "must be 1 to 40 lowercase letters, digits, _ and -")
			}
			r.Area = a
		}
	}
	if r.Answers, err = validAnswers(sv, in.GetAnswers()); err != nil {
		return nil, err
	}
	r.Trust = TrustContributionOf(sv, r.Answers)
	loc, err := s.surveyAgencyLocation(ctx, k.Agency)
	if err != nil {
		return nil, fmt.Errorf("answer survey: %w", err)
	}
	got, notices, err := s.store.CreateSurveyResponse(ctx, r, proof, TrustPeriodsAt(loc, now), func(sv Survey) error {
		if sv.State != feedbackv1.Survey_STATE_OPEN {
			return errSurveyNotOpen
		}
		return nil
	}, s.trustDropRule(now))
	if err != nil {
		return nil, fmt.Errorf("answer survey: %w", err)
	}
	s.sendTrustNotices(notices)
	return responseToProto(got), nil
}

// TrustPeriodsAt returns the periods an answer given at at counts in: its
// week and its month in loc, the agency's time zone.
func TrustPeriodsAt(loc *time.Location, at time.Time) []TrustPeriod {
	var periods []TrustPeriod
	for _, i := range []feedbackv1.Interval{feedbackv1.Interval_INTERVAL_WEEK, feedbackv1.Interval_INTERVAL_MONTH} {
		start := periodStart(loc, i, at)
		periods = append(periods, TrustPeriod{Interval: i, Start: start, Previous: periodAdd(loc, i, start, -1)})
	}
	return periods
}

// GetSurveyResponse returns one answer, for the agency's analysts.
func (s *surveyServer) GetSurveyResponse(ctx context.Context, req *feedbackv1.GetSurveyResponseRequest) (*feedbackv1.SurveyResponse, error) {
	k, err := parseSurveyResponse("name", req.GetName())
	if err != nil {
		return nil, err
	}
	if err := requireSurveyAnalyst(ctx, k.Agency, req.GetName()); err != nil {
		return nil, err
	}
	r, err := s.store.SurveyResponse(ctx, k)
	if err != nil {
		return nil, fmt.Errorf("get survey response: %w", err)
	}
	return responseToProto(r), nil
}

// ListSurveyResponses lists a survey's answers, newest hour first, for the
// agency's analysts.
func (s *surveyServer) ListSurveyResponses(ctx context.Context, req *feedbackv1.ListSurveyResponsesRequest) (*feedbackv1.ListSurveyResponsesResponse, error) {
	k, err := parseSurvey("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	if err := requireSurveyAnalyst(ctx, k.Agency, req.GetParent()); err != nil {
		return nil, err
	}
	scope := "responses:" + k.Name()
	page, err := readSurveyPage(scope, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	list, next, err := s.store.ListSurveyResponses(ctx, k, page)
	if err != nil {
		return nil, fmt.Errorf("list survey responses: %w", err)
	}
	resp := &feedbackv1.ListSurveyResponsesResponse{NextPageToken: nextSurveyToken(scope, next)}
	for _, r := range list {
		resp.SurveyResponses = append(resp.SurveyResponses, responseToProto(r))
	}
	return resp, nil
}
