package forum

import (
	"context"
	"fmt"
)

// Purge removes for good the forums, threads, posts and meetings deleted
// more than the retention period ago (Config.Retention, 30 days by
// default), with their votes, flags and moderation items, and forgets
// request ids older than that. The composition root runs it periodically; it returns how many
// deleted resources it removed.
func (s *Service) Purge(ctx context.Context) (int, error) {
	before := s.now().Add(-s.retention)
	n, err := s.store.Purge(ctx, before)
	if err != nil {
		return n, fmt.Errorf("forum: purge: %w", err)
	}
	m, err := s.store.PurgeMeetings(ctx, before)
	if err != nil {
		return n + m, fmt.Errorf("forum: purge meetings: %w", err)
	}
	if n+m > 0 {
		s.log.InfoContext(ctx, "deleted content purged", "removed", n+m, "deleted_before", before)
	}
	return n + m, nil
}
