package boltstore

import (
	"context"
	"time"

	"github.com/engagehq/engage/services/internal/idempotent"
	"github.com/engagehq/engage/services/internal/training"
)

// requests remembers request ids (see package idempotent).
var requests = idempotent.Log{Requests: bucketRequests, ByTime: bucketRequestsByTime, Lifetime: training.RetryLifetime}

// PurgeRequests implements training.Store.
func (s *Store) PurgeRequests(ctx context.Context, before time.Time) (int, error) {
	return requests.Purge(ctx, s.db, before)
}
