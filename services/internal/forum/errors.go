package forum

import (
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/etag"
)

// ErrRequestReused is what a Store returns, wrapped, when a caller repeats
// a request id with a request that would create something else: a retry
// must repeat the request it retries.
var ErrRequestReused = errs.Field("request_id", "was already used for a different request")

// Errors of the state a thread or post is in; each carries an AIP-193
// reason that clients can act on.
var (
	errETagMismatch = etag.ErrMismatch
	errThreadLocked = errs.WithReason(errs.Public(errs.FailedPrecondition,
		"the thread is locked: it takes no new replies"), "THREAD_LOCKED")
	errEditWindow = errs.WithReason(errs.Public(errs.FailedPrecondition,
		"the time to edit it has passed"), "EDIT_WINDOW_CLOSED")
	errNotQuestion = errs.WithReason(errs.Public(errs.FailedPrecondition,
		"only replies in a QUESTION thread can be accepted as its answer"), "NOT_A_QUESTION")
	errAcceptHidden = errs.WithReason(errs.Public(errs.FailedPrecondition,
		"a hidden reply cannot be the accepted answer"), "CONTENT_HIDDEN")
	errDismissHidden = errs.WithReason(errs.Public(errs.FailedPrecondition,
		"the flags hid this content: resolve with HIDE to keep it hidden or RESTORE to show it"), "HIDDEN_BY_FLAGS")
)
