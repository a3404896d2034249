package feedback

import (
	"crypto/subtle"

	"github.com/engagehq/engage/services/internal/idempotent"
)

// ErrRetryReused is what a Store returns, wrapped, and what the handlers
// return when a caller repeats a request id with a request that would
// create something else: a retry must repeat the request it retries.
var ErrRetryReused = idempotent.ErrReused

// SameRequest reports whether the fingerprint stored with a request id's
// first request matches a retry's: true when either is missing, as it is
// from records made before fingerprints were kept. Stores refuse a retry
// for which it is false with ErrRetryReused.
func SameRequest(stored, retry []byte) bool {
	return len(stored) == 0 || len(retry) == 0 || subtle.ConstantTimeCompare(stored, retry) == 1
}

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
