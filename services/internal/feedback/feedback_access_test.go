package feedback_test

import (
	"testing"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestWhoSeesFeedback(t *testing.T) {
	t.Parallel()
	e := newFBEnv(t)
	ann, bob := e.resident("ann"), e.resident("bob")
	mine := e.submit(t, ann.ctx(t), complaint("Ann's"))
	e.submit(t, bob.ctx(t), complaint("Bob's"))
	anon := complaint("Ann's, anonymous")
	anon.Anonymous = true
	annAnon := e.submit(t, ann.ctx(t), anon)

	tests := []struct {
		name string
		who  *caller
		read string
		want codes.Code
	}{
		{"the submitter", ann, mine.GetName(), codes.OK},
		{"another resident", bob, mine.GetName(), codes.NotFound},
		{"the submitter of anonymous feedback", ann, annAnon.GetName(), codes.NotFound},
		{"an analyst of the agency", e.analyst("ana", "metro"), mine.GetName(), codes.OK},
		{"an agency admin", e.staff("adm", "metro", accessv1.Role_ROLE_AGENCY_ADMIN), mine.GetName(), codes.OK},
		{"an analyst of another agency", e.analyst("oli", "other"), mine.GetName(), codes.NotFound},
		{"an officer of the agency", e.staff("off", "metro", accessv1.Role_ROLE_OFFICER), mine.GetName(), codes.NotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.feedback.GetFeedback(tc.who.ctx(t), &feedbackv1.GetFeedbackRequest{Name: tc.read})
			wantCode(t, "get", err, tc.want)
			if err == nil && tc.who == ann && got.GetSentiment() != nil {
				t.Fatal("the submitter sees the staff view")
			}
		})
	}
	_, err := e.feedback.GetFeedback(t.Context(), &feedbackv1.GetFeedbackRequest{Name: mine.GetName()})
	wantCode(t, "anonymous get", err, codes.Unauthenticated)

	list, err := e.feedback.ListFeedback(ann.ctx(t), &feedbackv1.ListFeedbackRequest{Parent: "agencies/metro"})
	must(t, "resident's list", err)
	if len(list.GetFeedback()) != 1 || list.GetFeedback()[0].GetName() != mine.GetName() {
		t.Fatalf("a resident lists %v", list.GetFeedback())
	}
	list, err = e.feedback.ListFeedback(e.analyst("ana", "metro").ctx(t), &feedbackv1.ListFeedbackRequest{Parent: "agencies/metro"})
	must(t, "analyst's list", err)
	if len(list.GetFeedback()) != 3 {
		t.Fatalf("the analyst lists %d", len(list.GetFeedback()))
	}
	list, err = e.feedback.ListFeedback(e.analyst("oli", "other").ctx(t), &feedbackv1.ListFeedbackRequest{Parent: "agencies/metro"})
	must(t, "another agency's analyst's list", err)
	if len(list.GetFeedback()) != 0 {
		t.Fatalf("an analyst of another agency lists %v", list.GetFeedback())
	}
	_, err = e.feedback.ChangeFeedbackState(e.analyst("oli", "other").ctx(t), &feedbackv1.ChangeFeedbackStateRequest{Name: mine.GetName(), State: feedbackv1.Feedback_STATE_TRIAGED})
	wantCode(t, "another agency's analyst triages", err, codes.PermissionDenied)
	_, err = e.feedback.ListNotes(ann.ctx(t), &feedbackv1.ListNotesRequest{Parent: mine.GetName()})
	wantCode(t, "a resident reads notes", err, codes.PermissionDenied)
}

func TestListFilterAndOrder(t *testing.T) {
	t.Parallel()
	e := newFBEnv(t)
	ana := e.analyst("ana", "metro")
	var names []string
	for i, kind := range []feedbackv1.FeedbackKind{feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLAINT, feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLIMENT, feedbackv1.FeedbackKind_FEEDBACK_KIND_COMPLAINT} {
		f := complaint("Number " + string(rune('a'+i)))
		f.Kind = kind
		names = append(names, e.submit(t, e.resident("r").ctx(t), f).GetName())
		e.clock.Advance(time.Minute)
	}
	tests := []struct {
		name, filter, order string
		want                []string
	}{
		{"newest first", "", "", []string{names[2], names[1], names[0]}},
		{"oldest first", "", "create_time", []string{names[0], names[1], names[2]}},
		{"complaints", "kind = COMPLAINT", "create_time", []string{names[0], names[2]}},
		{"state and time", `state = STATE_RECEIVED AND create_time > "2026-05-06T10:38:00Z"`, "create_time", []string{names[1], names[2]}},
		{"sentiment", "sentiment.label = NEGATIVE", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			token := ""
			for {
				resp, err := e.feedback.ListFeedback(ana.ctx(t), &feedbackv1.ListFeedbackRequest{Parent: "agencies/metro", Filter: tc.filter, OrderBy: tc.order, PageSize: 1, PageToken: token})
				must(t, "list", err)
				for _, f := range resp.GetFeedback() {
					got = append(got, f.GetName())
				}
				if token = resp.GetNextPageToken(); token == "" {
					break
				}
			}
			fbDiff(t, "names", got, tc.want)
		})
	}
	_, err := e.feedback.ListFeedback(ana.ctx(t), &feedbackv1.ListFeedbackRequest{Parent: "agencies/metro", Filter: "text = x"})
	wantField(t, "unknown filter field", err, "filter")
	_, err = e.feedback.ListFeedback(ana.ctx(t), &feedbackv1.ListFeedbackRequest{Parent: "agencies/metro", OrderBy: "rating"})
	wantField(t, "bad order", err, "order_by")
}

