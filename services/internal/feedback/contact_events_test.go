package feedback_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/audit"
	"github.com/engagehq/engage/services/internal/feedback"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// report reports a contact as metro's CAD partner.
func (e *svEnv) report(t *testing.T, survey string, typ feedbackv1.ContactEvent_ContactType, ongoing bool, requestID string) (*feedbackv1.ContactEvent, error) {
	t.Helper()
	return e.surveys.CreateContactEvent(cad(t), &feedbackv1.CreateContactEventRequest{
		Parent:       "agencies/metro",
		ContactEvent: &feedbackv1.ContactEvent{Survey: survey, ContactType: typ, Ongoing: ongoing, Area: "harbor"},
		RequestId:    requestID,
	})
}

// answerInvited answers a post-contact survey with an invitation token.
func (e *svEnv) answerInvited(t *testing.T, survey, token string) (*feedbackv1.SurveyResponse, error) {
	t.Helper()
	return e.surveys.CreateSurveyResponse(t.Context(), &feedbackv1.CreateSurveyResponseRequest{
		Parent: survey,
		SurveyResponse: &feedbackv1.SurveyResponse{
			Answers: []*feedbackv1.Answer{{QuestionId: "safe", Rating: rating(9)}}, InvitationToken: token, Area: "elsewhere",
		},
	})
}

func TestContactEventSuppression(t *testing.T) {
	t.Parallel()
	e := newSvEnv(t, feedback.Config{})
	sv := e.mustSurvey(t, e.analyst("ana", "metro"), "metro", feedbackv1.Survey_KIND_POST_CONTACT, true)
	tests := []struct {
		name    string
		typ     feedbackv1.ContactEvent_ContactType
		ongoing bool
	}{
		{"domestic violence", feedbackv1.ContactEvent_CONTACT_TYPE_DOMESTIC_VIOLENCE, false},
		{"sexual assault", feedbackv1.ContactEvent_CONTACT_TYPE_SEXUAL_ASSAULT, false},
		{"ongoing call", feedbackv1.ContactEvent_CONTACT_TYPE_CALL_FOR_SERVICE, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := e.report(t, sv.GetName(), tc.typ, tc.ongoing, "")
			must(t, "report", err)
			if got.GetOutcome() != feedbackv1.ContactEvent_OUTCOME_SUPPRESSED || got.GetSuppressionReason() == "" ||
				got.GetInvitationToken() != "" || got.GetInvitationUri() != "" || got.GetInvitationExpireTime() != nil {
				t.Fatalf("suppressed contact: %v", got)
			}
			var mine []audit.Event
			for _, ev := range e.audit.withOutcome("SUPPRESSED") {
				if ev.Resource == got.GetName() {
					mine = append(mine, ev)
				}
			}
			want := []audit.Event{{
				Agency: "metro", Actor: svPartnerName, Method: "/engage.feedback.v1.SurveyService/CreateContactEvent",
				Resource: got.GetName(), Outcome: "SUPPRESSED", Service: "feedback",
			}}
			if d := cmp.Diff(want, mine, cmpopts.IgnoreFields(audit.Event{}, "Time", "CorrelationID")); d != "" {
				t.Fatalf("suppression audit events (-want +got):\n%s", d)
			}
		})
	}
}

