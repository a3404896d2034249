package auth

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/access"
	"github.com/engagehq/engage/services/internal/errs"
)

// RemoteAPIKeysOptions tune RemoteAPIKeys. The zero value is usable.
type RemoteAPIKeysOptions struct {
	// TTL is how long a live key's answer is reused (default 30s): a
	// revoked key keeps working at most this long in other services.
	TTL time.Duration
	// NegativeTTL is how long an unknown or revoked key's answer is reused
	// (default 5s), so a partner retrying with a bad key costs identity
	// little while a freshly created key works almost at once.
	NegativeTTL time.Duration
	// MaxEntries bounds the cache (default 10000).
	MaxEntries int
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// RemoteAPIKeys resolves partner API keys with identity's IntrospectApiKey
// and caches the answers, keyed by the SHA-256 of the key (the key itself
// is never kept). The connection behind the client must carry the internal
// service credential (ServiceCredentials): IntrospectApiKey admits
// services only.
type RemoteAPIKeys struct {
	client identityv1.CredentialServiceClient
	opts   RemoteAPIKeysOptions

	mu      sync.Mutex
	entries map[[32]byte]apiKeyEntry
}

type apiKeyEntry struct {
	p       Principal
	ok      bool
	expires time.Time
}

var _ APIKeyResolver = (*RemoteAPIKeys)(nil)

// NewRemoteAPIKeys returns an APIKeyResolver backed by identity.
func NewRemoteAPIKeys(client identityv1.CredentialServiceClient, opts RemoteAPIKeysOptions) *RemoteAPIKeys {
	if opts.TTL <= 0 {
		opts.TTL = 30 * time.Second
	}
	if opts.NegativeTTL <= 0 {
		opts.NegativeTTL = 5 * time.Second
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = 10000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &RemoteAPIKeys{client: client, opts: opts, entries: make(map[[32]byte]apiKeyEntry)}
}

var errBadAPIKey = errs.Public(errs.Unauthenticated, "invalid API key")

// ResolveAPIKey returns the partner that key belongs to. Malformed keys are
// refused without asking identity.
func (r *RemoteAPIKeys) ResolveAPIKey(ctx context.Context, key string) (Principal, error) {
	if _, ok := ParseAPIKey(key); !ok {
		return Principal{}, errBadAPIKey
	}
	h := [32]byte(HashAPIKey(key))
	now := r.opts.Now()
	r.mu.Lock()
	e, hit := r.entries[h]
	r.mu.Unlock()
	if hit && now.Before(e.expires) {
		if !e.ok {
			return Principal{}, errBadAPIKey
		}
		return clonePrincipal(e.p), nil
	}
	resp, err := r.client.IntrospectApiKey(ctx, &identityv1.IntrospectApiKeyRequest{ApiKey: key})
	if err != nil {
		return Principal{}, fmt.Errorf("introspect api key: %w: %v", errs.Unavailable, err)
	}
	e = apiKeyEntry{expires: now.Add(r.opts.NegativeTTL)}
	if p, perr := partnerPrincipal(resp); perr == nil {
		e = apiKeyEntry{p: p, ok: true, expires: now.Add(r.opts.TTL)}
	} else if !errors.Is(perr, errs.Unauthenticated) {
		return Principal{}, perr
	}
	r.store(h, e, now)
	if !e.ok {
		return Principal{}, errBadAPIKey
	}
	return clonePrincipal(e.p), nil
}

// partnerPrincipal converts identity's answer.
func partnerPrincipal(resp *identityv1.IntrospectApiKeyResponse) (Principal, error) {
	if !resp.GetActive() {
		return Principal{}, errBadAPIKey
	}
	name := resp.GetPartner()
	if access.Agency(name) == "" || !strings.Contains(name, "/partners/") {
		return Principal{}, fmt.Errorf("introspect api key: identity returned partner %q: %w", name, errs.Unavailable)
	}
	roles := make(map[string][]accessv1.Role)
	for _, ar := range resp.GetAgencyRoles() {
		agency := access.Agency(ar.GetAgency())
		if agency == "" {
			continue
		}
		for _, role := range ar.GetRoles() {
			if role != accessv1.Role_ROLE_UNSPECIFIED && !slices.Contains(roles[agency], role) {
				roles[agency] = append(roles[agency], role)
			}
		}
	}
	return Principal{Kind: Partner, Name: name, Roles: roles}, nil
}

// store caches e, evicting expired entries first and arbitrary ones when
// the cache is still full.
func (r *RemoteAPIKeys) store(h [32]byte, e apiKeyEntry, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.entries[h]; !ok && len(r.entries) >= r.opts.MaxEntries {
		maps.DeleteFunc(r.entries, func(_ [32]byte, v apiKeyEntry) bool { return !now.Before(v.expires) })
		for k := range r.entries {
			if len(r.entries) < r.opts.MaxEntries {
				break
			}
			delete(r.entries, k)
		}
	}
	r.entries[h] = e
}

// clonePrincipal copies p's role map, so a handler changing its Principal
// cannot change the cache.
func clonePrincipal(p Principal) Principal {
	if p.Roles != nil {
		roles := make(map[string][]accessv1.Role, len(p.Roles))
		for a, rs := range p.Roles {
			roles[a] = slices.Clone(rs)
		}
		p.Roles = roles
	}
	return p
}
