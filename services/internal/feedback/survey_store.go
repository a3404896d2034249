package feedback

// SurveyStore keeps surveys, their answers, contact events and the
// Trust-Index aggregates.
type SurveyStore interface {
}