func TestWorkflow(t *testing.T) {
	t.Parallel()
	e := newFBEnv(t)
	ana := e.analyst("ana", "metro")
	const (
		received = feedbackv1.Feedback_STATE_RECEIVED
		triaged  = feedbackv1.Feedback_STATE_TRIAGED
		review   = feedbackv1.Feedback_STATE_IN_REVIEW
		resolved = feedbackv1.Feedback_STATE_RESOLVED
		closed   = feedbackv1.Feedback_STATE_CLOSED
	)
	// path leads from RECEIVED to the state a case starts in.
	path := map[feedbackv1.Feedback_State][]feedbackv1.Feedback_State{
		received: nil, triaged: {triaged}, review: {triaged, review},
		resolved: {triaged, review, resolved}, closed: {closed},
	}
	tests := []struct {
		from, to feedbackv1.Feedback_State
		ok       bool
	}{
		{received, triaged, true}, {received, review, false}, {received, resolved, false}, {received, closed, true}, {received, received, false},
		{triaged, review, true}, {triaged, resolved, false}, {triaged, closed, true}, {triaged, received, false},
		{review, resolved, true}, {review, closed, true}, {review, triaged, false},
		{resolved, review, true}, {resolved, closed, true}, {resolved, triaged, false}, {resolved, resolved, false},
		{closed, review, true}, {closed, triaged, false}, {closed, closed, false}, {closed, received, false},
	}
	for _, tc := range tests {
		t.Run(tc.from.String()+" to "+tc.to.String(), func(t *testing.T) {
			t.Parallel()
			f := e.submit(t, t.Context(), complaint("Workflow"))
			for _, s := range path[tc.from] {
				_, err := e.feedback.ChangeFeedbackState(ana.ctx(t), &feedbackv1.ChangeFeedbackStateRequest{Name: f.GetName(), State: s})
				must(t, "set up "+s.String(), err)
			}
			got, err := e.feedback.ChangeFeedbackState(ana.ctx(t), &feedbackv1.ChangeFeedbackStateRequest{Name: f.GetName(), State: tc.to, Note: "because"})
			if !tc.ok {
				wantCode(t, "illegal transition", err, codes.FailedPrecondition)
				return
			}
			must(t, "transition", err)
			last := got.GetHistory()[len(got.GetHistory())-1]
			fbDiff(t, "history entry", last, &feedbackv1.Feedback_StateChange{State: tc.to, ChangeTime: timestamppb.New(fbStart), Actor: ana.name(), Note: "because"})
			if got.GetState() != tc.to || len(got.GetHistory()) != len(path[tc.from])+2 {
				t.Fatalf("state %s with %d history entries", got.GetState(), len(got.GetHistory()))
			}
		})
	}
}

