package boltstore

import (
	"strings"

	"github.com/engagehq/engage/services/internal/boltdb"
)

// The top-level buckets, drawn in the package doc.
var (
	bucketCourses          = []byte("courses")
	bucketCoursesByTitle   = []byte("coursesByTitle")
	bucketOfficers         = []byte("officers")
	bucketOfficersByBadge  = []byte("officersByBadge")
	bucketActiveBadges     = []byte("activeBadges")
	bucketActiveAccounts   = []byte("activeAccounts")
	bucketEnrollments      = []byte("enrollments")
	bucketEnrollmentsByDue = []byte("enrollmentsByDue")
	bucketOfficerDue       = []byte("officerDue")
	bucketOpenEnrollments  = []byte("openEnrollments")
	bucketAssignments      = []byte("assignments")
	bucketCertifications   = []byte("certifications")
	bucketCertsByTime      = []byte("certsByTime")
	bucketOfficerCerts     = []byte("officerCerts")
	bucketCertDays         = []byte("certDays")
	bucketCredits          = []byte("credits")
	bucketCompletions      = []byte("completions")
	bucketExternals        = []byte("externals")
	bucketExternalsByTime  = []byte("externalsByTime")
	bucketOfficerExternals = []byte("officerExternals")
	bucketSettings         = []byte("settings")
	bucketRequests         = []byte("requests")
	bucketRequestsByTime   = []byte("requestsByTime")
)

// allBuckets are created by the first migration.
var allBuckets = [][]byte{
	bucketCourses, bucketCoursesByTitle, bucketOfficers, bucketOfficersByBadge,
	bucketActiveBadges, bucketActiveAccounts, bucketEnrollments,
	bucketEnrollmentsByDue, bucketOfficerDue, bucketOpenEnrollments,
	bucketAssignments, bucketCertifications, bucketCertsByTime,
	bucketOfficerCerts, bucketCertDays, bucketCredits, bucketCompletions,
	bucketExternals, bucketExternalsByTime, bucketOfficerExternals,
	bucketSettings, bucketRequests, bucketRequestsByTime,
}

// sep separates the parts of a key (boltdb.Key).
const sep = boltdb.KeySep

// u64 is an 8-byte big-endian number key part.
func u64(n int64) []byte { return boltdb.U64(uint64(n)) }

// lastID returns the id a resource name ends with.
func lastID(name string) string { return name[strings.LastIndexByte(name, '/')+1:] }

// nameIDs returns the ids of a resource name, in order: for
// `agencies/a/officers/o/enrollments/e`, a, o and e.
func nameIDs(name string) []string {
	parts := strings.Split(name, "/")
	ids := make([]string, 0, len(parts)/2)
	for i := 1; i < len(parts); i += 2 {
		ids = append(ids, parts[i])
	}
	return ids
}
