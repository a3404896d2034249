package boltstore

// feedbackBuckets are the top-level buckets of feedback, notes and
// statistics.
func feedbackBuckets() [][]byte { return nil }
