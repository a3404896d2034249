package feedback

import "github.com/engagehq/engage/services/internal/errs"

// ErrRetryReused is what a Store returns, wrapped, and what the handlers
// return when a caller repeats a request id with a request that would
// create something else: a retry must repeat the request it retries.
var ErrRetryReused = errs.Field("request_id", "was already used for a different request")

// Store keeps the feedback service's data: feedback with its notes and
// statistics aggregates (FeedbackStore), surveys, answers, contact events
// and Trust-Index aggregates (SurveyStore). Every write is durable when the
// method returns nil, and a method that returns an error has changed
// nothing. Errors wrap the errs sentinels named in each method's doc;
// anything else is a storage failure.
type Store interface {
	FeedbackStore
	SurveyStore
}
