package feedback_test

import (
	"regexp"
	"testing"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/feedback"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestSurveyResponseOncePerDevice(t *testing.T) {
	t.Parallel()
	e := newSvEnv(t, feedback.Config{})
	an := e.analyst("ana", "metro")
	sv := e.mustSurvey(t, an, "metro", feedbackv1.Survey_KIND_GENERAL, true)
	const device = "install-5f1c9a7e2d"
	got, err := e.answer(t, sv.GetName(), device, "north",
		&feedbackv1.Answer{QuestionId: "safe", Rating: rating(8)},
		&feedbackv1.Answer{QuestionId: "fair", Rating: rating(5)},
		&feedbackv1.Answer{QuestionId: "parks", Rating: rating(1)},
		&feedbackv1.Answer{QuestionId: "topics", Choices: []string{"noise", "theft"}},
	)
	must(t, "answer", err)
	// 128 random bits in base32: nothing of the time in the id.
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(sv.GetName()) + `/responses/[a-z2-7]{26}$`).MatchString(got.GetName()) {
		t.Fatalf("answer name %q", got.GetName())
	}
	want := &feedbackv1.SurveyResponse{
		Name: got.GetName(), Area: "north", CreateTime: timestamppb.New(svStart.Truncate(time.Hour)),
		TrustScore: proto64(65), // (8 + 5) / 2 × 10; the plain rating does not count
		Answers: []*feedbackv1.Answer{
			{QuestionId: "safe", Rating: rating(8)}, {QuestionId: "fair", Rating: rating(5)},
			{QuestionId: "parks", Rating: rating(1)}, {QuestionId: "topics", Choices: []string{"noise", "theft"}},
		},
	}
	fbDiff(t, "answer", got, want)

	_, err = e.answer(t, sv.GetName(), device, "north", &feedbackv1.Answer{QuestionId: "safe", Rating: rating(2)})
	wantCode(t, "second answer from the device", err, codes.AlreadyExists)
	e.clock.Advance(30 * 24 * time.Hour)
	_, err = e.answer(t, sv.GetName(), device, "south", &feedbackv1.Answer{QuestionId: "safe", Rating: rating(2)})
	wantCode(t, "second answer a month later", err, codes.AlreadyExists)
	_, err = e.answer(t, sv.GetName(), "install-other-device", "", &feedbackv1.Answer{QuestionId: "safe", Rating: rating(2)})
	must(t, "another device", err)
	_, err = e.answer(t, sv.GetName(), "", "", &feedbackv1.Answer{QuestionId: "safe", Rating: rating(2)})
	wantField(t, "no device token", err, "survey_response.device_token")

	stored, err := e.surveys.GetSurveyResponse(an.ctx(t), &feedbackv1.GetSurveyResponseRequest{Name: got.GetName()})
	must(t, "get", err)
	fbDiff(t, "stored answer", stored, want)
	read, err := e.surveys.GetSurvey(an.ctx(t), &feedbackv1.GetSurveyRequest{Name: sv.GetName()})
	must(t, "get survey", err)
	if read.GetResponseCount() != 2 {
		t.Fatalf("response count %d, want 2", read.GetResponseCount())
	}
	// The public never sees the count: watched live, it would date each
	// anonymous answer.
	public, err := e.surveys.GetSurvey(t.Context(), &feedbackv1.GetSurveyRequest{Name: sv.GetName()})
	must(t, "get survey anonymously", err)
	if public.GetResponseCount() != 0 {
		t.Fatalf("anonymous reader sees response count %d", public.GetResponseCount())
	}

	// Drafts take no answers (they do not exist for the public); closed
	// surveys refuse them.
	draft := e.mustSurvey(t, an, "metro", feedbackv1.Survey_KIND_GENERAL, false)
	_, err = e.answer(t, draft.GetName(), device, "", &feedbackv1.Answer{QuestionId: "safe", Rating: rating(2)})
	wantCode(t, "answer a draft", err, codes.NotFound)
	_, err = e.surveys.CloseSurvey(an.ctx(t), &feedbackv1.CloseSurveyRequest{Name: sv.GetName()})
	must(t, "close", err)
	_, err = e.answer(t, sv.GetName(), "install-third-device", "", &feedbackv1.Answer{QuestionId: "safe", Rating: rating(2)})
	wantCode(t, "answer a closed survey", err, codes.FailedPrecondition)
}

