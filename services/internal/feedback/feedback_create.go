package feedback

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"
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
// same request id and the same submission returns the same feedback, code
// and PIN; the same request id with another submission is ErrRetryReused,
// which tells nothing of the feedback stored under it.
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

	if f.Anonymous {
		return s.createAnonymous(ctx, f, req.GetRequestId(), now)
	}
	var request FeedbackRequest
	if id := req.GetRequestId(); id != "" {
		// The store recognizes a retry in the transaction that would
		// otherwise create the feedback.
		request = FeedbackRequest{Key: requestKey("create", agency, f.Submitter, id), Time: hourOf(now)}
	}
	stored, prev, err := s.store.CreateFeedback(ctx, f, request)
	if err != nil {
		return nil, fmt.Errorf("create feedback: %w", err)
	}
	if prev != nil { // a retry, or a concurrent call with the same request id that won
		if !stored.Anonymous && stored.Submitter == f.Submitter && sameSubmission(stored, f) {
			return feedbackToProto(stored, ownerView), nil
		}
		return nil, ErrRetryReused
	}
	s.publishFeedback(feedbackv1.WatchFeedbackResponse_EVENT_TYPE_CREATED, stored)
	s.log.InfoContext(ctx, "feedback created", "feedback", stored.Name(), "kind", stored.Kind.String(), "by", stored.Submitter)
	return feedbackToProto(stored, ownerView), nil
}

// createAnonymous stores anonymous feedback f and answers it with its
// tracking code and PIN. With a request id the code and PIN derive from it
// (retryCodes), so that a retry within FeedbackRequestLifetime finds the
// feedback the first call stored, by its id, and returns it with the same
// code and PIN; nothing of the request is stored. The request id alone
// opens nothing: anyone who learns it (from a proxy's log, say) and sends
// something else with it is refused, and so is a second person whose
// client reuses it, rather than being told the first submitter's code and
// PIN while their own submission is dropped.
func (s *Service) createAnonymous(ctx context.Context, f Feedback, requestID string, now time.Time) (*feedbackv1.Feedback, error) {
	var request FeedbackRequest
	var today, yesterday anonymousCode
	if requestID == "" {
		today = newAnonymousCode(f.Agency, newTrackingCode(), newPIN())
	} else {
		// The day before is tried too, for a retry across midnight UTC.
		// The store skips one past FeedbackRequestLifetime.
		today = s.fb.codes.at(f.Agency, requestID, now)
		yesterday = s.fb.codes.at(f.Agency, requestID, now.Add(-24*time.Hour))
		request = FeedbackRequest{Time: hourOf(now), Derived: []string{today.id, yesterday.id}}
	}
	f.ID, f.SecretHash = today.id, today.secretHash
	stored, prev, err := s.store.CreateFeedback(ctx, f, request)
	if err != nil {
		return nil, fmt.Errorf("create feedback: %w", err)
	}
	if prev != nil { // a retry, or a concurrent call with the same request id that won
		c := today
		if stored.ID == yesterday.id {
			c = yesterday
		}
		if !bytes.Equal(stored.SecretHash, c.secretHash) || !sameSubmission(stored, f) {
			return nil, ErrRetryReused
		}
		return answerAnonymous(stored, c), nil
	}
	s.publishFeedback(feedbackv1.WatchFeedbackResponse_EVENT_TYPE_CREATED, stored)
	// Neither the id nor the caller: with the log's timestamp, the id
	// would date the submission to the second.
	s.log.InfoContext(ctx, "anonymous feedback created", "agency", f.Agency, "kind", stored.Kind.String())
	return answerAnonymous(stored, today), nil
}

// answerAnonymous is the answer to the submitter of anonymous feedback:
// the public view with the code and PIN, which only this answer carries.
func answerAnonymous(f Feedback, c anonymousCode) *feedbackv1.Feedback {
	out := feedbackToProto(f, publicView)
	out.TrackingCode, out.Pin = c.code, c.pin
	return out
}

// newFeedback checks what the submitter sent and returns the feedback to
// store, without times, submitter or secrets, with the hash of the
// submission (submissionHash).
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
	f.SubmissionHash = submissionHash(f)
	return f, nil
}

// submissionHash is SHA-256 over what the submitter sent, as newFeedback
// keeps it (the text trimmed): kind, category, text, rating, area,
// location, incident time, officer badge and incident number. It adds
// nothing to what the feedback itself holds but the category and area as
// submitted, before triage.
func submissionHash(f Feedback) []byte {
	b := make([]byte, 0, 128+len(f.Text))
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	num := func(v uint64) { b = binary.AppendUvarint(b, v) }
	str("engage feedback submission")
	num(uint64(f.Kind))
	str(f.Category)
	str(f.Text)
	num(uint64(f.Rating))
	str(f.Area)
	if l := f.Location; l != nil {
		num(1)
		num(math.Float64bits(l.Latitude))
		num(math.Float64bits(l.Longitude))
	} else {
		num(0)
	}
	if t := f.IncidentTime; !t.IsZero() {
		num(1)
		num(uint64(t.Unix()))
		num(uint64(t.Nanosecond()))
	} else {
		num(0)
	}
	str(f.OfficerBadge)
	str(f.IncidentNumber)
	h := sha256.Sum256(b)
	return h[:]
}

// sameSubmission reports whether sent, new feedback a request made,
// repeats the submission of stored. Feedback stored before submissions
// were hashed is compared as it is now, so that a retry of it is refused,
// never wrongly accepted, once triage has changed its category or area.
func sameSubmission(stored, sent Feedback) bool {
	want := stored.SubmissionHash
	if len(want) == 0 {
		want = submissionHash(stored)
	}
	return subtle.ConstantTimeCompare(want, sent.SubmissionHash) == 1
}