func TestContactEventInvitation(t *testing.T) {
	t.Parallel()
	e := newSvEnv(t, feedback.Config{SurveyURL: "https://engage.example.org/survey", InvitationTTL: 48 * time.Hour})
	an := e.analyst("ana", "metro")
	sv := e.mustSurvey(t, an, "metro", feedbackv1.Survey_KIND_POST_CONTACT, true)
	const requestID = "1f7f2b52-4b55-4d7e-9c55-3a3e9b1d7c21"
	ev, err := e.report(t, sv.GetName(), feedbackv1.ContactEvent_CONTACT_TYPE_TRAFFIC_STOP, false, requestID)
	must(t, "report", err)
	raw, err := base64.RawURLEncoding.DecodeString(ev.GetInvitationToken())
	if err != nil || len(raw) != 32 {
		t.Fatalf("token %q: %d bytes (%v), want 32", ev.GetInvitationToken(), len(raw), err)
	}
	// Expiry: 48 hours later, rounded up to the hour.
	wantExpire := svStart.Add(48 * time.Hour).Truncate(time.Hour).Add(time.Hour)
	want := &feedbackv1.ContactEvent{
		Name: ev.GetName(), Survey: sv.GetName(), ContactType: feedbackv1.ContactEvent_CONTACT_TYPE_TRAFFIC_STOP,
		Area: "harbor", Outcome: feedbackv1.ContactEvent_OUTCOME_INVITED, Reporter: svPartnerName,
		InvitationToken:      ev.GetInvitationToken(),
		InvitationUri:        "https://engage.example.org/survey?token=" + ev.GetInvitationToken(),
		InvitationExpireTime: timestamppb.New(wantExpire), CreateTime: timestamppb.New(svStart),
	}
	fbDiff(t, "invited contact", ev, want)

	again, err := e.report(t, sv.GetName(), feedbackv1.ContactEvent_CONTACT_TYPE_TRAFFIC_STOP, false, requestID)
	must(t, "retry", err)
	fbDiff(t, "retry", again, want)

	// Reads never show the token.
	noToken := proto.Clone(want).(*feedbackv1.ContactEvent)
	noToken.InvitationToken, noToken.InvitationUri = "", ""
	got, err := e.surveys.GetContactEvent(an.ctx(t), &feedbackv1.GetContactEventRequest{Name: ev.GetName()})
	must(t, "get as analyst", err)
	fbDiff(t, "get", got, noToken)
	list, err := e.surveys.ListContactEvents(cad(t), &feedbackv1.ListContactEventsRequest{Parent: "agencies/metro"})
	must(t, "list as reporter", err)
	if len(list.GetContactEvents()) != 1 {
		t.Fatalf("list %v", list)
	}
	fbDiff(t, "listed", list.GetContactEvents()[0], noToken)
	_, err = e.surveys.GetContactEvent(e.resident("r").ctx(t), &feedbackv1.GetContactEventRequest{Name: ev.GetName()})
	wantCode(t, "get as resident", err, codes.PermissionDenied)

	// Single use, area from the invitation.
	_, err = e.answerInvited(t, sv.GetName(), "")
	wantField(t, "no token", err, "survey_response.invitation_token")
	_, err = e.answerInvited(t, sv.GetName(), strings.Repeat("x", 43))
	wantCode(t, "unknown token", err, codes.NotFound)
	r, err := e.answerInvited(t, sv.GetName(), ev.GetInvitationToken())
	must(t, "answer", err)
	if r.GetArea() != "harbor" {
		t.Fatalf("answer area %q, want harbor from the contact", r.GetArea())
	}
	_, err = e.answerInvited(t, sv.GetName(), ev.GetInvitationToken())
	wantCode(t, "second answer", err, codes.FailedPrecondition)

	// Expiry.
	ev2, err := e.report(t, sv.GetName(), feedbackv1.ContactEvent_CONTACT_TYPE_WALK_IN, false, "")
	must(t, "report", err)
	e.setClock(wantExpire.Add(-time.Second))
	other := e.mustSurvey(t, an, "metro", feedbackv1.Survey_KIND_POST_CONTACT, true)
	_, err = e.answerInvited(t, other.GetName(), ev2.GetInvitationToken())
	wantCode(t, "token of another survey", err, codes.NotFound)
	e.setClock(wantExpire)
	_, err = e.answerInvited(t, sv.GetName(), ev2.GetInvitationToken())
	wantCode(t, "expired token", err, codes.FailedPrecondition)
}

func TestContactEventSurveyChecks(t *testing.T) {
	t.Parallel()
	e := newSvEnv(t, feedback.Config{})
	an := e.analyst("ana", "metro")
	general := e.mustSurvey(t, an, "metro", feedbackv1.Survey_KIND_GENERAL, true)
	draft := e.mustSurvey(t, an, "metro", feedbackv1.Survey_KIND_POST_CONTACT, false)
	elsewhere := e.mustSurvey(t, e.analyst("bo", "other"), "other", feedbackv1.Survey_KIND_POST_CONTACT, true)
	call := feedbackv1.ContactEvent_CONTACT_TYPE_CALL_FOR_SERVICE
	_, err := e.report(t, general.GetName(), call, false, "")
	wantField(t, "general survey", err, "contact_event.survey")
	_, err = e.report(t, draft.GetName(), call, false, "")
	wantCode(t, "draft survey", err, codes.FailedPrecondition)
	_, err = e.report(t, elsewhere.GetName(), call, false, "")
	wantField(t, "another agency's survey", err, "contact_event.survey")
	_, err = e.report(t, "agencies/metro/surveys/nope", call, false, "")
	wantCode(t, "missing survey", err, codes.NotFound)
	list, err := e.surveys.ListContactEvents(an.ctx(t), &feedbackv1.ListContactEventsRequest{Parent: "agencies/metro"})
	must(t, "list", err)
	if len(list.GetContactEvents()) != 0 {
		t.Fatalf("refused contacts stored: %v", list)
	}
}
