// Package ids makes the ids of new resources.
//
// An id is a UUIDv7 in its canonical lowercase, hyphenated form, e.g.
// "0190f5c2-7a1b-7cde-8f00-123456789abc": it matches the [a-z0-9-]
// character set of resource ids, and it starts with the creation time in
// milliseconds, so ids made later sort later. As bbolt keys they append at
// the end of a bucket instead of splitting pages in the middle, and a
// listing by key is a listing by creation time.
package ids

import "github.com/google/uuid"

// New returns a fresh id. Within one process every id sorts after the ones
// made before it, even within the same millisecond; across processes ids
// are ordered by their millisecond.
func New() string {
	// NewV7 fails only when the system's random source does, which the Go
	// runtime already treats as fatal.
	return uuid.Must(uuid.NewV7()).String()
}
