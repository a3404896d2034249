package feedback_test

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/feedback"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
)

var (
	codeShape = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$`)
	pinShape  = regexp.MustCompile(`^[0-9]{8}$`)
	idShape   = regexp.MustCompile(`^agencies/metro/feedback/[a-z2-7]{26}$`)
)

func TestAnonymousSubmissionKeepsNothingOfTheCaller(t *testing.T) {
	t.Parallel()
	e := newFBEnv(t)
	signedIn := e.resident("ann")
	tests := []struct {
		name string
		ctx  func(t *testing.T) context.Context
	}{
		{"not signed in", func(t *testing.T) context.Context {
			return metadata.AppendToOutgoingContext(t.Context(), "user-agent", "sentinel-agent", "x-forwarded-for", "203.0.113.9")
		}},
		{"signed in, asking for anonymity", func(t *testing.T) context.Context { return signedIn.ctx(t) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := complaint("The officer was rude to me")
			in.Anonymous = true
			got := e.submit(t, tc.ctx(t), in)
			if !codeShape.MatchString(got.GetTrackingCode()) || !pinShape.MatchString(got.GetPin()) {
				t.Fatalf("tracking code %q and PIN %q", got.GetTrackingCode(), got.GetPin())
			}
			if !idShape.MatchString(got.GetName()) {
				t.Fatalf("name %q is not 128 random bits", got.GetName())
			}
			if got.GetSubmitter() != "" || !got.GetAnonymous() {
				t.Fatalf("anonymous feedback answered with submitter %q, anonymous %v", got.GetSubmitter(), got.GetAnonymous())
			}
			id := strings.TrimPrefix(got.GetName(), "agencies/metro/feedback/")
			stored, err := e.store.Feedback(t.Context(), "metro", id)
			must(t, "read the stored record", err)
			hour := fbStart.Truncate(time.Hour)
			if stored.Submitter != "" || !stored.Anonymous {
				t.Fatalf("stored submitter %q", stored.Submitter)
			}
			if !stored.CreateTime.Equal(hour) || !stored.UpdateTime.Equal(hour) || !stored.History[0].Time.Equal(hour) {
				t.Fatalf("stored times %v %v %v, want all %v", stored.CreateTime, stored.UpdateTime, stored.History[0].Time, hour)
			}
			if got.GetCreateTime().AsTime() != hour {
				t.Fatalf("create_time %v, want %v", got.GetCreateTime().AsTime(), hour)
			}
			if strings.Contains(string(stored.SecretHash), got.GetPin()) {
				t.Fatal("the PIN is stored")
			}
		})
	}
	// Identified feedback keeps its submitter and precise time.
	got := e.submit(t, signedIn.ctx(t), complaint("Identified"))
	if got.GetSubmitter() != signedIn.name() || got.GetTrackingCode() != "" || got.GetPin() != "" || got.GetAnonymous() {
		t.Fatalf("identified feedback: %v", got)
	}
	if !got.GetCreateTime().AsTime().Equal(fbStart) {
		t.Fatalf("identified create_time %v", got.GetCreateTime().AsTime())
	}
}

func TestAnonymousRetryReturnsTheSameCodeAndPIN(t *testing.T) {
	t.Parallel()
	e := newFBEnv(t)
	req := &feedbackv1.CreateFeedbackRequest{Parent: "agencies/metro", Feedback: complaint("Slow response"), RequestId: "6f1c2a0e-8d4b-4c1f-9a51-2f8e5d3b7c10"}
	first, err := e.feedback.CreateFeedback(t.Context(), req)
	must(t, "create", err)
	e.clock.Advance(2 * time.Hour)
	again, err := e.feedback.CreateFeedback(t.Context(), req)
	must(t, "retry", err)
	fbDiff(t, "retry", again, first)
	list, err := e.feedback.ListFeedback(e.analyst("ana", "metro").ctx(t), &feedbackv1.ListFeedbackRequest{Parent: "agencies/metro"})
	must(t, "list", err)
	if len(list.GetFeedback()) != 1 {
		t.Fatalf("a retry stored another: %d stored", len(list.GetFeedback()))
	}
	// Signed in, the same request id is another caller's request.
	_, err = e.feedback.CreateFeedback(e.resident("bob").ctx(t), req)
	must(t, "create as bob", err)
	// Past its lifetime, the request id is forgotten: the same request
	// creates anew.
	e.clock.Advance(feedback.FeedbackRequestLifetime)
	late, err := e.feedback.CreateFeedback(t.Context(), req)
	must(t, "create after the lifetime", err)
	if late.GetName() == first.GetName() || late.GetTrackingCode() == first.GetTrackingCode() {
		t.Fatalf("a request id past its lifetime replayed %s", late.GetName())
	}
}

// TestAnonymousRetryKeepsNothingOfTheRequest checks how a retry of an
// anonymous submission is recognized without a request record: across
// midnight UTC, where the derivation's day changes, and when concurrent
// calls carry the same request id.
func TestAnonymousRetryKeepsNothingOfTheRequest(t *testing.T) {
	t.Parallel()
	e := newFBEnv(t)
	// 23:30 UTC, the last hour of a day of the code derivation.
	e.clock.Advance(fbStart.Truncate(24 * time.Hour).Add(23*time.Hour + 30*time.Minute).Sub(fbStart))
	req := &feedbackv1.CreateFeedbackRequest{Parent: "agencies/metro", Feedback: complaint("No answer on the non-emergency line"), RequestId: "0b6f2d8e-3c1a-4e5b-9f70-1a2b3c4d5e6f"}
	first, err := e.feedback.CreateFeedback(t.Context(), req)
	must(t, "create", err)
	e.clock.Advance(time.Hour)
	again, err := e.feedback.CreateFeedback(t.Context(), req)
	must(t, "retry after midnight UTC", err)
	fbDiff(t, "retry after midnight UTC", again, first)
	lookup, err := e.feedback.LookupFeedback(t.Context(), &feedbackv1.LookupFeedbackRequest{Parent: "agencies/metro", TrackingCode: again.GetTrackingCode(), Pin: again.GetPin()})
	must(t, "look up with the code and PIN of the retry", err)
	if lookup.GetName() != first.GetName() {
		t.Fatalf("the retry's code opens %s, want %s", lookup.GetName(), first.GetName())
	}

	// Concurrent calls with one request id store one feedback and all
	// answer it with the same code and PIN.
	req = &feedbackv1.CreateFeedbackRequest{Parent: "agencies/metro", Feedback: complaint("Streetlights out on Elm"), RequestId: "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"}
	answers := make([]*feedbackv1.Feedback, 8)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Go(func() {
			var err error
			answers[i], err = e.feedback.CreateFeedback(t.Context(), req)
			if err != nil {
				t.Errorf("concurrent create %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	for _, a := range answers[1:] {
		fbDiff(t, "concurrent answers", a, answers[0])
	}
	list, err := e.feedback.ListFeedback(e.analyst("ana", "metro").ctx(t), &feedbackv1.ListFeedbackRequest{Parent: "agencies/metro"})
	must(t, "list", err)
	if n := len(list.GetFeedback()); n != 2 {
		t.Fatalf("%d feedback stored, want 2", n)
	}
	// Nothing of the requests was recorded.
	n, err := e.store.PurgeFeedbackRequests(t.Context(), e.clock.Now().Add(1000*time.Hour))
	must(t, "purge", err)
	if n != 0 {
		t.Fatalf("anonymous submissions left %d request records", n)
	}
}

func TestLookupWithCodeAndPIN(t *testing.T) {
	t.Parallel()
	e := newFBEnv(t)
	ana := e.analyst("ana", "metro")
	created := e.submit(t, t.Context(), complaint("Nobody called me back"))
	_, err := e.feedback.ChangeFeedbackState(ana.ctx(t), &feedbackv1.ChangeFeedbackStateRequest{
		Name: created.GetName(), State: feedbackv1.Feedback_STATE_TRIAGED, Note: "internal: known caller"})
	must(t, "triage", err)
	_, err = e.feedback.UpdateFeedback(ana.ctx(t), &feedbackv1.UpdateFeedbackRequest{Feedback: &feedbackv1.Feedback{Name: created.GetName(), Assignee: "accounts/ana"}})
	must(t, "assign", err)
	_, err = e.feedback.RespondFeedback(ana.ctx(t), &feedbackv1.RespondFeedbackRequest{Name: created.GetName(), Text: "We are sorry; we will call you."})
	must(t, "respond", err)
	_, err = e.feedback.CreateNote(ana.ctx(t), &feedbackv1.CreateNoteRequest{Parent: created.GetName(), Note: &feedbackv1.Note{Text: "secret note"}})
	must(t, "note", err)

	code := strings.ToLower(strings.ReplaceAll(created.GetTrackingCode(), "-", " "))
	got, err := e.feedback.LookupFeedback(t.Context(), &feedbackv1.LookupFeedbackRequest{Parent: "agencies/metro", TrackingCode: code, Pin: created.GetPin()})
	must(t, "lookup", err)
	if got.GetAssignee() != "" || got.GetSentiment() != nil || got.GetSubmitter() != "" {
		t.Fatalf("the public view shows staff fields: %v", got)
	}
	if len(got.GetHistory()) != 2 || got.GetHistory()[1].GetActor() != "" || got.GetHistory()[1].GetNote() != "" {
		t.Fatalf("public history %v", got.GetHistory())
	}
	if len(got.GetReplies()) != 1 || got.GetReplies()[0].GetAuthor() != "" || got.GetReplies()[0].GetText() != "We are sorry; we will call you." {
		t.Fatalf("public replies %v", got.GetReplies())
	}
	if strings.Contains(got.String(), "secret note") || strings.Contains(got.String(), "known caller") {
		t.Fatal("internal notes in the public view")
	}

	// The submitter replies; its time is rounded to the hour.
	e.clock.Advance(50 * time.Minute)
	replied, err := e.feedback.ReplyFeedback(t.Context(), &feedbackv1.ReplyFeedbackRequest{
		Parent: "agencies/metro", TrackingCode: created.GetTrackingCode(), Pin: created.GetPin(), Text: "Thank you"})
	must(t, "reply", err)
	last := replied.GetReplies()[len(replied.GetReplies())-1]
	if last.GetParty() != feedbackv1.Feedback_PARTY_SUBMITTER || !last.GetCreateTime().AsTime().Equal(e.clock.Now().Truncate(time.Hour)) {
		t.Fatalf("submitter reply %v", last)
	}
}

func TestWrongPINLocksTheCode(t *testing.T) {
	t.Parallel()
	e := newFBEnv(t)
	created := e.submit(t, t.Context(), complaint("Lockout"))
	lookup := func(pin string) error {
		_, err := e.feedback.LookupFeedback(t.Context(), &feedbackv1.LookupFeedbackRequest{
			Parent: "agencies/metro", TrackingCode: created.GetTrackingCode(), Pin: pin})
		return err
	}
	wrong := "00000000"
	if wrong == created.GetPin() {
		wrong = "11111111"
	}
	_, err := e.feedback.LookupFeedback(t.Context(), &feedbackv1.LookupFeedbackRequest{
		Parent: "agencies/metro", TrackingCode: "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ", Pin: created.GetPin()})
	wantCode(t, "unknown code", err, codes.NotFound)
	_, err = e.feedback.LookupFeedback(t.Context(), &feedbackv1.LookupFeedbackRequest{
		Parent: "agencies/other", TrackingCode: created.GetTrackingCode(), Pin: created.GetPin()})
	wantCode(t, "another agency", err, codes.NotFound)
	for i := range 5 {
		err := lookup(wrong)
		wantCode(t, "wrong PIN", err, codes.NotFound)
		if i == 0 && !strings.Contains(err.Error(), "no feedback matches this tracking code and PIN") {
			t.Fatalf("wrong PIN message: %v", err)
		}
	}
	wantCode(t, "right PIN while locked", lookup(created.GetPin()), codes.ResourceExhausted)
	e.clock.Advance(15 * time.Minute)
	must(t, "right PIN after the lock", lookup(created.GetPin()))
	for range 5 {
		wantCode(t, "wrong PIN", lookup(wrong), codes.NotFound)
	}
	e.clock.Advance(15 * time.Minute)
	wantCode(t, "the second lock lasts twice as long", lookup(created.GetPin()), codes.ResourceExhausted)
	e.clock.Advance(15 * time.Minute)
	must(t, "after the second lock", lookup(created.GetPin()))
}

// TestReplyAfterTheEnd checks what a submitter's reply does once the
// agency has finished: resolved feedback is reopened for review, closed
// feedback refuses it, and a retry of a reply taken before still succeeds.
func TestReplyAfterTheEnd(t *testing.T) {
	t.Parallel()
	e := newFBEnv(t)
	ana := e.analyst("ana", "metro")
	created := e.submit(t, t.Context(), complaint("My bike was not returned"))
	move := func(states ...feedbackv1.Feedback_State) {
		t.Helper()
		for _, st := range states {
			_, err := e.feedback.ChangeFeedbackState(ana.ctx(t), &feedbackv1.ChangeFeedbackStateRequest{Name: created.GetName(), State: st})
			must(t, "move to "+st.String(), err)
		}
	}
	reply := func(text, requestID string) (*feedbackv1.Feedback, error) {
		return e.feedback.ReplyFeedback(t.Context(), &feedbackv1.ReplyFeedbackRequest{
			Parent: "agencies/metro", TrackingCode: created.GetTrackingCode(), Pin: created.GetPin(), Text: text, RequestId: requestID})
	}
	e.clock.Advance(20 * time.Minute)
	move(feedbackv1.Feedback_STATE_TRIAGED, feedbackv1.Feedback_STATE_IN_REVIEW, feedbackv1.Feedback_STATE_RESOLVED)

	const rid = "0b6a3c1e-5d2f-4e8a-9c71-3f5e7a9b1d20"
	got, err := reply("It is still not back", rid)
	must(t, "reply to resolved feedback", err)
	staff, err := e.feedback.GetFeedback(ana.ctx(t), &feedbackv1.GetFeedbackRequest{Name: created.GetName()})
	must(t, "get", err)
	last := staff.GetHistory()[len(staff.GetHistory())-1]
	fbDiff(t, "reopened", []any{got.GetState(), staff.GetState(), last.GetState(), last.GetNote()},
		[]any{feedbackv1.Feedback_STATE_IN_REVIEW, feedbackv1.Feedback_STATE_IN_REVIEW, feedbackv1.Feedback_STATE_IN_REVIEW, "reopened by the submitter's reply"})
	resolvedAt := staff.GetHistory()[len(staff.GetHistory())-2].GetChangeTime().AsTime()
	if at := last.GetChangeTime().AsTime(); at.Before(resolvedAt) {
		t.Errorf("reopened at %v, before the resolution at %v", at, resolvedAt)
	}

	move(feedbackv1.Feedback_STATE_CLOSED)
	_, err = reply("Hello?", "")
	wantReason(t, "reply to closed feedback", err, codes.FailedPrecondition, "FEEDBACK_CLOSED")
	again, err := reply("It is still not back", rid)
	must(t, "retry of a reply taken before the close", err)
	fbDiff(t, "replies kept", []any{len(again.GetReplies()), again.GetState()}, []any{1, feedbackv1.Feedback_STATE_CLOSED})
}
