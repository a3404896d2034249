package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/feedback"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// feedbackSeeder writes the demo's feedback and surveys as the people who
// would: residents (anonymous or signed in) submit and answer, the analyst
// triages, answers and runs surveys, the dispatch partner reports
// contacts.
type feedbackSeeder struct {
	feedback feedbackv1.FeedbackServiceClient
	surveys  feedbackv1.SurveyServiceClient
	// store is the feedback service's store, for the general survey's
	// answers of past weeks, which the API cannot back-date (see
	// trustHistory).
	store  feedback.Store
	loc    *time.Location
	agency string
	// minCell is k: each area meant to show a Trust Index gets more answers.
	minCell int
}

// demoFeedback is what the banner tells of the seeded feedback: the code
// and PIN of an anonymous complaint with an answer, to try a lookup.
type demoFeedback struct {
	trackingCode, pin string
}

func newFeedbackSeeder(conn *grpc.ClientConn, store feedback.Store, agency string, loc *time.Location, minCell int) *feedbackSeeder {
	return &feedbackSeeder{
		feedback: feedbackv1.NewFeedbackServiceClient(conn),
		surveys:  feedbackv1.NewSurveyServiceClient(conn),
		store:    store,
		loc:      loc,
		agency:   agency,
		minCell:  minCell,
	}
}

// seed writes feedback of every kind, anonymous and identified, some
// answered; a general survey with eight weeks of past answers (a Trust
// Index the public sees) and enough answers this week in two areas for
// one that staff follow live, too few in a third; and a post-contact
// survey with one invitation answered and one contact suppressed.
func (f *feedbackSeeder) seed(anonymous, resident, neighbor, analyst, dispatch context.Context) (demoFeedback, error) {
	var out demoFeedback
	incident := time.Now().Add(-52 * time.Hour).Truncate(time.Hour)
	items := []struct {
		who context.Context
		fb  *feedbackv1.Feedback
		// answer, when set, is the analyst's public answer; steps are the
		// workflow states the analyst moves it through first.
		answer string
		steps  []feedbackv1.Feedback_State
	}{
		{anonymous, &feedbackv1.Feedback{
			Kind: feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLAINT, Category: "response_time", Area: "d1", Rating: proto.Int32(2),
			Text:         "I called about a break-in on Oak Street and waited 40 minutes for an officer. Nobody told us why.",
			IncidentTime: timestamppb.New(incident), IncidentNumber: "2026-004417",
		}, "We are sorry about the wait. That evening two crashes on Route 9 took every District 1 unit; we are reviewing how calls are queued at such times.",
			[]feedbackv1.Feedback_State{feedbackv1.Feedback_STATE_TRIAGED, feedbackv1.Feedback_STATE_IN_REVIEW}},
		{resident, &feedbackv1.Feedback{
			Kind: feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLIMENT, Category: "courtesy", Area: "d1", Rating: proto.Int32(5),
			Text: "Officer Patel was patient and kind when my elderly father got lost downtown. Thank you!", OfficerBadge: "SPD-1187",
		}, "Thank you for writing. We have passed your words on to Officer Patel and the District 1 sergeant.",
			[]feedbackv1.Feedback_State{feedbackv1.Feedback_STATE_TRIAGED, feedbackv1.Feedback_STATE_IN_REVIEW, feedbackv1.Feedback_STATE_RESOLVED}},
		{neighbor, &feedbackv1.Feedback{
			Kind: feedbackv1.FeedbackKind_FEEDBACK_KIND_QUESTION, Category: "records", Area: "d2",
			Text: "How do I get a copy of the report about my stolen bicycle for the insurance?",
		}, "Request it at the records desk or by mail with the case number; it is free for victims and ready within five working days.",
			[]feedbackv1.Feedback_State{feedbackv1.Feedback_STATE_TRIAGED, feedbackv1.Feedback_STATE_IN_REVIEW, feedbackv1.Feedback_STATE_RESOLVED}},
		{anonymous, &feedbackv1.Feedback{
			Kind: feedbackv1.FeedbackKind_FEEDBACK_KIND_SUGGESTION, Category: "patrols", Area: "d2", Rating: proto.Int32(3),
			Text: "Please patrol Riverside Park after dark on weekends. Groups gather and drink near the playground.",
		}, "", nil},
		{anonymous, &feedbackv1.Feedback{
			Kind: feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLAINT, Category: "use_of_force", Area: "d3",
			Text:         "At the traffic stop on Maple Avenue the officer grabbed my arm hard although I was calm and cooperating.",
			IncidentTime: timestamppb.New(incident.Add(-24 * time.Hour)),
		}, "", []feedbackv1.Feedback_State{feedbackv1.Feedback_STATE_TRIAGED}},
		{anonymous, &feedbackv1.Feedback{
			Kind: feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLIMENT, Category: "community_events", Area: "d3", Rating: proto.Int32(5),
			Text: "Coffee with a Cop was great. My kids loved meeting the K-9 team.",
		}, "", nil},
	}
	for i, it := range items {
		created, err := f.feedback.CreateFeedback(it.who, &feedbackv1.CreateFeedbackRequest{Parent: f.agency, Feedback: it.fb})
		if err != nil {
			return out, fmt.Errorf("submit feedback %d: %w", i, err)
		}
		for _, st := range it.steps {
			if _, err := f.feedback.ChangeFeedbackState(analyst, &feedbackv1.ChangeFeedbackStateRequest{Name: created.GetName(), State: st}); err != nil {
				return out, fmt.Errorf("move feedback %d to %s: %w", i, st, err)
			}
		}
		if it.answer != "" {
			if _, err := f.feedback.RespondFeedback(analyst, &feedbackv1.RespondFeedbackRequest{Name: created.GetName(), Text: it.answer}); err != nil {
				return out, fmt.Errorf("answer feedback %d: %w", i, err)
			}
		}
		if i == 0 {
			out = demoFeedback{trackingCode: created.GetTrackingCode(), pin: created.GetPin()}
			if _, err := f.feedback.ReplyFeedback(anonymous, &feedbackv1.ReplyFeedbackRequest{
				Parent: f.agency, TrackingCode: out.trackingCode, Pin: out.pin,
				Text: "Thanks for explaining. Could dispatch at least tell callers when there will be a long wait?",
			}); err != nil {
				return out, fmt.Errorf("reply anonymously: %w", err)
			}
		}
		if i == 4 {
			if _, err := f.feedback.CreateNote(analyst, &feedbackv1.CreateNoteRequest{
				Parent: created.GetName(), Note: &feedbackv1.Note{Text: "Body-camera footage requested from the traffic unit."},
			}); err != nil {
				return out, fmt.Errorf("note: %w", err)
			}
		}
	}
	if err := f.trustSurvey(anonymous, analyst, anonymous); err != nil {
		return out, err
	}
	if err := f.postContactSurvey(analyst, dispatch, anonymous); err != nil {
		return out, err
	}
	return out, nil
}

