package feedback

import (
	"context"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
)

// SurveyStore keeps surveys, their answers, contact events with their
// invitations, and the Trust-Index aggregates.
//
// Functions passed as check or mutate run inside a transaction, possibly
// more than once (a group commit may be retried), each time with fresh
// copies of the stored values. They must only read their arguments and
// change the value they are given; when one returns an error, nothing is
// stored and the method returns that error unchanged.
//
// List methods return at most SurveyPage.Size items after
// SurveyPage.After, and the cursor of the next page: nil when the list is
// exhausted.
type SurveyStore interface {
	// CreateSurvey stores a new survey with Revision 1: errs.AlreadyExists
	// when its id is taken. A retry already recorded (and not older than
	// RetryLifetime) returns the survey it created, or ErrRetryReused
	// when it created something else.
	CreateSurvey(ctx context.Context, sv Survey, retry Retry) (Survey, error)
	// Survey returns a survey, or errs.NotFound.
	Survey(ctx context.Context, k SurveyKey) (Survey, error)
	// ListSurveys lists an agency's surveys, newest first, skipping those
	// keep refuses.
	ListSurveys(ctx context.Context, agency string, page SurveyPage, keep func(Survey) bool) ([]Survey, []byte, error)
	// UpdateSurvey changes a survey with mutate and increments its
	// Revision; errs.NotFound when it does not exist. mutate may change
	// Title, Description, UpdateTime, and the state as OpenSurvey and
	// CloseSurvey do (DRAFT to OPEN setting OpenTime, OPEN to CLOSED
	// setting CloseTime); Kind and Questions only while the survey is a
	// draft, else errs.FailedPrecondition.
	UpdateSurvey(ctx context.Context, k SurveyKey, mutate func(*Survey) error) (Survey, error)
	// DeleteSurvey deletes a draft after check accepts it: a survey that
	// was opened is errs.FailedPrecondition. errs.NotFound when it does
	// not exist.
	DeleteSurvey(ctx context.Context, k SurveyKey, check func(Survey) error) error

	// CreateSurveyResponse stores an answer after check accepts its survey
	// (read in the same transaction), counts it in the survey's
	// ResponseCount and adds its contribution to the Trust-Index cells of
	// its area and of the whole agency for each of periods, all in one
	// transaction.
	//
	// When drop is not nil, that transaction also asks it about each cell
	// the answer changed, as the cell is after the answer, and the cell of
	// the same area and interval for the period before (TrustPeriod.
	// Previous). A notice drop returns is recorded as pending, unless a
	// notice of its cell was recorded before (pending or done), so that a
	// crash after the answer commits cannot lose it. CreateSurveyResponse
	// returns the stored answer and the notices it recorded.
	//
	// proof says who may answer: for a DeviceToken, errs.AlreadyExists
	// when that token already answered the survey (the store keeps only a
	// keyed hash of it, apart from the answer); for an InvitationToken,
	// errs.NotFound when no invitation of this survey has it and
	// errs.FailedPrecondition when it was used or has expired at
	// proof.Now; the answer's Area is then the invitation's, and the
	// invitation is used up. errs.NotFound when the survey does not exist.
	CreateSurveyResponse(ctx context.Context, r SurveyResponse, proof ResponseProof, periods []TrustPeriod, check func(Survey) error, drop TrustDropRule) (SurveyResponse, []TrustNotice, error)
	// SurveyResponse returns an answer, or errs.NotFound.
	SurveyResponse(ctx context.Context, k SurveyResponseKey) (SurveyResponse, error)
	// ListSurveyResponses lists a survey's answers, newest hour first.
	// errs.NotFound when the survey does not exist.
	ListSurveyResponses(ctx context.Context, k SurveyKey, page SurveyPage) ([]SurveyResponse, []byte, error)

	// CreateContactEvent stores a contact event after check accepts the
	// survey it names, with inv as its invitation when inv is not nil. The
	// invitation is kept by a hash of its token, with no reference to the
	// event nor from it. A retry already recorded (and not older than
	// RetryLifetime) returns the event it created and the Sealed bytes
	// stored with it, or ErrRetryReused when it created something else;
	// a new one stores retry.Sealed. errs.NotFound when the survey does
	// not exist; errs.AlreadyExists when the event's id is taken.
	CreateContactEvent(ctx context.Context, e ContactEvent, inv *Invitation, retry Retry, check func(Survey) error) (ContactEvent, []byte, error)
	// ContactEvent returns a contact event, or errs.NotFound.
	ContactEvent(ctx context.Context, k ContactEventKey) (ContactEvent, error)
	// ListContactEvents lists an agency's contact events, newest first.
	ListContactEvents(ctx context.Context, agency string, page SurveyPage) ([]ContactEvent, []byte, error)

	// TrustCells returns the Trust-Index cells of keys, in order; a cell
	// never written is returned with its key and zero sums.
	TrustCells(ctx context.Context, keys []TrustCellKey) ([]TrustCell, error)
	// TrustNoticeStore keeps the notices of Trust-Index drops until they
	// are sent (trust_drop.go).
	TrustNoticeStore

	// PurgeSurveyRequests forgets the retries recorded before the given
	// time and returns how many it forgot.
	PurgeSurveyRequests(ctx context.Context, before time.Time) (int, error)
}

