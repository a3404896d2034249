package feedback_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// fullComplaint returns a submission with every field the submitter may
// set.
func fullComplaint() *feedbackv1.Feedback {
	f := complaint("The officer at the checkpoint on Elm shouted at my son")
	f.Location = &feedbackv1.Location{Latitude: 41.88, Longitude: -87.63}
	f.IncidentTime = timestamppb.New(fbStart.Add(-26 * time.Hour))
	f.OfficerBadge = "B-1234"
	f.IncidentNumber = "2026-000123"
	return f
}

// TestRetryMustRepeatTheSubmission checks that a request id is a retry
// only of the submission it came with: the same request id with anything
// else the submitter sends changed is INVALID_ARGUMENT naming request_id,
// tells nothing of the feedback stored under it and leaves it as it was,
// while a repeat (the text trimmed alike) returns the first answer, with
// the same tracking code and PIN when anonymous.
func TestRetryMustRepeatTheSubmission(t *testing.T) {
	t.Parallel()
	other := func(f *feedbackv1.Feedback) { f.Text = "Someone else's complaint about the noise" }
	changes := []struct {
		name   string
		change func(*feedbackv1.Feedback)
	}{
		{"text", other},
		{"kind", func(f *feedbackv1.Feedback) { f.Kind = feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLIMENT }},
		{"category", func(f *feedbackv1.Feedback) { f.Category = "use_of_force" }},
		{"rating", func(f *feedbackv1.Feedback) { r := int32(5); f.Rating = &r }},
		{"no rating", func(f *feedbackv1.Feedback) { f.Rating = nil }},
		{"area", func(f *feedbackv1.Feedback) { f.Area = "south" }},
		{"location", func(f *feedbackv1.Feedback) { f.Location.Longitude = -87.64 }},
		{"no location", func(f *feedbackv1.Feedback) { f.Location = nil }},
		{"incident time", func(f *feedbackv1.Feedback) { f.IncidentTime = timestamppb.New(fbStart.Add(-25 * time.Hour)) }},
		{"no incident time", func(f *feedbackv1.Feedback) { f.IncidentTime = nil }},
		{"officer badge", func(f *feedbackv1.Feedback) { f.OfficerBadge = "B-4321" }},
		{"incident number", func(f *feedbackv1.Feedback) { f.IncidentNumber = "2026-000124" }},
	}
	e := newFBEnv(t)
	callers := []struct {
		name string
		ctx  func(t *testing.T) context.Context
	}{
		{"anonymous", func(t *testing.T) context.Context { return t.Context() }},
		{"identified", func(t *testing.T) context.Context { return e.resident("ann").ctx(t) }},
	}
	for _, c := range callers {
		t.Run(c.name, func(t *testing.T) {
			for _, tc := range changes {
				t.Run(tc.name, func(t *testing.T) {
					req := &feedbackv1.CreateFeedbackRequest{Parent: "agencies/metro", Feedback: fullComplaint(), RequestId: uuid.NewString()}
					first, err := e.feedback.CreateFeedback(c.ctx(t), req)
					must(t, "create", err)
					id := strings.TrimPrefix(first.GetName(), "agencies/metro/feedback/")
					stored, err := e.store.Feedback(t.Context(), "metro", id)
					must(t, "read the stored feedback", err)

					e.clock.Advance(time.Minute)
					changed := fullComplaint()
					tc.change(changed)
					got, err := e.feedback.CreateFeedback(c.ctx(t), &feedbackv1.CreateFeedbackRequest{Parent: "agencies/metro", Feedback: changed, RequestId: req.GetRequestId()})
					wantField(t, "the same request id with another submission", err, "request_id")
					if got != nil {
						t.Fatalf("refused, yet answered %v", got)
					}
					told := status.Convert(err).Proto().String()
					for what, secret := range map[string]string{
						"name": id, "text": first.GetText(), "tracking code": first.GetTrackingCode(), "PIN": first.GetPin(),
					} {
						if secret != "" && strings.Contains(told, secret) {
							t.Errorf("the refusal tells the first submission's %s: %s", what, told)
						}
					}
					after, err := e.store.Feedback(t.Context(), "metro", id)
					must(t, "read the stored feedback again", err)
					if d := cmp.Diff(stored, after); d != "" {
						t.Errorf("the refused request changed the stored feedback (-before +after):\n%s", d)
					}

					// A repeat, with the text padded as a form may send it.
					again := fullComplaint()
					again.Text = "  " + again.Text + "\n"
					repeat, err := e.feedback.CreateFeedback(c.ctx(t), &feedbackv1.CreateFeedbackRequest{Parent: "agencies/metro", Feedback: again, RequestId: req.GetRequestId()})
					must(t, "repeat", err)
					fbDiff(t, "repeat", repeat, first)
				})
			}
		})
	}
	list, err := e.feedback.ListFeedback(e.analyst("ana", "metro").ctx(t), &feedbackv1.ListFeedbackRequest{Parent: "agencies/metro", PageSize: 100})
	must(t, "list", err)
	if n, want := len(list.GetFeedback()), len(callers)*len(changes); n != want {
		t.Fatalf("%d feedback stored, want %d: one per first request", n, want)
	}
}

