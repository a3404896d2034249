package feedback

// FeedbackStore keeps feedback, its notes and the feedback statistics
// aggregates.
type FeedbackStore interface {
}
