package alerts

import (
	"context"
	"time"

	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/idempotent"
	"google.golang.org/protobuf/proto"
)

// retryOf returns the Retry of a request carrying requestID: the caller is
// the principal, and the fingerprint a hash of the request with every
// request_id field cleared (the caller clears it on a copy), so a retry
// must repeat the request it retries.
func (s *Service) retryOf(ctx context.Context, requestID string, req proto.Message) Retry {
	return idempotent.Of(auth.FromContext(ctx).Name, requestID, req, s.now())
}

// purgeBefore is the time before which request ids are forgotten.
func (s *Service) purgeBefore() time.Time { return s.now().Add(-RetryLifetime) }

// PurgeRequests forgets the request ids older than RetryLifetime and
// returns how many it forgot; the platform calls it periodically.
func (s *Service) PurgeRequests(ctx context.Context) (int, error) {
	return s.store.PurgeRequests(ctx, s.purgeBefore())
}
