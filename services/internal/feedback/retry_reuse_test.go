package feedback_test

import (
	"context"
	"testing"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/feedback"
	"github.com/google/uuid"
)

// TestFeedbackWritesRetryOnlyTheirRequest checks the writes on feedback
// that take a request id besides its creation: the same id with another
// text is INVALID_ARGUMENT naming request_id and adds nothing, and the
// same request again is answered as the first was, without a second copy.
func TestFeedbackWritesRetryOnlyTheirRequest(t *testing.T) {
	t.Parallel()
	e := newFBEnv(t)
	ann, ana := e.resident("ann"), e.analyst("ana", "metro")
	anonymous := e.submit(t, t.Context(), complaint("Nobody answered the phone at the front desk"))
	identified := e.submit(t, ann.ctx(t), complaint("The patrol car blocked the bike lane all morning"))

	// replies counts the replies of the feedback named name, as staff see
	// it.
	replies := func(t *testing.T, name string) int {
		t.Helper()
		f, err := e.feedback.GetFeedback(ana.ctx(t), &feedbackv1.GetFeedbackRequest{Name: name})
		must(t, "get", err)
		return len(f.GetReplies())
	}
	notes := func(t *testing.T, name string) int {
		t.Helper()
		l, err := e.feedback.ListNotes(ana.ctx(t), &feedbackv1.ListNotesRequest{Parent: name})
		must(t, "list notes", err)
		return len(l.GetNotes())
	}
	writes := []struct {
		name  string
		count func(*testing.T) int
		// write makes the request of id with text.
		write func(t *testing.T, id, text string) error
	}{
		{"anonymous reply", func(t *testing.T) int { return replies(t, anonymous.GetName()) }, func(t *testing.T, id, text string) error {
			_, err := e.feedback.ReplyFeedback(t.Context(), &feedbackv1.ReplyFeedbackRequest{
				Parent: "agencies/metro", TrackingCode: anonymous.GetTrackingCode(), Pin: anonymous.GetPin(), Text: text, RequestId: id,
			})
			return err
		}},
		{"submitter's reply", func(t *testing.T) int { return replies(t, identified.GetName()) }, func(t *testing.T, id, text string) error {
			_, err := e.feedback.ReplyFeedback(ann.ctx(t), &feedbackv1.ReplyFeedbackRequest{
				Parent: "agencies/metro", Feedback: identified.GetName(), Text: text, RequestId: id,
			})
			return err
		}},
		{"public response", func(t *testing.T) int { return replies(t, identified.GetName()) }, func(t *testing.T, id, text string) error {
			_, err := e.feedback.RespondFeedback(ana.ctx(t), &feedbackv1.RespondFeedbackRequest{Name: identified.GetName(), Text: text, RequestId: id})
			return err
		}},
		{"note", func(t *testing.T) int { return notes(t, identified.GetName()) }, func(t *testing.T, id, text string) error {
			_, err := e.feedback.CreateNote(ana.ctx(t), &feedbackv1.CreateNoteRequest{
				Parent: identified.GetName(), Note: &feedbackv1.Note{Text: text}, RequestId: id,
			})
			return err
		}},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			id := uuid.NewString()
			before := w.count(t)
			must(t, "first", w.write(t, id, "We looked into it, thank you for telling us."))
			wantField(t, "the same request id with another text", w.write(t, id, "Something else entirely."), "request_id")
			must(t, "retry", w.write(t, id, "We looked into it, thank you for telling us."))
			if n := w.count(t); n != before+1 {
				t.Fatalf("%d added, want 1: the first request's", n-before)
			}
		})
	}
}

// TestSurveyWritesRetryOnlyTheirRequest checks the same of creating a
// survey and reporting a contact: a request id names one request.
func TestSurveyWritesRetryOnlyTheirRequest(t *testing.T) {
	t.Parallel()
	e := newSvEnv(t, feedback.Config{})
	an := e.analyst("ana", "metro")
	post := e.mustSurvey(t, an, "metro", feedbackv1.Survey_KIND_POST_CONTACT, true)

	survey := func(id, title string) (string, error) {
		sv, err := e.surveys.CreateSurvey(an.ctx(t), &feedbackv1.CreateSurveyRequest{
			Parent: "agencies/metro", Survey: &feedbackv1.Survey{Title: title, Questions: trustQuestions()}, RequestId: id,
		})
		return sv.GetName(), err
	}
	contact := func(id string, typ feedbackv1.ContactEvent_ContactType) (string, error) {
		ev, err := e.report(t, post.GetName(), typ, false, id)
		return ev.GetName(), err
	}
	traffic, call := feedbackv1.ContactEvent_CONTACT_TYPE_TRAFFIC_STOP, feedbackv1.ContactEvent_CONTACT_TYPE_CALL_FOR_SERVICE
	writes := []struct {
		name   string
		list   func(context.Context) (int, error)
		first  func() (string, error)
		other  func() (string, error)
		repeat func() (string, error)
	}{
		{
			"survey", func(ctx context.Context) (int, error) {
				l, err := e.surveys.ListSurveys(ctx, &feedbackv1.ListSurveysRequest{Parent: "agencies/metro"})
				return len(l.GetSurveys()), err
			},
			func() (string, error) { return survey("0b3c6f5e-5d44-4f4b-9d55-2b0c1d7e8f01", "Spring survey") },
			func() (string, error) { return survey("0b3c6f5e-5d44-4f4b-9d55-2b0c1d7e8f01", "Autumn survey") },
			func() (string, error) { return survey("0b3c6f5e-5d44-4f4b-9d55-2b0c1d7e8f01", "Spring survey") },
		},
		{
			"contact event", func(ctx context.Context) (int, error) {
				l, err := e.surveys.ListContactEvents(ctx, &feedbackv1.ListContactEventsRequest{Parent: "agencies/metro"})
				return len(l.GetContactEvents()), err
			},
			func() (string, error) { return contact("6f1d2c3b-8a9e-4b7c-a1d2-3e4f5a6b7c8d", traffic) },
			func() (string, error) { return contact("6f1d2c3b-8a9e-4b7c-a1d2-3e4f5a6b7c8d", call) },
			func() (string, error) { return contact("6f1d2c3b-8a9e-4b7c-a1d2-3e4f5a6b7c8d", traffic) },
		},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			before, err := w.list(an.ctx(t))
			must(t, "list", err)
			first, err := w.first()
			must(t, "first", err)
			_, err = w.other()
			wantField(t, "the same request id with another request", err, "request_id")
			again, err := w.repeat()
			must(t, "retry", err)
			if again != first {
				t.Fatalf("retry answered %s, want the first request's %s", again, first)
			}
			if n, err := w.list(an.ctx(t)); err != nil || n != before+1 {
				t.Fatalf("%d added (%v), want 1: the first request's", n-before, err)
			}
		})
	}
}
