package feedback

import (
	"context"
	"errors"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
)

// FeedbackStore keeps feedback, its notes and the feedback statistics
// aggregates.
//
// Functions passed as check or mutate run inside a transaction, possibly
// more than once (a group commit may be retried), each time with fresh
// copies of the stored values. They must only read their arguments and
// change the value they are given; when one returns an error, nothing is
// stored and the method returns that error unchanged (but for
// ErrFeedbackUnchanged).
//
// List methods return at most FeedbackPage.Size items after
// FeedbackPage.After and the cursor of the next page: nil when the list is
// exhausted.
type FeedbackStore interface {
	// CreateFeedback stores new feedback with Revision 1 (its UpdateTime
	// must be its CreateTime, which the update-time orders of
	// ListFeedback rely on until its first update), records req when
	// req.Key is set, and counts it in the statistics cells of f.Periods,
	// all in one transaction. When req.Key is already recorded, or a
	// feedback of req.Derived is stored, it stores nothing and returns
	// that feedback with the request's record (non-nil only then).
	// errs.AlreadyExists when the id is taken.
	CreateFeedback(ctx context.Context, f Feedback, req FeedbackRequest) (Feedback, *FeedbackRequest, error)
	// Feedback returns feedback, or errs.NotFound.
	Feedback(ctx context.Context, agency, id string) (Feedback, error)
	// ListFeedback lists an agency's feedback (or one submitter's, when
	// q.Submitter is set) in q.Order, skipping what keep refuses; it stops
	// after page.MaxScan rows examined when that is set.
	ListFeedback(ctx context.Context, q FeedbackQuery, page FeedbackPage, keep func(Feedback) bool) ([]Feedback, []byte, error)
	// UpdateFeedback changes feedback with mutate and increments its
	// Revision; errs.NotFound when it does not exist. mutate may change
	// only State, Category, Area, Assignee, History, Replies and
	// UpdateTime; a change of Category or Area moves the feedback's counts
	// to the cells of its new category and area. When mutate returns
	// ErrFeedbackUnchanged nothing is stored and the feedback is returned
	// as it is.
	UpdateFeedback(ctx context.Context, agency, id string, mutate func(*Feedback) error) (Feedback, error)
	// PurgeFeedbackRequests forgets the request records of requests made
	// before the given time and returns how many it removed.
	PurgeFeedbackRequests(ctx context.Context, before time.Time) (int, error)
	// CodeSecret returns the secret the tracking codes of retried
	// anonymous submissions derive from (feedback_codes.go): 32 random
	// bytes made with the store and kept as long as its data, so that a
	// restored backup still recognizes retries.
	CodeSecret(ctx context.Context) ([]byte, error)

	// CreateNote stores a note on existing feedback after check accepts
	// the feedback, assigning an id (time-ordered) when n.ID is empty, and
	// records req when req.Key is set. When req.Key is already recorded it
	// returns the note that request created. errs.NotFound when the
	// feedback does not exist.
	CreateNote(ctx context.Context, n Note, req FeedbackRequest, check func(Feedback) error) (Note, error)
	// Note returns a note, or errs.NotFound.
	Note(ctx context.Context, agency, feedback, id string) (Note, error)
	// ListNotes lists the notes of feedback, oldest first; errs.NotFound
	// when the feedback does not exist.
	ListNotes(ctx context.Context, agency, feedback string, page FeedbackPage) ([]Note, []byte, error)

	// FeedbackStats returns the statistics cells of q's periods, by
	// period, then kind, category and area. A period costs one read of its
	// cells, however much feedback they count.
	FeedbackStats(ctx context.Context, q FeedbackStatsQuery) ([]FeedbackStatsCell, error)
	// ComplaintCounts returns the complaints per category of an area (""
	// for the whole agency) submitted on the UTC days from from up to
	// (excluding) to; both are UTC midnights.
	ComplaintCounts(ctx context.Context, agency, area string, from, to time.Time) (map[string]int64, error)
}

// ErrFeedbackUnchanged, returned by a mutate function, makes
// UpdateFeedback store nothing and succeed (a retried request that was
// already applied).
var ErrFeedbackUnchanged = errors.New("feedback unchanged")

// Feedback is a resident's submission as the store keeps it. Anonymous
// feedback keeps no submitter and only hour-rounded times of what its
// submitter did.
type Feedback struct {
	Agency         string
	ID             string
	Kind           feedbackv1.FeedbackKind
	Category       string
	Text           string
	Rating         int32 // 0: not rated
	Area           string
	Location       *FeedbackLocation
	IncidentTime   time.Time
	OfficerBadge   string
	IncidentNumber string
	Anonymous      bool
	Submitter      string // accounts/{account}; empty when anonymous
	State          feedbackv1.Feedback_State
	Assignee       string
	Sentiment      TextSentiment
	History        []StateChange
	Replies        []FeedbackReply
	// SecretHash is SHA-256 over the tracking code's index input and the
	// PIN, for anonymous feedback.
	SecretHash []byte
	// SubmissionHash is submissionHash of what the submitter sent, so
	// that a request repeating a request id is taken for a retry only when
	// it repeats the submission too, whatever triage changed since.
	SubmissionHash []byte
	// Periods are the statistics cells the feedback counts in.
	Periods    FeedbackPeriods
	CreateTime time.Time
	UpdateTime time.Time
	// Revision starts at 1 and grows with every update; the etag is
	// rendered from it.
	Revision int64
}

