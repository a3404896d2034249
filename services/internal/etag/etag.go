// Package etag renders and checks the etags of AIP-154: a resource's
// revision, quoted as HTTP quotes entity tags.
package etag

import (
	"strconv"
	"strings"

	"github.com/engagehq/engage/services/internal/errs"
)

// ErrMismatch is an etag of an earlier revision: FAILED_PRECONDITION with
// reason ETAG_MISMATCH.
var ErrMismatch = errs.WithReason(errs.Public(errs.FailedPrecondition,
	"it was changed by someone else since you read it; read it again"), "ETAG_MISMATCH")

// Format renders a revision as a quoted string.
func Format(revision int64) string { return `"` + strconv.FormatInt(revision, 10) + `"` }

// Parse returns the revision of an etag this package formatted; quotes and
// a weak prefix are optional. ok is false for anything else.
func Parse(tag string) (revision int64, ok bool) {
	rev, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(strings.TrimSpace(tag), "W/"), `"`), 10, 64)
	return rev, err == nil
}

// Check accepts an empty etag or the etag of revision. An etag of another
// revision is ErrMismatch; one that is no etag at all is INVALID_ARGUMENT
// naming field.
func Check(field, tag string, revision int64) error {
	if tag == "" {
		return nil
	}
	rev, ok := Parse(tag)
	if !ok {
		return errs.Field(field, "is not an etag this service gave out; read the resource again")
	}
	if rev != revision {
		return ErrMismatch
	}
	return nil
}

// CheckCurrent is Check against the etag a resource carries now.
func CheckCurrent(field, tag, current string) error {
	rev, _ := Parse(current)
	return Check(field, tag, rev)
}

// Next returns the etag of the revision after the one current stands for
// (an etag Format made, or empty for a resource not stored yet).
func Next(current string) string {
	rev, _ := Parse(current)
	return Format(rev + 1)
}
