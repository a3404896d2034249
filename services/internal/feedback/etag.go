package feedback

import (
	"strconv"
	"strings"

	"github.com/engagehq/engage/services/internal/errs"
)

// Etags of feedback and surveys: the revision, quoted as HTTP does.

// errETagMismatch is an etag of an earlier revision.
var errETagMismatch = errs.WithReason(errs.Public(errs.FailedPrecondition,
	"it was changed by someone else since you read it; read it again"), "ETAG_MISMATCH")

// etag renders a revision as a quoted string.
func etag(revision int64) string { return `"` + strconv.FormatInt(revision, 10) + `"` }

// checkETag accepts an empty etag or the etag of revision; quotes and a
// weak prefix are optional. An etag of another revision is
// FAILED_PRECONDITION; one that is no etag at all is INVALID_ARGUMENT
// naming field.
func checkETag(field, tag string, revision int64) error {
	if tag == "" {
		return nil
	}
	rev, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(strings.TrimSpace(tag), "W/"), `"`), 10, 64)
	if err != nil {
		return errs.Field(field, "is not an etag this service gave out; read the resource again")
	}
	if rev != revision {
		return errETagMismatch
	}
	return nil
}