func TestETagConflicts(t *testing.T) {
	t.Parallel()
	e := newFBEnv(t)
	ana := e.analyst("ana", "metro")
	f := e.submit(t, t.Context(), complaint("Etag"))
	read, err := e.feedback.GetFeedback(ana.ctx(t), &feedbackv1.GetFeedbackRequest{Name: f.GetName()})
	must(t, "get", err)
	updated, err := e.feedback.UpdateFeedback(ana.ctx(t), &feedbackv1.UpdateFeedbackRequest{
		Feedback:   &feedbackv1.Feedback{Name: f.GetName(), Category: "response_time", Etag: read.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"category"}},
	})
	must(t, "update with the etag", err)
	if updated.GetCategory() != "response_time" || updated.GetEtag() == read.GetEtag() || updated.GetArea() != "north" {
		t.Fatalf("updated %v", updated)
	}
	_, err = e.feedback.UpdateFeedback(ana.ctx(t), &feedbackv1.UpdateFeedbackRequest{
		Feedback: &feedbackv1.Feedback{Name: f.GetName(), Assignee: "accounts/ana", Etag: read.GetEtag()},
	})
	wantCode(t, "update with a stale etag", err, codes.FailedPrecondition)
	_, err = e.feedback.ChangeFeedbackState(ana.ctx(t), &feedbackv1.ChangeFeedbackStateRequest{Name: f.GetName(), State: feedbackv1.Feedback_STATE_TRIAGED, Etag: read.GetEtag()})
	wantCode(t, "state change with a stale etag", err, codes.FailedPrecondition)
	_, err = e.feedback.UpdateFeedback(ana.ctx(t), &feedbackv1.UpdateFeedbackRequest{
		Feedback: &feedbackv1.Feedback{Name: f.GetName(), Assignee: "accounts/ana", Etag: "garbage"},
	})
	wantField(t, "update with a garbage etag", err, "feedback.etag")
	_, err = e.feedback.ChangeFeedbackState(ana.ctx(t), &feedbackv1.ChangeFeedbackStateRequest{Name: f.GetName(), State: feedbackv1.Feedback_STATE_TRIAGED, Etag: `W/"x"`})
	wantField(t, "state change with a garbage etag", err, "etag")
	_, err = e.feedback.UpdateFeedback(ana.ctx(t), &feedbackv1.UpdateFeedbackRequest{
		Feedback: &feedbackv1.Feedback{Name: f.GetName(), Text: "rewritten", Area: "south"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"text", "area"}},
	})
	wantField(t, "update of text", err, "update_mask")

	// The feedback sent back as read, with a change and the etag, as a
	// client that reads, modifies and writes does: the immutable fields
	// keep their values, the etag and output-only fields are ignored.
	read, err = e.feedback.GetFeedback(ana.ctx(t), &feedbackv1.GetFeedbackRequest{Name: f.GetName()})
	must(t, "get again", err)
	read.Assignee = "accounts/ana"
	updated, err = e.feedback.UpdateFeedback(ana.ctx(t), &feedbackv1.UpdateFeedbackRequest{Feedback: read})
	must(t, "update of the feedback as read", err)
	if updated.GetAssignee() != "accounts/ana" || updated.GetArea() != "north" || updated.GetText() != read.GetText() {
		t.Fatalf("updated %v", updated)
	}
}

func TestCreateValidation(t *testing.T) {
	t.Parallel()
	e := newFBEnv(t)
	future := timestamppb.New(fbStart.Add(time.Hour))
	tests := []struct {
		name   string
		parent string
		edit   func(*feedbackv1.Feedback)
		field  string
		code   codes.Code
	}{
		{"no kind", "agencies/metro", func(f *feedbackv1.Feedback) { f.Kind = 0 }, "feedback.kind", codes.InvalidArgument},
		{"no category", "agencies/metro", func(f *feedbackv1.Feedback) { f.Category = "" }, "feedback.category", codes.InvalidArgument},
		{"blank text", "agencies/metro", func(f *feedbackv1.Feedback) { f.Text = "   " }, "feedback.text", codes.InvalidArgument},
		{"incident in the future", "agencies/metro", func(f *feedbackv1.Feedback) { f.IncidentTime = future }, "feedback.incident_time", codes.InvalidArgument},
		{"unknown agency", "agencies/nowhere", func(*feedbackv1.Feedback) {}, "", codes.NotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := complaint("Valid text")
			tc.edit(f)
			_, err := e.feedback.CreateFeedback(t.Context(), &feedbackv1.CreateFeedbackRequest{Parent: tc.parent, Feedback: f})
			if tc.field != "" {
				wantField(t, "create", err, tc.field)
			} else {
				wantCode(t, "create", err, tc.code)
			}
		})
	}
}

func TestReplyNeedsExactlyOneWay(t *testing.T) {
	t.Parallel()
	e := newFBEnv(t)
	ann := e.resident("ann")
	anon := e.submit(t, t.Context(), complaint("Anonymous"))
	mine := e.submit(t, ann.ctx(t), complaint("Mine"))
	tests := []struct {
		name  string
		who   *caller
		req   *feedbackv1.ReplyFeedbackRequest
		field string
		code  codes.Code
	}{
		{"both", ann, &feedbackv1.ReplyFeedbackRequest{TrackingCode: anon.GetTrackingCode(), Pin: anon.GetPin(), Feedback: mine.GetName()}, "feedback", 0},
		{"neither", ann, &feedbackv1.ReplyFeedbackRequest{}, "tracking_code", 0},
		{"code without PIN", nil, &feedbackv1.ReplyFeedbackRequest{TrackingCode: anon.GetTrackingCode()}, "pin", 0},
		{"own feedback", ann, &feedbackv1.ReplyFeedbackRequest{Feedback: mine.GetName()}, "", codes.OK},
		{"someone else's feedback", e.resident("bob"), &feedbackv1.ReplyFeedbackRequest{Feedback: mine.GetName()}, "", codes.NotFound},
		{"by code", nil, &feedbackv1.ReplyFeedbackRequest{TrackingCode: anon.GetTrackingCode(), Pin: anon.GetPin()}, "", codes.OK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			if tc.who != nil {
				ctx = tc.who.ctx(t)
			}
			tc.req.Parent, tc.req.Text = "agencies/metro", "More details"
			_, err := e.feedback.ReplyFeedback(ctx, tc.req)
			if tc.field != "" {
				wantField(t, "reply", err, tc.field)
			} else {
				wantCode(t, "reply", err, tc.code)
			}
		})
	}
}