// Name returns the feedback's resource name.
func (f Feedback) Name() string { return feedbackName(f.Agency, f.ID) }

// FeedbackLocation is a point on the earth (WGS 84).
type FeedbackLocation struct {
	Latitude, Longitude float64
}

// TextSentiment is the tone of a text.
type TextSentiment struct {
	Score float64
	Label feedbackv1.Sentiment_Label
}

// StateChange is one step of the workflow.
type StateChange struct {
	State feedbackv1.Feedback_State
	Time  time.Time
	Actor string // empty for the submission itself
	Note  string
}

// FeedbackReply is one public message of the conversation.
type FeedbackReply struct {
	Party     feedbackv1.Feedback_Party
	Text      string
	Sentiment TextSentiment
	Author    string // the analyst, for the agency's replies
	Time      time.Time
	// RequestKey identifies the request that added the reply, so that a
	// retry adds it once; empty without a request id.
	RequestKey []byte
}

// FeedbackPeriods are the starts of the statistics periods feedback is
// counted in: the week and month in the agency's time zone at submission,
// and the UTC day of the complaint counts.
type FeedbackPeriods struct {
	Week, Month, Day time.Time
}

// Note is an analyst's internal note.
type Note struct {
	Agency     string
	Feedback   string
	ID         string
	Text       string
	Author     string
	CreateTime time.Time
}

// Name returns the note's resource name.
func (n Note) Name() string { return feedbackName(n.Agency, n.Feedback) + "/notes/" + n.ID }

// FeedbackRequest makes a write idempotent: Key is a hash of who made
// the request and its request id (the caller never learns another's), Name
// what it created, Time when it was made (rounded down to the hour).
// Anonymous submissions need no record: their retries find the feedback by
// a code derived from the request id (feedback_codes.go). A request counts
// as recorded when its Key was recorded with a Time no more than
// FeedbackRequestLifetime before the new request's Time (or after it);
// PurgeFeedbackRequests forgets older ones.
type FeedbackRequest struct {
	Key  []byte
	Name string
	Time time.Time
	// Fingerprint identifies the request (see requestFingerprint): a
	// retry with another one is ErrRetryReused. CreateFeedback compares
	// the submission instead (Feedback.SubmissionHash).
	Fingerprint []byte
	// Derived lists, for anonymous feedback whose id derives from the
	// request id, the ids an earlier call with the same request id may
	// have given its feedback. When one of them is stored with a
	// CreateTime no more than FeedbackRequestLifetime before Time (the
	// rule of request records), CreateFeedback stores nothing and returns
	// that feedback, with a record naming it. Nothing is recorded of such
	// a request.
	Derived []string
}

// FeedbackPage selects a page of a list.
type FeedbackPage struct {
	// After is the cursor returned with the previous page; nil for the
	// first.
	After []byte
	// Size is the most items to return (at least 1).
	Size int
	// MaxScan bounds the rows examined; zero means no bound. A list that
	// stops there returns a cursor even with fewer than Size items.
	MaxScan int
}

// FeedbackOrder is the order of ListFeedback.
type FeedbackOrder int

// The orders of ListFeedback. Times are the stored ones (rounded for
// anonymous feedback); equal times are ordered by id.
const (
	FeedbackNewestFirst FeedbackOrder = iota
	FeedbackOldestFirst
	FeedbackRecentlyUpdatedFirst
	FeedbackLeastRecentlyUpdatedFirst
)

// FeedbackQuery selects what ListFeedback lists.
type FeedbackQuery struct {
	Agency string
	// Submitter, when set, lists only that account's identified feedback.
	Submitter string
	Order     FeedbackOrder
}

// FeedbackStatsQuery selects statistics cells.
type FeedbackStatsQuery struct {
	Agency   string
	Interval feedbackv1.Interval // WEEK or MONTH
	// Starts are the periods' starts, as FeedbackPeriods holds them.
	Starts []time.Time
	// Area selects the cells of one area ("" is feedback without one)
	// unless AllAreas.
	Area     string
	AllAreas bool
}

// FeedbackStatsCell is what the feedback of one period, kind, category and
// area adds up to.
type FeedbackStatsCell struct {
	PeriodStart  time.Time
	Kind         feedbackv1.FeedbackKind
	Category     string
	Area         string
	Count        int64
	Rated        int64
	RatingSum    int64
	SentimentSum float64
}
