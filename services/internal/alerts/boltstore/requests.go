package boltstore

import (
	"context"
	"time"

	"github.com/engagehq/engage/services/internal/alerts"
	"github.com/engagehq/engage/services/internal/idempotent"
)

// requests remembers request ids (see package idempotent).
var requests = idempotent.Log{Requests: bucketRequests, ByTime: bucketRequestsByTime, Lifetime: alerts.RetryLifetime}

// PurgeRequests implements alerts.Store.
func (s *Store) PurgeRequests(ctx context.Context, before time.Time) (int, error) {
	return requests.Purge(ctx, s.db, before)
}
