package feedback

import (
	"context"
	"fmt"
)

// PurgeSurveyRequests forgets the request ids of survey and contact-event
// creates older than RetryLifetime, and with them the sealed invitation
// tokens kept for retries. Stores already ignore older ones; this removes
// them. The composition root runs it periodically; it returns how many it
// forgot.
func (s *Service) PurgeSurveyRequests(ctx context.Context) (int, error) {
	n, err := s.store.PurgeSurveyRequests(ctx, s.now().Add(-RetryLifetime))
	if err != nil {
		return n, fmt.Errorf("feedback: purge survey request ids: %w", err)
	}
	return n, nil
}
