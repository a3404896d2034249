package feedback

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/fieldmask"
	"github.com/engagehq/engage/services/internal/filter"
	"github.com/engagehq/engage/services/internal/ids"
	"github.com/engagehq/engage/services/internal/pagetoken"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
)

// surveyState is what the SurveyService handlers keep in memory: the
// Trust-Index drop notices under way, which Close waits for.
type surveyState struct {
	notices sync.WaitGroup
}

func newSurveyState(*Service) *surveyState { return &surveyState{} }

func (st *surveyState) close() { st.notices.Wait() }

// Page sizes of the survey lists: default and maximum.
const (
	defaultSurveyPage = 50
	maxSurveyPage     = 200
	// surveyScanFactor bounds the rows a page examines, as a multiple of
	// its size, so that a filter skipping most rows costs a short page.
	surveyScanFactor = 10
)

// readSurveyPage decodes a page token bound to scope.
func readSurveyPage(scope string, size int32, token string) (SurveyPage, error) {
	n := pagetoken.Size(size, defaultSurveyPage, maxSurveyPage)
	after, err := pagetoken.Decode(token, scope)
	if err != nil {
		return SurveyPage{}, err
	}
	return SurveyPage{After: after, Size: n, MaxScan: surveyScanFactor * n}, nil
}

// nextSurveyToken encodes the next page's cursor; "" on the last page.
func nextSurveyToken(scope string, next []byte) string {
	if next == nil {
		return ""
	}
	return pagetoken.Encode(scope, next)
}

// Who may do what. The auth interceptor enforces each RPC's declared
// audience and roles; these checks are per object and repeat what matters.
// What the caller may not see is NOT_FOUND, never PERMISSION_DENIED.

// isSurveyAnalyst reports whether p analyses agency's surveys (agency
// administrators do too; other Engage services read everything).
func isSurveyAnalyst(p auth.Principal, agency string) bool {
	return p.Kind == auth.Service || ((p.Kind == auth.Account || p.Kind == auth.Partner) &&
		p.HasRole(agency, accessv1.Role_ROLE_ANALYST))
}

// maySeeSurvey: open and closed surveys are public, drafts are the
// analysts'.
func maySeeSurvey(p auth.Principal, s Survey) bool {
	return s.State != feedbackv1.Survey_STATE_DRAFT || isSurveyAnalyst(p, s.Agency)
}

func surveyNotFound(name string) error { return fmt.Errorf("%s: %w", name, errs.NotFound) }

// requireSurveyAnalyst returns NOT_FOUND about what unless the caller
// analyses agency's surveys.
func requireSurveyAnalyst(ctx context.Context, agency, what string) error {
	if !isSurveyAnalyst(auth.FromContext(ctx), agency) {
		return surveyNotFound(what)
	}
	return nil
}

// CreateSurvey creates a draft, with a new id.
func (s *surveyServer) CreateSurvey(ctx context.Context, req *feedbackv1.CreateSurveyRequest) (*feedbackv1.Survey, error) {
	agency, err := parseSurveyAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	if err := requireSurveyAnalyst(ctx, agency, req.GetParent()); err != nil {
		return nil, err
	}
	in := req.GetSurvey()
	if in == nil {
		return nil, errs.Field("survey", "is required")
	}
	now := s.now()
	sv := Survey{Agency: agency, ID: ids.New(), State: feedbackv1.Survey_STATE_DRAFT, CreateTime: now, UpdateTime: now}
	if err := applySurvey(&sv, in, allSurveyFields); err != nil {
		return nil, err
	}
	if _, err := s.agencies.Agency(ctx, agency); err != nil {
		return nil, fmt.Errorf("create survey: %w", err)
	}
	p := auth.FromContext(ctx)
	retry := Retry{Caller: p.Name, ID: req.GetRequestId(), Time: now, Fingerprint: requestFingerprint("survey", req.GetRequestId(), req)}
	got, err := s.store.CreateSurvey(ctx, sv, retry)
	if err != nil {
		return nil, fmt.Errorf("create survey: %w", err)
	}
	if got.ID == sv.ID {
		s.log.InfoContext(ctx, "survey created", "survey", got.Key().Name(), "by", p.Name)
	}
	return surveyToProto(got), nil
}

