package feedback_test

import (
	"testing"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
)

func TestWatchReceivesNewFeedbackAndReplies(t *testing.T) {
	t.Parallel()
	e := newFBEnv(t)
	stream, err := e.feedback.WatchFeedback(e.analyst("ana", "metro").ctx(t), &feedbackv1.WatchFeedbackRequest{Parent: "agencies/metro"})
	must(t, "watch", err)
	_, err = stream.Header() // the watcher is registered
	must(t, "headers", err)
	other, err := e.feedback.CreateFeedback(t.Context(), &feedbackv1.CreateFeedbackRequest{Parent: "agencies/other", Feedback: complaint("Elsewhere")})
	must(t, "create elsewhere", err)
	_ = other
	created := e.submit(t, t.Context(), complaint("Watch me"))
	ev, err := stream.Recv()
	must(t, "receive", err)
	if ev.GetEventType() != feedbackv1.WatchFeedbackResponse_EVENT_TYPE_CREATED || ev.GetFeedback().GetName() != created.GetName() {
		t.Fatalf("event %v", ev)
	}
	if ev.GetFeedback().GetTrackingCode() != "" || ev.GetFeedback().GetPin() != "" {
		t.Fatal("the event carries the tracking code")
	}
	_, err = e.feedback.ReplyFeedback(t.Context(), &feedbackv1.ReplyFeedbackRequest{
		Parent: "agencies/metro", TrackingCode: created.GetTrackingCode(), Pin: created.GetPin(), Text: "More"})
	must(t, "reply", err)
	ev, err = stream.Recv()
	must(t, "receive", err)
	if ev.GetEventType() != feedbackv1.WatchFeedbackResponse_EVENT_TYPE_REPLIED || len(ev.GetFeedback().GetReplies()) != 1 {
		t.Fatalf("event %v", ev)
	}
	e.svc.Close()
	if _, err := stream.Recv(); err == nil {
		t.Fatal("the stream goes on after Close")
	}
}
