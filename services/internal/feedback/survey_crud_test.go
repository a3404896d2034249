package feedback_test

import (
	"context"
	"testing"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/feedback"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

func TestSurveyValidation(t *testing.T) {
	t.Parallel()
	e := newSvEnv(t, feedback.Config{})
	an := e.analyst("ana", "metro")
	rating := feedbackv1.Question_TYPE_RATING
	single := feedbackv1.Question_TYPE_SINGLE_CHOICE
	tests := []struct {
		name   string
		change func(*feedbackv1.Survey)
		field  string
	}{
		{"no questions", func(s *feedbackv1.Survey) { s.Questions = nil }, "survey.questions"},
		{"too many questions", func(s *feedbackv1.Survey) {
			s.Questions = nil
			for i := range 51 {
				s.Questions = append(s.Questions, &feedbackv1.Question{Id: "q" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Text: "Q", Type: rating})
			}
		}, "survey.questions"},
		{"repeated id", func(s *feedbackv1.Survey) { s.Questions[2].Id = "safe" }, "survey.questions[2].id"},
		{"bad id", func(s *feedbackv1.Survey) { s.Questions[1].Id = "Fair" }, "survey.questions[1].id"},
		{"no text", func(s *feedbackv1.Survey) { s.Questions[0].Text = " " }, "survey.questions[0].text"},
		{"no type", func(s *feedbackv1.Survey) { s.Questions[0].Type = 0 }, "survey.questions[0].type"},
		{"one choice", func(s *feedbackv1.Survey) { s.Questions[3].Choices = []string{"street"} }, "survey.questions[3].choices"},
		{"repeated choice", func(s *feedbackv1.Survey) { s.Questions[4].Choices = []string{"noise", "theft", "noise"} },
			"survey.questions[4].choices[2]"},
		{"choices on a rating", func(s *feedbackv1.Survey) { s.Questions[2].Choices = []string{"a", "b"} }, "survey.questions[2].choices"},
		{"dimension on a choice", func(s *feedbackv1.Survey) {
			s.Questions[3].Dimension = feedbackv1.TrustDimension_TRUST_DIMENSION_TRUST
		}, "survey.questions[3].dimension"},
		{"no title", func(s *feedbackv1.Survey) { s.Title = "  " }, "survey.title"},
		{"single choice without choices", func(s *feedbackv1.Survey) {
			s.Questions = []*feedbackv1.Question{{Id: "q", Text: "Q", Type: single}}
		}, "survey.questions[0].choices"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sv := &feedbackv1.Survey{Title: "Community survey", Questions: trustQuestions()}
			tc.change(sv)
			_, err := e.surveys.CreateSurvey(an.ctx(t), &feedbackv1.CreateSurveyRequest{Parent: "agencies/metro", Survey: sv})
			wantField(t, tc.name, err, tc.field)
		})
	}
	list, err := e.surveys.ListSurveys(an.ctx(t), &feedbackv1.ListSurveysRequest{Parent: "agencies/metro"})
	must(t, "list", err)
	if n := len(list.GetSurveys()); n != 0 {
		t.Fatalf("refused surveys stored: %d", n)
	}
}

