package alerts

import (
	"context"
	"crypto/sha256"
	"time"

	"github.com/engagehq/engage/services/internal/auth"
	"google.golang.org/protobuf/proto"
)

// retryOf returns the Retry of a request carrying requestID: the caller is
// the principal, and the fingerprint a hash of the request with every
// request_id field cleared (the caller clears it on a copy), so a retry
// must repeat the request it retries.
func (s *Service) retryOf(ctx context.Context, requestID string, req proto.Message) Retry {
	if requestID == "" {
		return Retry{}
	}
	return Retry{
		Caller:      auth.FromContext(ctx).Name,
		ID:          requestID,
		Fingerprint: fingerprint(req),
		Time:        s.now(),
	}
}

// fingerprint hashes a message's deterministic encoding.
func fingerprint(m proto.Message) []byte {
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	h := sha256.Sum256(b)
	return h[:]
}

// withoutRequestID returns a copy of req for fingerprinting, with its
// request id cleared by clear.
func withoutRequestID[M proto.Message](req M, clear func(M)) M {
	c := proto.Clone(req).(M)
	clear(c)
	return c
}

// purgeBefore is the time before which request ids are forgotten.
func (s *Service) purgeBefore() time.Time { return s.now().Add(-RetryLifetime) }

// PurgeRequests forgets the request ids older than RetryLifetime and
// returns how many it forgot; the platform calls it periodically.
func (s *Service) PurgeRequests(ctx context.Context) (int, error) {
	return s.store.PurgeRequests(ctx, s.purgeBefore())
}
