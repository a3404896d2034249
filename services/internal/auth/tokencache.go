package auth

import (
	"crypto/sha256"
	"maps"
	"sync"
	"time"
)

// tokenCache remembers tokens that verified, keyed by their SHA-256, until
// they expire. Checking an Ed25519 signature costs more CPU than a bare
// gRPC call, and a client sends the same token for minutes. A token stays
// accepted until its expiry even if its key is retired meanwhile; tokens
// live at most MaxTokenTTL.
type tokenCache struct {
	max int

	mu      sync.Mutex
	entries map[[32]byte]cachedToken
}

type cachedToken struct {
	p         Principal
	notBefore time.Time // leeway included
	expires   time.Time // leeway included
}

func newTokenCache(max int) *tokenCache {
	return &tokenCache{max: max, entries: make(map[[32]byte]cachedToken)}
}

func (c *tokenCache) get(token string, now time.Time) (Principal, bool) {
	h := sha256.Sum256([]byte(token))
	c.mu.Lock()
	e, ok := c.entries[h]
	c.mu.Unlock()
	if !ok || now.Before(e.notBefore) || !now.Before(e.expires) {
		return Principal{}, false
	}
	return clonePrincipal(e.p), true
}

func (c *tokenCache) put(token string, e cachedToken, now time.Time) {
	h := sha256.Sum256([]byte(token))
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		maps.DeleteFunc(c.entries, func(_ [32]byte, v cachedToken) bool { return !now.Before(v.expires) })
		for k := range c.entries {
			if len(c.entries) < c.max*3/4 {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[h] = e
}
