package feedback

// feedbackState is what the FeedbackService handlers keep in memory.
type feedbackState struct{}

func newFeedbackState(s *Service) *feedbackState { return &feedbackState{} }

func (st *feedbackState) close() {}
