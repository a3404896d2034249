package feedback

import "github.com/engagehq/engage/services/internal/etag"

// Etags of feedback and surveys: the revision, quoted as HTTP does.

// errETagMismatch is an etag of an earlier revision.
var errETagMismatch = etag.ErrMismatch

// etagOf renders a revision as a quoted string.
func etagOf(revision int64) string { return etag.Format(revision) }

// checkETag accepts an empty etag or the etag of revision.
func checkETag(field, tag string, revision int64) error { return etag.Check(field, tag, revision) }
