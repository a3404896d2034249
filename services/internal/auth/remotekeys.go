package auth

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"sync"
	"time"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/golang-jwt/jwt/v5"
)

// RemoteKeysOptions tune RemoteKeys. The zero value is usable.
type RemoteKeysOptions struct {
	// MinRefetch is the least time between two fetches triggered by an
	// unknown kid (default 10s), so tokens with made-up kids cannot flood
	// identity.
	MinRefetch time.Duration
	// MaxAge is how long a fetched key set is used before it is fetched
	// again on the next lookup (default 10m), so keys identity retires stop
	// verifying. If that fetch fails, the old set keeps being used: an
	// identity outage does not sign everyone out.
	MaxAge time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// RemoteKeys is a KeySource that fetches identity's public keys with
// GetSigningKeys and caches them. It is safe for concurrent use.
type RemoteKeys struct {
	client identityv1.CredentialServiceClient
	opts   RemoteKeysOptions

	// fetching holds one token while a fetch runs; waiters can give up
	// when their context ends.
	fetching chan struct{}

	mu        sync.RWMutex
	keys      map[string]ed25519.PublicKey
	fetchedAt time.Time // last successful fetch
	triedAt   time.Time // last attempt, successful or not
	failed    bool      // whether the last attempt failed
}

var _ KeySource = (*RemoteKeys)(nil)

// NewRemoteKeys returns a KeySource backed by identity's CredentialService.
// Nothing is fetched until the first lookup.
func NewRemoteKeys(client identityv1.CredentialServiceClient, opts RemoteKeysOptions) *RemoteKeys {
	if opts.MinRefetch <= 0 {
		opts.MinRefetch = 10 * time.Second
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = 10 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &RemoteKeys{client: client, opts: opts, fetching: make(chan struct{}, 1)}
}

// PublicKey returns the key with id kid, fetching the key set when kid is
// unknown (at most once per MinRefetch) or the set is older than MaxAge.
// Unknown kids wrap errs.Unauthenticated; a failed fetch with no usable key
// wraps errs.Unavailable.
func (r *RemoteKeys) PublicKey(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	if key, ok := r.cached(kid); ok {
		return key, nil
	}
	select {
	case r.fetching <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for signing keys: %w", errs.Unavailable)
	}
	defer func() { <-r.fetching }()
	// Another caller may have fetched while this one waited.
	if key, ok := r.cached(kid); ok {
		return key, nil
	}
	r.mu.RLock()
	stale, known := r.keys[kid]
	triedAt, failed := r.triedAt, r.failed
	r.mu.RUnlock()
	if !triedAt.IsZero() && r.opts.Now().Sub(triedAt) < r.opts.MinRefetch {
		switch {
		case known:
			return stale, nil
		case failed:
			return nil, fmt.Errorf("signing keys not fetched yet: %w", errs.Unavailable)
		default:
			return nil, fmt.Errorf("signing key %q: %w", kid, errs.Unauthenticated)
		}
	}
	fetchErr := r.fetch(ctx)
	if key, ok := r.lookup(kid); ok {
		return key, nil
	}
	if fetchErr != nil {
		return nil, fetchErr
	}
	return nil, fmt.Errorf("signing key %q: %w", kid, errs.Unauthenticated)
}

// cached returns kid's key when the set is fresh.
func (r *RemoteKeys) cached(kid string) (ed25519.PublicKey, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.fetchedAt.IsZero() || r.opts.Now().Sub(r.fetchedAt) >= r.opts.MaxAge {
		return nil, false
	}
	key, ok := r.keys[kid]
	return key, ok
}

// lookup returns kid's key from the set however old it is.
func (r *RemoteKeys) lookup(kid string) (ed25519.PublicKey, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	key, ok := r.keys[kid]
	return key, ok
}

// fetchTimeout bounds one GetSigningKeys call.
const fetchTimeout = 5 * time.Second

// fetch replaces the key set with identity's current one; keys identity no
// longer publishes are dropped. On failure the old set stays. The call is
// detached from the caller's cancellation: a caller hanging up must not
// count as a failed fetch for everyone else.
func (r *RemoteKeys) fetch(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
	defer cancel()
	resp, err := r.client.GetSigningKeys(ctx, &identityv1.GetSigningKeysRequest{})
	r.mu.Lock()
	r.triedAt, r.failed = r.opts.Now(), err != nil
	r.mu.Unlock()
	if err != nil {
		return fmt.Errorf("fetch signing keys: %w: %v", errs.Unavailable, err)
	}
	keys := make(map[string]ed25519.PublicKey, len(resp.GetKeys()))
	for _, k := range resp.GetKeys() {
		if k.GetAlgorithm() != jwt.SigningMethodEdDSA.Alg() || len(k.GetPublicKey()) != ed25519.PublicKeySize || k.GetKeyId() == "" {
			continue
		}
		keys[k.GetKeyId()] = ed25519.PublicKey(bytes.Clone(k.GetPublicKey()))
	}
	r.mu.Lock()
	r.keys = keys
	r.fetchedAt = r.opts.Now()
	r.mu.Unlock()
	return nil
}
