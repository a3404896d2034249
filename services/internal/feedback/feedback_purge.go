package feedback

import (
	"context"
	"fmt"
	"time"
)

// FeedbackRequestLifetime is how long a request id of a feedback write is
// remembered: a retry after that creates anew.
const FeedbackRequestLifetime = 24 * time.Hour

// PurgeFeedbackRequests forgets the request ids of feedback writes older
// than FeedbackRequestLifetime (and with them the sealed tracking codes
// and PINs of anonymous submissions). The composition root runs it
// periodically; it returns how many it forgot.
func (s *Service) PurgeFeedbackRequests(ctx context.Context) (int, error) {
	n, err := s.store.PurgeFeedbackRequests(ctx, s.now().Add(-FeedbackRequestLifetime))
	if err != nil {
		return n, fmt.Errorf("feedback: purge request ids: %w", err)
	}
	return n, nil
}
