package feedback

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
)

// maxText is the longest feedback, reply or note text, in characters.
const maxText = 5000

// cleanFeedbackText trims a text and checks it is 1 to maxText characters.
func cleanFeedbackText(field, text string) (string, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return "", errs.Field(field, "is required")
	case utf8.RuneCountInString(text) > maxText:
		return "", errs.Field(field, "must be at most %d characters", maxText)
	}
	return text, nil
}

// validFeedbackKind reports whether k is a kind of the contract.
func validFeedbackKind(k feedbackv1.FeedbackKind) bool {
	_, ok := feedbackv1.FeedbackKind_name[int32(k)]
	return ok && k != feedbackv1.FeedbackKind_FEEDBACK_KIND_UNSPECIFIED
}

// CreateFeedback stores a submission. Callers who are not signed in, and
// signed-in callers who ask for it, submit anonymously: then nothing of
// the caller is read beyond the fact that they submit anonymously, every
// stored time is rounded down to the hour, and the response carries a
// tracking code and PIN that Engage keeps only as hashes. A retry with the
// same request id returns the same feedback, code and PIN.
func (s *feedbackServer) CreateFeedback(ctx context.Context, req *feedbackv1.CreateFeedbackRequest) (*feedbackv1.Feedback, error) {
	agency, err := parseFeedbackParent("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	f, err := s.newFeedback(agency, req.GetFeedback())
	if err != nil {
		return nil, err
	}
	if p := auth.FromContext(ctx); p.Kind == auth.Account && !f.Anonymous {
		f.Submitter = p.Name
	} else {
		f.Anonymous = true // nothing of the caller is kept from here on
	}
	info, err := s.agencies.Agency(ctx, agency)
	if err != nil {
		return nil, fmt.Errorf("create feedback: %w", err)
	}
	now := s.now()
	if t := f.IncidentTime; !t.IsZero() && t.After(now) {
		return nil, errs.Field("feedback.incident_time", "must not be in the future")
	}
	at := now.UTC()
	if f.Anonymous {
		at = hourOf(now)
	}
	f.CreateTime, f.UpdateTime = at, at
	f.History = []StateChange{{State: feedbackv1.Feedback_STATE_RECEIVED, Time: at}}
	f.Periods = feedbackPeriods(info, at)

	var request FeedbackRequest
	if id := req.GetRequestId(); id != "" {
		// The store recognizes a retry in the transaction that would
		// otherwise create the feedback.
		request = FeedbackRequest{Key: requestKey("create", agency, f.Submitter, id), Time: hourOf(now)}
	}
	var code, pin string
	if f.Anonymous {
		code, pin = newTrackingCode(), newPIN()
		norm, _ := normalizeCode(code)
		f.ID = codeFeedbackID(agency, norm)
		f.SecretHash = secretHash(agency, norm, pin)
		if request.Key != nil {
			request.Sealed = sealCode(req.GetRequestId(), code, pin)
		}
	}
	stored, prev, err := s.store.CreateFeedback(ctx, f, request)
	if err != nil {
		return nil, fmt.Errorf("create feedback: %w", err)
	}
	if prev != nil { // a retry, or a concurrent call with the same request id that won
		return replayedFeedback(stored, *prev, f, req.GetRequestId())
	}
	s.publishFeedback(feedbackv1.WatchFeedbackResponse_EVENT_TYPE_CREATED, stored)
	if stored.Anonymous {
		// Neither the id nor the caller: with the log's timestamp, the id
		// would date the submission to the second.
		s.log.InfoContext(ctx, "anonymous feedback created", "agency", agency, "kind", stored.Kind.String())
		out := feedbackToProto(stored, publicView)
		out.TrackingCode, out.Pin = code, pin
		return out, nil
	}
	s.log.InfoContext(ctx, "feedback created", "feedback", stored.Name(), "kind", stored.Kind.String(), "by", stored.Submitter)
	return feedbackToProto(stored, ownerView), nil
}

// replayedFeedback answers a retry: the feedback the first call created,
// with its code and PIN opened from the request record. A request id that
// created something the retry could not have (identified feedback of
// another account, or anonymous versus identified) is refused.
func replayedFeedback(stored Feedback, prev FeedbackRequest, retry Feedback, requestID string) (*feedbackv1.Feedback, error) {
	if stored.Anonymous != retry.Anonymous || stored.Submitter != retry.Submitter {
		return nil, ErrRetryReused
	}
	if !stored.Anonymous {
		return feedbackToProto(stored, ownerView), nil
	}
	code, pin, err := unsealCode(requestID, prev.Sealed)
	if err != nil {
		return nil, ErrRetryReused
	}
	out := feedbackToProto(stored, publicView)
	out.TrackingCode, out.Pin = code, pin
	return out, nil
}

// newFeedback checks what the submitter sent and returns the feedback to
// store, without times, submitter or secrets.
func (s *Service) newFeedback(agency string, in *feedbackv1.Feedback) (Feedback, error) {
	if in == nil {
		return Feedback{}, errs.Field("feedback", "is required")
	}
	if !validFeedbackKind(in.GetKind()) {
		return Feedback{}, errs.Field("feedback.kind", "must be FEEDBACK_KIND_COMPLIMENT, FEEDBACK_KIND_COMPLAINT, FEEDBACK_KIND_SUGGESTION or FEEDBACK_KIND_QUESTION")
	}
	if in.GetCategory() == "" {
		return Feedback{}, errs.Field("feedback.category", "is required")
	}
	text, err := cleanFeedbackText("feedback.text", in.GetText())
	if err != nil {
		return Feedback{}, err
	}
	f := Feedback{
		Agency: agency, ID: newFeedbackID(), Kind: in.GetKind(), Category: in.GetCategory(), Text: text,
		Area: in.GetArea(), OfficerBadge: in.GetOfficerBadge(), IncidentNumber: in.GetIncidentNumber(),
		Anonymous: in.GetAnonymous(), State: feedbackv1.Feedback_STATE_RECEIVED, Sentiment: s.toneOf(text),
	}
	if in.Rating != nil {
		if r := in.GetRating(); r < 1 || r > 5 {
			return Feedback{}, errs.Field("feedback.rating", "must be from 1 to 5")
		}
		f.Rating = in.GetRating()
	}
	if l := in.GetLocation(); l != nil {
		f.Location = &FeedbackLocation{Latitude: l.GetLatitude(), Longitude: l.GetLongitude()}
	}
	if t := in.GetIncidentTime(); t != nil {
		if err := t.CheckValid(); err != nil {
			return Feedback{}, errs.Field("feedback.incident_time", "is not a valid time")
		}
		f.IncidentTime = t.AsTime().UTC()
	}
	return f, nil
}