// trustQuestions are the demo surveys' questions: one rating per
// Trust-Index dimension, a choice and free text.
func trustQuestions() []*feedbackv1.Question {
	rating := func(id, text string, d feedbackv1.TrustDimension) *feedbackv1.Question {
		return &feedbackv1.Question{Id: id, Text: text, Type: feedbackv1.Question_TYPE_RATING, Dimension: d, Required: true}
	}
	return []*feedbackv1.Question{
		rating("safe", "How safe do you feel in your neighborhood? (0–10)", feedbackv1.TrustDimension_TRUST_DIMENSION_SAFETY),
		rating("trust", "How much do you trust Springfield PD? (0–10)", feedbackv1.TrustDimension_TRUST_DIMENSION_TRUST),
		rating("respect", "Do officers treat people with respect? (0–10)", feedbackv1.TrustDimension_TRUST_DIMENSION_RESPECT),
		rating("listen", "Does the department listen to residents' concerns? (0–10)", feedbackv1.TrustDimension_TRUST_DIMENSION_LISTENING),
		rating("fair", "Does the department treat everyone fairly? (0–10)", feedbackv1.TrustDimension_TRUST_DIMENSION_FAIRNESS),
		{Id: "contact", Text: "Have you had contact with an officer in the last year?", Type: feedbackv1.Question_TYPE_SINGLE_CHOICE, Choices: []string{"Yes", "No"}},
		{Id: "comments", Text: "What should we do better?", Type: feedbackv1.Question_TYPE_FREE_TEXT},
	}
}

