package feedback

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
)

// errNoMatch is the one answer to a wrong code, a wrong PIN, or both.
var errNoMatch = errs.Public(errs.NotFound, "no feedback matches this tracking code and PIN")

// errFeedbackClosed refuses a reply to closed feedback: the agency ended
// the conversation, and a reply there would go unread.
var errFeedbackClosed = errs.WithReason(errs.Public(errs.FailedPrecondition,
	"this feedback is closed and takes no more replies; please submit new feedback"), "FEEDBACK_CLOSED")

// reopenNote is the history note of a reply that reopens resolved feedback.
const reopenNote = "reopened by the submitter's reply"

// addSubmitterReply adds the submitter's reply r to f: refused once f is
// closed (unless r was added already, as a retry finds), and reopening f
// for review when it was resolved, so that the reply is not left unread
// among finished cases.
func addSubmitterReply(f *Feedback, r FeedbackReply) error {
	state := f.State
	if err := appendReply(f, r); err != nil {
		return err
	}
	switch state {
	case feedbackv1.Feedback_STATE_CLOSED:
		return errFeedbackClosed
	case feedbackv1.Feedback_STATE_RESOLVED:
		// An anonymous reply's time is rounded down to the hour: the
		// reopening never comes before the resolution in the history.
		at := r.Time
		if f.UpdateTime.After(at) {
			at = f.UpdateTime
		}
		f.State, f.UpdateTime = feedbackv1.Feedback_STATE_IN_REVIEW, at
		f.History = append(f.History, StateChange{State: f.State, Time: at, Note: reopenNote})
	}
	return nil
}

// byCode returns the anonymous feedback of agency that code and pin open.
// A wrong code and a wrong PIN fail alike and count against the code; a
// code with too many failures is locked for a while (RESOURCE_EXHAUSTED
// with the time to wait), whether the PIN is right or not.
func (s *Service) byCode(ctx context.Context, agency, code, pin string) (Feedback, []byte, error) {
	norm, ok := normalizeCode(code)
	key := codeKey(agency, norm)
	if err := s.fb.locks.check(key); err != nil {
		return Feedback{}, nil, err
	}
	pin = normalizePIN(pin)
	if !ok {
		s.fb.locks.fail(key)
		return Feedback{}, nil, errNoMatch
	}
	f, err := s.store.Feedback(ctx, agency, codeFeedbackID(agency, norm))
	if errors.Is(err, errs.NotFound) {
		s.fb.locks.fail(key)
		return Feedback{}, nil, errNoMatch
	}
	if err != nil {
		return Feedback{}, nil, fmt.Errorf("look up feedback: %w", err)
	}
	if !f.Anonymous || subtle.ConstantTimeCompare(f.SecretHash, secretHash(agency, norm, pin)) != 1 {
		s.fb.locks.fail(key)
		return Feedback{}, nil, errNoMatch
	}
	s.fb.locks.succeed(key)
	return f, key, nil
}

// LookupFeedback shows anonymous feedback to whoever holds its tracking
// code and PIN: its state, timeline and public conversation.
func (s *feedbackServer) LookupFeedback(ctx context.Context, req *feedbackv1.LookupFeedbackRequest) (*feedbackv1.Feedback, error) {
	agency, err := parseFeedbackParent("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	f, _, err := s.byCode(ctx, agency, req.GetTrackingCode(), req.GetPin())
	if err != nil {
		return nil, err
	}
	return feedbackToProto(f, publicView), nil
}

// ReplyFeedback continues the conversation as the submitter: with the
// tracking code and PIN of anonymous feedback (its time rounded down to
// the hour, nothing of the caller kept), or, signed in, by the name of
// one's own identified feedback. Exactly one of the two is required.
func (s *feedbackServer) ReplyFeedback(ctx context.Context, req *feedbackv1.ReplyFeedbackRequest) (*feedbackv1.Feedback, error) {
	agency, err := parseFeedbackParent("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	byCode := req.GetTrackingCode() != "" || req.GetPin() != ""
	switch {
	case byCode && req.GetFeedback() != "":
		return nil, errs.Field("feedback", "must be empty with tracking_code and pin: give one or the other")
	case !byCode && req.GetFeedback() == "":
		return nil, errs.Field("tracking_code", "is required, with pin, unless feedback names your own feedback")
	case byCode && req.GetTrackingCode() == "":
		return nil, errs.Field("tracking_code", "is required with pin")
	case byCode && req.GetPin() == "":
		return nil, errs.Field("pin", "is required with tracking_code")
	}
	text, err := cleanFeedbackText("text", req.GetText())
	if err != nil {
		return nil, err
	}
	r := FeedbackReply{Party: feedbackv1.Feedback_PARTY_SUBMITTER, Text: text, Sentiment: s.toneOf(text)}
	var id string
	var allowed func(Feedback) error
	v := publicView
	if byCode {
		f, _, err := s.byCode(ctx, agency, req.GetTrackingCode(), req.GetPin())
		if err != nil {
			return nil, err
		}
		id, r.Time = f.ID, hourOf(s.now())
		if rid := req.GetRequestId(); rid != "" {
			r.RequestKey = requestKey("reply", agency, "", rid)
		}
		allowed = func(f Feedback) error {
			if !f.Anonymous {
				return errNoMatch
			}
			return nil
		}
	} else {
		fa, fid, err := parseFeedbackName("feedback", req.GetFeedback())
		if err != nil {
			return nil, err
		}
		if fa != agency {
			return nil, errs.Field("feedback", "must be feedback of %s", req.GetParent())
		}
		p := auth.FromContext(ctx)
		id, r.Time, v = fid, s.now().UTC(), ownerView
		if rid := req.GetRequestId(); rid != "" {
			r.RequestKey = requestKey("reply", agency, p.Name, rid)
		}
		allowed = func(f Feedback) error {
			if !isOwner(p, f) {
				return feedbackNotFound(req.GetFeedback())
			}
			return nil
		}
	}
	f, err := s.store.UpdateFeedback(ctx, agency, id, func(f *Feedback) error {
		if err := allowed(*f); err != nil {
			return err
		}
		return addSubmitterReply(f, r)
	})
	if err != nil {
		return nil, fmt.Errorf("reply to feedback: %w", err)
	}
	s.publishFeedback(feedbackv1.WatchFeedbackResponse_EVENT_TYPE_REPLIED, f)
	return feedbackToProto(f, v), nil
}
