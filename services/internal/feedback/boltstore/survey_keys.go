package boltstore

// surveyBuckets are the top-level buckets of surveys, answers, contact
// events and Trust-Index aggregates.
func surveyBuckets() [][]byte { return nil }