func TestSurveyLife(t *testing.T) {
	t.Parallel()
	e := newSvEnv(t, feedback.Config{})
	an, other, admin := e.analyst("ana", "metro"), e.analyst("bo", "other"), e.staff("ad", "metro", accessv1.Role_ROLE_AGENCY_ADMIN)
	req := &feedbackv1.CreateSurveyRequest{
		Parent:    "agencies/metro",
		Survey:    &feedbackv1.Survey{Title: " Community survey ", Questions: trustQuestions()},
		RequestId: "8b0a3c39-5d39-4f62-8a8e-6c1c4a2f2e10",
	}
	draft, err := e.surveys.CreateSurvey(an.ctx(t), req)
	must(t, "create", err)
	if draft.GetState() != feedbackv1.Survey_STATE_DRAFT || draft.GetKind() != feedbackv1.Survey_KIND_GENERAL ||
		draft.GetTitle() != "Community survey" || draft.GetEtag() != `"1"` {
		t.Fatalf("created %v", draft)
	}
	again, err := e.surveys.CreateSurvey(an.ctx(t), req)
	must(t, "retry", err)
	fbDiff(t, "retry", again, draft)

	// Drafts: the agency's analysts and admins only; everyone else NOT_FOUND.
	for name, ctx := range map[string]context.Context{
		"anonymous": t.Context(), "resident": e.resident("r").ctx(t), "other's analyst": other.ctx(t),
	} {
		_, err := e.surveys.GetSurvey(ctx, &feedbackv1.GetSurveyRequest{Name: draft.GetName()})
		wantCode(t, "draft to "+name, err, codes.NotFound)
	}
	for _, u := range []*svPerson{an, admin} {
		got, err := e.surveys.GetSurvey(u.ctx(t), &feedbackv1.GetSurveyRequest{Name: draft.GetName()})
		must(t, "draft to staff", err)
		fbDiff(t, "draft", got, draft)
	}
	public, err := e.surveys.ListSurveys(t.Context(), &feedbackv1.ListSurveysRequest{Parent: "agencies/metro"})
	must(t, "public list", err)
	if len(public.GetSurveys()) != 0 {
		t.Fatalf("public list shows drafts: %v", public)
	}
	filtered, err := e.surveys.ListSurveys(an.ctx(t), &feedbackv1.ListSurveysRequest{Parent: "agencies/metro", Filter: "state = DRAFT"})
	must(t, "analyst list", err)
	if len(filtered.GetSurveys()) != 1 {
		t.Fatalf("analyst's filtered list: %v", filtered)
	}

	// A draft's questions change; a stale etag is refused.
	upd := proto.Clone(draft).(*feedbackv1.Survey)
	upd.Questions = upd.Questions[:2]
	changed, err := e.surveys.UpdateSurvey(an.ctx(t), &feedbackv1.UpdateSurveyRequest{Survey: upd, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"questions"}}})
	must(t, "update draft", err)
	if len(changed.GetQuestions()) != 2 || changed.GetEtag() != `"2"` {
		t.Fatalf("updated %v", changed)
	}
	_, err = e.surveys.OpenSurvey(an.ctx(t), &feedbackv1.OpenSurveyRequest{Name: draft.GetName(), Etag: draft.GetEtag()})
	wantCode(t, "open with a stale etag", err, codes.FailedPrecondition)
	opened, err := e.surveys.OpenSurvey(an.ctx(t), &feedbackv1.OpenSurveyRequest{Name: draft.GetName(), Etag: changed.GetEtag()})
	must(t, "open", err)
	if opened.GetState() != feedbackv1.Survey_STATE_OPEN || opened.GetOpenTime() == nil {
		t.Fatalf("opened %v", opened)
	}
	got, err := e.surveys.GetSurvey(t.Context(), &feedbackv1.GetSurveyRequest{Name: draft.GetName()})
	must(t, "open survey to anyone", err)
	fbDiff(t, "open survey", got, opened)

	// Open: questions fixed, title free, no delete.
	upd = proto.Clone(opened).(*feedbackv1.Survey)
	upd.Questions = upd.Questions[:1]
	_, err = e.surveys.UpdateSurvey(an.ctx(t), &feedbackv1.UpdateSurveyRequest{Survey: upd, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"questions"}}})
	wantCode(t, "questions of an open survey", err, codes.FailedPrecondition)
	retitled, err := e.surveys.UpdateSurvey(an.ctx(t), &feedbackv1.UpdateSurveyRequest{Survey: &feedbackv1.Survey{Name: draft.GetName(), Title: "Renamed"}})
	must(t, "retitle open survey", err)
	if retitled.GetTitle() != "Renamed" || len(retitled.GetQuestions()) != 2 {
		t.Fatalf("retitled %v", retitled)
	}
	_, err = e.surveys.DeleteSurvey(an.ctx(t), &feedbackv1.DeleteSurveyRequest{Name: draft.GetName()})
	wantCode(t, "delete open survey", err, codes.FailedPrecondition)
	_, err = e.surveys.UpdateSurvey(other.ctx(t), &feedbackv1.UpdateSurveyRequest{Survey: &feedbackv1.Survey{Name: draft.GetName(), Title: "Mine"}})
	wantCode(t, "other agency's analyst updates", err, codes.PermissionDenied)

	closed, err := e.surveys.CloseSurvey(an.ctx(t), &feedbackv1.CloseSurveyRequest{Name: draft.GetName()})
	must(t, "close", err)
	if closed.GetState() != feedbackv1.Survey_STATE_CLOSED || closed.GetCloseTime() == nil {
		t.Fatalf("closed %v", closed)
	}
	_, err = e.surveys.OpenSurvey(an.ctx(t), &feedbackv1.OpenSurveyRequest{Name: draft.GetName()})
	wantCode(t, "reopen", err, codes.FailedPrecondition)

	// A second draft can be deleted.
	d2 := e.mustSurvey(t, an, "metro", feedbackv1.Survey_KIND_GENERAL, false)
	_, err = e.surveys.DeleteSurvey(an.ctx(t), &feedbackv1.DeleteSurveyRequest{Name: d2.GetName()})
	must(t, "delete draft", err)
	_, err = e.surveys.GetSurvey(an.ctx(t), &feedbackv1.GetSurveyRequest{Name: d2.GetName()})
	wantCode(t, "deleted draft", err, codes.NotFound)

	_, err = e.surveys.CreateSurvey(e.analyst("x", "ghost").ctx(t), &feedbackv1.CreateSurveyRequest{
		Parent: "agencies/ghost", Survey: &feedbackv1.Survey{Title: "T", Questions: trustQuestions()},
	})
	wantCode(t, "unknown agency", err, codes.NotFound)
}

func TestSurveyUpdateOfNothing(t *testing.T) {
	t.Parallel()
	e := newSvEnv(t, feedback.Config{})
	an := e.analyst("ana", "metro")
	sv := e.mustSurvey(t, an, "metro", feedbackv1.Survey_KIND_GENERAL, false)
	_, err := e.surveys.UpdateSurvey(an.ctx(t), &feedbackv1.UpdateSurveyRequest{Survey: &feedbackv1.Survey{Name: sv.GetName()}})
	wantField(t, "update setting nothing", err, "update_mask")
	got, err := e.surveys.GetSurvey(an.ctx(t), &feedbackv1.GetSurveyRequest{Name: sv.GetName()})
	must(t, "get", err)
	fbDiff(t, "survey after a refused update", got, sv)
}