// TestRetryAfterTriage checks that what a retry must repeat is the
// submission as sent, not the category and area an analyst gave it since.
func TestRetryAfterTriage(t *testing.T) {
	t.Parallel()
	e := newFBEnv(t)
	ana := e.analyst("ana", "metro")
	req := &feedbackv1.CreateFeedbackRequest{Parent: "agencies/metro", Feedback: fullComplaint(), RequestId: "3f0a6c2e-9b1d-4e7a-8c5f-0d2b4a6e8f10"}
	first, err := e.feedback.CreateFeedback(t.Context(), req)
	must(t, "create", err)
	_, err = e.feedback.UpdateFeedback(ana.ctx(t), &feedbackv1.UpdateFeedbackRequest{
		Feedback: &feedbackv1.Feedback{Name: first.GetName(), Category: "use_of_force", Area: "south"}})
	must(t, "recategorize", err)

	e.clock.Advance(time.Hour)
	again, err := e.feedback.CreateFeedback(t.Context(), req)
	must(t, "retry after triage", err)
	if again.GetName() != first.GetName() || again.GetTrackingCode() != first.GetTrackingCode() || again.GetPin() != first.GetPin() {
		t.Fatalf("retry after triage answered %v, want %v", again, first)
	}
	triaged := fullComplaint()
	triaged.Category, triaged.Area = "use_of_force", "south"
	_, err = e.feedback.CreateFeedback(t.Context(), &feedbackv1.CreateFeedbackRequest{Parent: "agencies/metro", Feedback: triaged, RequestId: req.GetRequestId()})
	wantField(t, "the triaged category and area, which the submitter did not send", err, "request_id")
}

// TestConcurrentSubmissionsWithOneRequestID checks that of different
// submissions sent at once with the same request id, one is stored and
// answered and every other is refused.
func TestConcurrentSubmissionsWithOneRequestID(t *testing.T) {
	t.Parallel()
	e := newFBEnv(t)
	const n = 8
	answers, errs := make([]*feedbackv1.Feedback, n), make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			f := complaint("Complaint number " + string(rune('A'+i)))
			answers[i], errs[i] = e.feedback.CreateFeedback(t.Context(), &feedbackv1.CreateFeedbackRequest{
				Parent: "agencies/metro", Feedback: f, RequestId: "5b7d9f1a-3c5e-4a7b-9d1f-2e4a6c8e0b13"})
		})
	}
	wg.Wait()
	var stored *feedbackv1.Feedback
	for i := range n {
		if errs[i] == nil {
			if stored != nil {
				t.Fatalf("two submissions answered: %v and %v", stored, answers[i])
			}
			stored = answers[i]
			continue
		}
		wantField(t, "a concurrent other submission", errs[i], "request_id")
	}
	if stored == nil {
		t.Fatal("no submission was stored")
	}
	list, err := e.feedback.ListFeedback(e.analyst("ana", "metro").ctx(t), &feedbackv1.ListFeedbackRequest{Parent: "agencies/metro"})
	must(t, "list", err)
	if len(list.GetFeedback()) != 1 || list.GetFeedback()[0].GetText() != stored.GetText() {
		t.Fatalf("stored %v, want only %q", list.GetFeedback(), stored.GetText())
	}
}

// TestNilRequestIDIsRefused checks that the nil UUID, which any careless
// client may send, is not taken as a request id: anonymous retries are
// recognized by the request id alone.
func TestNilRequestIDIsRefused(t *testing.T) {
	t.Parallel()
	e := newFBEnv(t)
	for _, ctx := range []context.Context{t.Context(), e.resident("ann").ctx(t)} {
		_, err := e.feedback.CreateFeedback(ctx, &feedbackv1.CreateFeedbackRequest{
			Parent: "agencies/metro", Feedback: complaint("Rude"), RequestId: "00000000-0000-0000-0000-000000000000"})
		wantField(t, "the nil UUID", err, "request_id")
	}
}
