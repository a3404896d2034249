package feedback

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