// RetryLifetime is how long a request id is remembered: a retry later than
// this creates anew.
const RetryLifetime = 24 * time.Hour

// Retry makes a create idempotent: the first create by Caller with ID is
// stored, and later ones within RetryLifetime return its result. An empty
// ID makes none. Stores keep only a hash of Caller and ID.
type Retry struct {
	Caller string
	ID     string
	// Time is when the request was made.
	Time time.Time
	// Fingerprint identifies the request (see requestFingerprint): a
	// retry with another one is ErrRetryReused.
	Fingerprint []byte
	// Sealed is stored with the request and returned to its retries: a
	// contact event's invitation token, encrypted under a key derived
	// from ID, so that the database alone cannot reveal it.
	Sealed []byte
}

// SurveyPage selects a page of a survey list, as FeedbackPage does for
// feedback.
type SurveyPage = FeedbackPage

// ResponseProof is what entitles an answer: a device token for a GENERAL
// survey or an invitation token for a POST_CONTACT one.
type ResponseProof struct {
	DeviceToken     string
	InvitationToken string
	// Now is the time invitations must not have expired at.
	Now time.Time
}

// TrustPeriod is one period an answer falls in: its interval and start,
// and the start of the period before it, which a drop is measured against.
type TrustPeriod struct {
	Interval feedbackv1.Interval
	Start    time.Time
	Previous time.Time
}

// TrustDropRule tells whether the Trust Index of cur fell sharply from prev,
// the same cell one period earlier, and returns the notice to record. It
// runs inside the store's transaction, possibly more than once: it must
// only read its arguments.
type TrustDropRule func(cur, prev TrustCell) (TrustNotice, bool)

// TrustCellKey identifies one Trust-Index aggregate: an agency's area ("" for
// the whole agency), an interval, and the start of a period in the
// agency's time zone.
type TrustCellKey struct {
	Agency   string // the agency id
	Area     string
	Interval feedbackv1.Interval
	Start    time.Time
}

// TrustDimensions is the number of Trust-Index dimensions; dimension d is
// at index d-1 of TrustCell.Dimensions.
const TrustDimensions = 5

// TrustCell is the aggregate of the respondents' scores in one cell: enough
// for the mean, the sample standard deviation and each dimension's mean,
// whatever the number of answers.
type TrustCell struct {
	TrustCellKey
	// N is the number of respondents with a score.
	N int64
	// Sum and SumSq are Σscore and Σscore² (scores 0–100).
	Sum, SumSq float64
	// Dimensions are per dimension the number of respondents who rated it
	// and the sum of their mean ratings of it (0–10).
	Dimensions [TrustDimensions]DimensionSum
}

// DimensionSum is the aggregate of one dimension in a cell.
type DimensionSum struct {
	N   int64
	Sum float64
}
