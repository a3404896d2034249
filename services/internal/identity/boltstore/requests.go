package boltstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/engagehq/engage/services/internal/idempotent"
	"github.com/engagehq/engage/services/internal/identity"
	"go.etcd.io/bbolt"
)

// requests remembers the request ids of idempotent creates for
// identity.RetryLifetime, hashed with their caller.
var requests = idempotent.Log{Requests: bucketRequestLog, ByTime: bucketRequestLogByTime, Lifetime: identity.RetryLifetime}

// retried returns what the first call of a retry created, in the scope it
// was remembered in (an agency, or "" for accounts and agencies), and
// whether r is a retry. A retry in another scope, or with another request,
// is idempotent.ErrReused.
func retried(tx *bbolt.Tx, r idempotent.Request, scope string) (string, bool, error) {
	res, ok, err := requests.Retried(tx, r)
	if err != nil || !ok {
		return "", false, err
	}
	got, id, _ := strings.Cut(string(res), "\x00")
	if got != scope {
		return "", false, fmt.Errorf("request %s: %w", r.ID, idempotent.ErrReused)
	}
	return id, true, nil
}

// remember records that r created id in scope.
func remember(tx *bbolt.Tx, r idempotent.Request, scope, id string) error {
	return requests.Remember(tx, r, []byte(scope+"\x00"+id))
}

// PurgeRequests implements identity.Store.
func (s *Store) PurgeRequests(ctx context.Context, before time.Time) (int, error) {
	return requests.Purge(ctx, s.db, before)
}