// agencyResource is the name AgencyDirectory takes.
func agencyResource(id string) string { return "agencies/" + id }

// GetSurvey returns an open or closed survey to anyone and a draft to the
// agency's analysts.
func (s *surveyServer) GetSurvey(ctx context.Context, req *feedbackv1.GetSurveyRequest) (*feedbackv1.Survey, error) {
	k, err := parseSurvey("name", req.GetName())
	if err != nil {
		return nil, err
	}
	sv, err := s.store.Survey(ctx, k)
	if err != nil {
		return nil, fmt.Errorf("get survey: %w", err)
	}
	p := auth.FromContext(ctx)
	if !maySeeSurvey(p, sv) {
		return nil, surveyNotFound(req.GetName())
	}
	return surveyView(sv, isSurveyAnalyst(p, k.Agency)), nil
}

// surveyView renders a survey for its reader. Only the agency's analysts
// see the number of answers: watched live, it would tell when each
// anonymous answer arrived.
func surveyView(sv Survey, analyst bool) *feedbackv1.Survey {
	out := surveyToProto(sv)
	if !analyst {
		out.ResponseCount = 0
	}
	return out
}

// surveyFilter is what ListSurveys' filter may test.
var surveyFilter = filter.Schema{
	"state": {Kind: filter.Enum, Prefix: "STATE_", Values: []string{
		feedbackv1.Survey_STATE_DRAFT.String(), feedbackv1.Survey_STATE_OPEN.String(), feedbackv1.Survey_STATE_CLOSED.String(),
	}},
	"kind": {Kind: filter.Enum, Prefix: "KIND_", Values: []string{
		feedbackv1.Survey_KIND_GENERAL.String(), feedbackv1.Survey_KIND_POST_CONTACT.String(),
	}},
}

