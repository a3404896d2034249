package feedback

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/fieldmask"
	"google.golang.org/protobuf/proto"
)

// The fields of feedback UpdateFeedback changes (see fieldmask for the
// rules); the rest of what the submitter sent is immutable.
var feedbackUpdatable = []string{"category", "area", "assignee"}

// UpdateFeedback changes what triage decides, category, area and
// assignee, for the agency's analysts. A non-empty etag must match.
func (s *feedbackServer) UpdateFeedback(ctx context.Context, req *feedbackv1.UpdateFeedbackRequest) (*feedbackv1.Feedback, error) {
	in := req.GetFeedback()
	if in == nil {
		return nil, errs.Field("feedback", "is required")
	}
	agency, id, err := parseFeedbackName("feedback.name", in.GetName())
	if err != nil {
		return nil, err
	}
	u, err := fieldmask.Resolve(req.GetUpdateMask(), in, feedbackUpdatable)
	if err != nil {
		return nil, err
	}
	if slices.Contains(u.Paths, "category") && in.GetCategory() == "" {
		return nil, errs.Field("feedback.category", "is required")
	}
	if _, err := requireAnalyst(ctx, agency, in.GetName()); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	f, err := s.store.UpdateFeedback(ctx, agency, id, func(f *Feedback) error {
		if err := checkETag("feedback.etag", in.GetEtag(), f.Revision); err != nil {
			return err
		}
		if err := u.CheckImmutable(in, func() proto.Message { return feedbackToProto(*f, staffView) }); err != nil {
			return err
		}
		for _, field := range u.Paths {
			switch field {
			case "category":
				f.Category = in.GetCategory()
			case "area":
				f.Area = in.GetArea()
			case "assignee":
				f.Assignee = in.GetAssignee()
			}
		}
		f.UpdateTime = now
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update feedback: %w", err)
	}
	return feedbackToProto(f, staffView), nil
}

// feedbackTransitions is the workflow: RECEIVED → TRIAGED → IN_REVIEW →
// RESOLVED; any state but CLOSED may be CLOSED; RESOLVED and CLOSED
// feedback may be reopened to IN_REVIEW.
var feedbackTransitions = map[feedbackv1.Feedback_State][]feedbackv1.Feedback_State{
	feedbackv1.Feedback_STATE_RECEIVED:  {feedbackv1.Feedback_STATE_TRIAGED, feedbackv1.Feedback_STATE_CLOSED},
	feedbackv1.Feedback_STATE_TRIAGED:   {feedbackv1.Feedback_STATE_IN_REVIEW, feedbackv1.Feedback_STATE_CLOSED},
	feedbackv1.Feedback_STATE_IN_REVIEW: {feedbackv1.Feedback_STATE_RESOLVED, feedbackv1.Feedback_STATE_CLOSED},
	feedbackv1.Feedback_STATE_RESOLVED:  {feedbackv1.Feedback_STATE_IN_REVIEW, feedbackv1.Feedback_STATE_CLOSED},
	feedbackv1.Feedback_STATE_CLOSED:    {feedbackv1.Feedback_STATE_IN_REVIEW},
}

// transitionAllowed reports whether feedback in from may move to to.
func transitionAllowed(from, to feedbackv1.Feedback_State) bool {
	return slices.Contains(feedbackTransitions[from], to)
}

// ChangeFeedbackState moves feedback along its workflow, recording the
// step, the analyst and their note in its history. A step the workflow
// does not allow is FAILED_PRECONDITION naming both states.
func (s *feedbackServer) ChangeFeedbackState(ctx context.Context, req *feedbackv1.ChangeFeedbackStateRequest) (*feedbackv1.Feedback, error) {
	agency, id, err := parseFeedbackName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	to := req.GetState()
	if _, ok := feedbackTransitions[to]; !ok {
		return nil, errs.Field("state", "must be one of STATE_RECEIVED, STATE_TRIAGED, STATE_IN_REVIEW, STATE_RESOLVED, STATE_CLOSED")
	}
	p, err := requireAnalyst(ctx, agency, req.GetName())
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	f, err := s.store.UpdateFeedback(ctx, agency, id, func(f *Feedback) error {
		if err := checkETag("etag", req.GetEtag(), f.Revision); err != nil {
			return err
		}
		if !transitionAllowed(f.State, to) {
			return errs.WithReason(errs.Public(errs.FailedPrecondition,
				"feedback in state %s cannot move to state %s", f.State, to), "STATE_TRANSITION_NOT_ALLOWED")
		}
		f.State = to
		f.History = append(f.History, StateChange{State: to, Time: now, Actor: p.Name, Note: req.GetNote()})
		f.UpdateTime = now
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("change feedback state: %w", err)
	}
	s.log.InfoContext(ctx, "feedback state changed", "feedback", f.Name(), "state", to.String(), "by", p.Name)
	return feedbackToProto(f, staffView), nil
}

// appendReply adds r to f unless a reply of the same request is already
// there (a retry), in which case nothing changes; the same request id with
// another text is ErrRetryReused.
func appendReply(f *Feedback, r FeedbackReply) error {
	if len(r.RequestKey) > 0 {
		for _, prev := range f.Replies {
			if bytes.Equal(prev.RequestKey, r.RequestKey) {
				if prev.Text != r.Text {
					return ErrRetryReused
				}
				return ErrFeedbackUnchanged
			}
		}
	}
	f.Replies = append(f.Replies, r)
	if r.Time.After(f.UpdateTime) {
		f.UpdateTime = r.Time
	}
	return nil
}

// RespondFeedback answers the submitter publicly, for the agency's
// analysts: the reply appears in the submitter's lookup, without the
// analyst's name.
func (s *feedbackServer) RespondFeedback(ctx context.Context, req *feedbackv1.RespondFeedbackRequest) (*feedbackv1.Feedback, error) {
	agency, id, err := parseFeedbackName("name", req.GetName())
	if err != nil {
		return nil, err
	}
	text, err := cleanFeedbackText("text", req.GetText())
	if err != nil {
		return nil, err
	}
	p, err := requireAnalyst(ctx, agency, req.GetName())
	if err != nil {
		return nil, err
	}
	r := FeedbackReply{
		Party: feedbackv1.Feedback_PARTY_AGENCY, Text: text, Sentiment: s.toneOf(text),
		Author: p.Name, Time: s.now().UTC(),
	}
	if rid := req.GetRequestId(); rid != "" {
		r.RequestKey = requestKey("respond", agency, p.Name, rid)
	}
	f, err := s.store.UpdateFeedback(ctx, agency, id, func(f *Feedback) error { return appendReply(f, r) })
	if err != nil {
		return nil, fmt.Errorf("respond to feedback: %w", err)
	}
	s.log.InfoContext(ctx, "feedback answered", "feedback", f.Name(), "by", p.Name)
	return feedbackToProto(f, staffView), nil
}