func proto64(v float64) *float64 { return &v }

func TestSurveyResponseValidation(t *testing.T) {
	t.Parallel()
	e := newSvEnv(t, feedback.Config{})
	sv := e.mustSurvey(t, e.analyst("ana", "metro"), "metro", feedbackv1.Survey_KIND_GENERAL, true)
	safe := &feedbackv1.Answer{QuestionId: "safe", Rating: rating(7)}
	tests := []struct {
		name    string
		answers []*feedbackv1.Answer
		field   string
	}{
		{"unknown question", []*feedbackv1.Answer{safe, {QuestionId: "nope", Rating: rating(3)}}, "survey_response.answers[1].question_id"},
		{"question twice", []*feedbackv1.Answer{safe, {QuestionId: "safe", Rating: rating(3)}}, "survey_response.answers[1].question_id"},
		{"rating for a choice", []*feedbackv1.Answer{safe, {QuestionId: "seen", Rating: rating(3)}}, "survey_response.answers[1].rating"},
		{"choice for a rating", []*feedbackv1.Answer{{QuestionId: "safe", Choices: []string{"street"}}}, "survey_response.answers[0].choices"},
		{"text for a rating", []*feedbackv1.Answer{{QuestionId: "safe", Rating: rating(3), Text: "hi"}}, "survey_response.answers[0].text"},
		{"no rating", []*feedbackv1.Answer{{QuestionId: "safe"}}, "survey_response.answers[0].rating"},
		{"rating above 10", []*feedbackv1.Answer{{QuestionId: "safe", Rating: rating(11)}}, "survey_response.answers[0].rating"},
		{"choice not offered", []*feedbackv1.Answer{safe, {QuestionId: "seen", Choices: []string{"radio"}}}, "survey_response.answers[1].choices[0]"},
		{"two choices for a single choice", []*feedbackv1.Answer{safe, {QuestionId: "seen", Choices: []string{"street", "online"}}}, "survey_response.answers[1].choices"},
		{"repeated choice", []*feedbackv1.Answer{safe, {QuestionId: "topics", Choices: []string{"noise", "noise"}}}, "survey_response.answers[1].choices[1]"},
		{"empty text", []*feedbackv1.Answer{safe, {QuestionId: "more", Text: "  "}}, "survey_response.answers[1].text"},
		{"required missing", []*feedbackv1.Answer{{QuestionId: "fair", Rating: rating(3)}}, "survey_response.answers"},
		{"no answers", nil, "survey_response.answers"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			device := "install-validation-" + string(rune('a'+i))
			_, err := e.answer(t, sv.GetName(), device, "", tc.answers...)
			wantField(t, tc.name, err, tc.field)
			// Nothing was used up: the device may still answer.
			_, err = e.answer(t, sv.GetName(), device, "", safe)
			must(t, "answer after a refused one", err)
		})
	}
}

func TestSurveyResponsesByAgency(t *testing.T) {
	t.Parallel()
	e := newSvEnv(t, feedback.Config{})
	an, other := e.analyst("ana", "metro"), e.analyst("bo", "other")
	sv := e.mustSurvey(t, an, "metro", feedbackv1.Survey_KIND_GENERAL, true)
	r, err := e.answer(t, sv.GetName(), "install-agency-test", "", &feedbackv1.Answer{QuestionId: "safe", Rating: rating(7)})
	must(t, "answer", err)

	list, err := e.surveys.ListSurveyResponses(an.ctx(t), &feedbackv1.ListSurveyResponsesRequest{Parent: sv.GetName()})
	must(t, "list as metro's analyst", err)
	if len(list.GetSurveyResponses()) != 1 || list.GetSurveyResponses()[0].GetName() != r.GetName() {
		t.Fatalf("list %v", list)
	}
	for name, u := range map[string]*svPerson{"other agency's analyst": other, "resident": e.resident("res"), "metro officer": e.staff("off", "metro", officer)} {
		_, err := e.surveys.ListSurveyResponses(u.ctx(t), &feedbackv1.ListSurveyResponsesRequest{Parent: sv.GetName()})
		wantCode(t, "list as "+name, err, codes.PermissionDenied)
		_, err = e.surveys.GetSurveyResponse(u.ctx(t), &feedbackv1.GetSurveyResponseRequest{Name: r.GetName()})
		wantCode(t, "get as "+name, err, codes.PermissionDenied)
	}
}