// ListSurveys lists surveys newest first: the open ones to anyone, all to
// the agency's analysts.
func (s *surveyServer) ListSurveys(ctx context.Context, req *feedbackv1.ListSurveysRequest) (*feedbackv1.ListSurveysResponse, error) {
	agency, err := parseSurveyAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	conds, err := filter.Parse(req.GetFilter(), surveyFilter)
	if err != nil {
		return nil, err
	}
	scope := "surveys:" + agency + "|" + strings.TrimSpace(req.GetFilter())
	page, err := readSurveyPage(scope, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	analyst := isSurveyAnalyst(auth.FromContext(ctx), agency)
	keep := func(sv Survey) bool {
		if !analyst && sv.State != feedbackv1.Survey_STATE_OPEN {
			return false
		}
		for _, c := range conds {
			v := sv.State.String()
			if c.Field == "kind" {
				v = sv.Kind.String()
			}
			if !c.Match(v) {
				return false
			}
		}
		return true
	}
	list, next, err := s.store.ListSurveys(ctx, agency, page, keep)
	if err != nil {
		return nil, fmt.Errorf("list surveys: %w", err)
	}
	resp := &feedbackv1.ListSurveysResponse{NextPageToken: nextSurveyToken(scope, next)}
	for _, sv := range list {
		resp.Surveys = append(resp.Surveys, surveyView(sv, analyst))
	}
	return resp, nil
}

// UpdateSurvey changes the title and description at any time, and the kind
// and questions of a draft. A non-empty etag must match.
func (s *surveyServer) UpdateSurvey(ctx context.Context, req *feedbackv1.UpdateSurveyRequest) (*feedbackv1.Survey, error) {
	in := req.GetSurvey()
	if in == nil {
		return nil, errs.Field("survey", "is required")
	}
	k, err := parseSurvey("survey.name", in.GetName())
	if err != nil {
		return nil, err
	}
	if err := requireSurveyAnalyst(ctx, k.Agency, in.GetName()); err != nil {
		return nil, err
	}
	u, err := fieldmask.Resolve(req.GetUpdateMask(), in, allSurveyFields)
	if err != nil {
		return nil, err
	}
	if err := applySurvey(&Survey{}, in, u.Paths); err != nil {
		return nil, err
	}
	now := s.now()
	sv, err := s.store.UpdateSurvey(ctx, k, func(sv *Survey) error {
		if err := checkETag("survey.etag", in.GetEtag(), sv.Revision); err != nil {
			return err
		}
		if err := u.CheckImmutable(in, func() proto.Message { return surveyToProto(*sv) }); err != nil {
			return err
		}
		sv.UpdateTime = now
		return applySurvey(sv, in, u.Paths)
	})
	if err != nil {
		return nil, fmt.Errorf("update survey: %w", err)
	}
	return surveyToProto(sv), nil
}

// DeleteSurvey deletes a draft.
func (s *surveyServer) DeleteSurvey(ctx context.Context, req *feedbackv1.DeleteSurveyRequest) (*emptypb.Empty, error) {
	k, err := parseSurvey("name", req.GetName())
	if err != nil {
		return nil, err
	}
	if err := requireSurveyAnalyst(ctx, k.Agency, req.GetName()); err != nil {
		return nil, err
	}
	err = s.store.DeleteSurvey(ctx, k, func(sv Survey) error { return checkETag("etag", req.GetEtag(), sv.Revision) })
	if err != nil {
		return nil, fmt.Errorf("delete survey: %w", err)
	}
	s.log.InfoContext(ctx, "survey deleted", "survey", req.GetName(), "by", auth.FromContext(ctx).Name)
	return &emptypb.Empty{}, nil
}

// OpenSurvey opens a draft to answers; opening an open survey changes
// nothing.
func (s *surveyServer) OpenSurvey(ctx context.Context, req *feedbackv1.OpenSurveyRequest) (*feedbackv1.Survey, error) {
	return s.moveSurvey(ctx, req.GetName(), req.GetEtag(), feedbackv1.Survey_STATE_OPEN)
}

// CloseSurvey closes an open survey to answers; closing a closed survey
// changes nothing.
func (s *surveyServer) CloseSurvey(ctx context.Context, req *feedbackv1.CloseSurveyRequest) (*feedbackv1.Survey, error) {
	return s.moveSurvey(ctx, req.GetName(), req.GetEtag(), feedbackv1.Survey_STATE_CLOSED)
}

// errSurveyUnchanged stops an update that would change nothing.
var errSurveyUnchanged = errors.New("survey unchanged")

func (s *surveyServer) moveSurvey(ctx context.Context, name, etag string, to feedbackv1.Survey_State) (*feedbackv1.Survey, error) {
	k, err := parseSurvey("name", name)
	if err != nil {
		return nil, err
	}
	if err := requireSurveyAnalyst(ctx, k.Agency, name); err != nil {
		return nil, err
	}
	now := s.now()
	var same Survey
	sv, err := s.store.UpdateSurvey(ctx, k, func(sv *Survey) error {
		if err := checkETag("etag", etag, sv.Revision); err != nil {
			return err
		}
		if sv.State == to {
			same = *sv
			return errSurveyUnchanged
		}
		sv.State, sv.UpdateTime = to, now
		if to == feedbackv1.Survey_STATE_OPEN {
			sv.OpenTime = now
		} else {
			sv.CloseTime = now
		}
		return nil
	})
	switch {
	case errors.Is(err, errSurveyUnchanged):
		return surveyToProto(same), nil
	case err != nil:
		return nil, fmt.Errorf("%s survey: %w", strings.ToLower(strings.TrimPrefix(to.String(), "STATE_")), err)
	}
	s.log.InfoContext(ctx, "survey state changed", "survey", name, "state", to.String(), "by", auth.FromContext(ctx).Name)
	return surveyToProto(sv), nil
}