// trustSurvey runs the general survey: the answers of past weeks (see
// trustHistory), then this week's over the API: k+2 answers in District
// 1 and k+1 in District 2, so both show a Trust Index to staff now and
// to the public once the week and month end, and 4 in District 3, which
// stays suppressed.
func (f *feedbackSeeder) trustSurvey(ctx, analyst, anonymous context.Context) error {
	sv, err := f.openSurvey(analyst, feedbackv1.Survey_KIND_GENERAL, "Springfield community trust survey",
		"Five questions, two minutes, fully anonymous. Your answers shape the public Trust Index.")
	if err != nil {
		return err
	}
	if err := f.trustHistory(ctx, sv, f.loc); err != nil {
		return err
	}
	areas := []struct {
		area string
		n    int
		base int32 // ratings vary around it
	}{{"d1", f.minCell + 2, 7}, {"d2", f.minCell + 1, 5}, {"d3", 4, 6}}
	for _, a := range areas {
		for i := range a.n {
			token, err := deviceToken()
			if err != nil {
				return err
			}
			var answers []*feedbackv1.Answer
			for j, q := range []string{"safe", "trust", "respect", "listen", "fair"} {
				r := min(10, max(0, a.base+int32((i+j)%5)-2))
				answers = append(answers, &feedbackv1.Answer{QuestionId: q, Rating: proto.Int32(r)})
			}
			answers = append(answers, &feedbackv1.Answer{QuestionId: "contact", Choices: []string{[]string{"Yes", "No"}[i%2]}})
			if i%4 == 0 {
				answers = append(answers, &feedbackv1.Answer{QuestionId: "comments", Text: "More officers on foot, fewer in cars."})
			}
			if _, err := f.surveys.CreateSurveyResponse(anonymous, &feedbackv1.CreateSurveyResponseRequest{
				Parent:         sv,
				SurveyResponse: &feedbackv1.SurveyResponse{Answers: answers, Area: a.area, DeviceToken: token},
			}); err != nil {
				return fmt.Errorf("answer the trust survey in %s: %w", a.area, err)
			}
		}
	}
	return nil
}

// postContactSurvey runs the post-contact survey: the dispatch partner
// reports a traffic stop (invited, and answered), a report taken
// (invited) and a domestic-violence call (suppressed, and audited).
func (f *feedbackSeeder) postContactSurvey(analyst, dispatch, anonymous context.Context) error {
	sv, err := f.openSurvey(analyst, feedbackv1.Survey_KIND_POST_CONTACT, "How did we do?",
		"You recently had contact with Springfield PD. Tell us how it went; your answer is anonymous.")
	if err != nil {
		return err
	}
	contacts := []struct {
		t    feedbackv1.ContactEvent_ContactType
		area string
	}{
		{feedbackv1.ContactEvent_CONTACT_TYPE_TRAFFIC_STOP, "d1"},
		{feedbackv1.ContactEvent_CONTACT_TYPE_REPORT_TAKEN, "d2"},
		{feedbackv1.ContactEvent_CONTACT_TYPE_DOMESTIC_VIOLENCE, "d2"},
	}
	for i, c := range contacts {
		ev, err := f.surveys.CreateContactEvent(dispatch, &feedbackv1.CreateContactEventRequest{
			Parent:       f.agency,
			ContactEvent: &feedbackv1.ContactEvent{Survey: sv, ContactType: c.t, Area: c.area},
		})
		if err != nil {
			return fmt.Errorf("report contact %s: %w", c.t, err)
		}
		if i > 0 || ev.GetInvitationToken() == "" {
			continue
		}
		var answers []*feedbackv1.Answer
		for _, q := range []string{"safe", "trust", "respect", "listen", "fair"} {
			answers = append(answers, &feedbackv1.Answer{QuestionId: q, Rating: proto.Int32(8)})
		}
		answers = append(answers, &feedbackv1.Answer{QuestionId: "comments", Text: "The officer explained why I was stopped. Fair enough."})
		if _, err := f.surveys.CreateSurveyResponse(anonymous, &feedbackv1.CreateSurveyResponseRequest{
			Parent:         sv,
			SurveyResponse: &feedbackv1.SurveyResponse{Answers: answers, InvitationToken: ev.GetInvitationToken()},
		}); err != nil {
			return fmt.Errorf("answer an invitation: %w", err)
		}
	}
	return nil
}

// openSurvey creates a survey with the trust questions and opens it.
func (f *feedbackSeeder) openSurvey(analyst context.Context, kind feedbackv1.Survey_Kind, title, desc string) (string, error) {
	sv, err := f.surveys.CreateSurvey(analyst, &feedbackv1.CreateSurveyRequest{
		Parent: f.agency,
		Survey: &feedbackv1.Survey{Title: title, Description: desc, Kind: kind, Questions: trustQuestions()},
	})
	if err != nil {
		return "", fmt.Errorf("create survey %q: %w", title, err)
	}
	if _, err := f.surveys.OpenSurvey(analyst, &feedbackv1.OpenSurveyRequest{Name: sv.GetName()}); err != nil {
		return "", fmt.Errorf("open survey %q: %w", title, err)
	}
	return sv.GetName(), nil
}

// deviceToken is what an app keeps per install to answer a survey once.
func deviceToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
