package auth

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/engagehq/engage/services/internal/errs"
	"github.com/golang-jwt/jwt/v5"
)

// KeySource finds the public key for a token's `kid`. It returns an error
// wrapping errs.Unauthenticated when the key is unknown and one wrapping
// errs.Unavailable when it cannot tell right now.
type KeySource interface {
	PublicKey(ctx context.Context, kid string) (ed25519.PublicKey, error)
}

// StaticKeys is a fixed KeySource, for a process that holds the keys itself
// (identity) and for tests.
type StaticKeys map[string]ed25519.PublicKey

// PublicKey returns the key with id kid.
func (s StaticKeys) PublicKey(_ context.Context, kid string) (ed25519.PublicKey, error) {
	k, ok := s[kid]
	if !ok {
		return nil, fmt.Errorf("signing key %q: %w", kid, errs.Unauthenticated)
	}
	return k, nil
}

// KeySourceFunc adapts a function to KeySource.
type KeySourceFunc func(ctx context.Context, kid string) (ed25519.PublicKey, error)

// PublicKey calls f.
func (f KeySourceFunc) PublicKey(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	return f(ctx, kid)
}

// Verifier checks access tokens locally, with the public keys of its
// KeySource, so no service calls identity per request.
type Verifier struct {
	keys   KeySource
	now    func() time.Time
	parser *jwt.Parser
	cache  *tokenCache
}

// verifiedTokens bounds the Verifier's cache of verified tokens.
const verifiedTokens = 10000

// NewVerifier returns a Verifier using keys. now is the clock (time.Now
// when nil).
func NewVerifier(keys KeySource, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	return &Verifier{
		keys:  keys,
		now:   now,
		cache: newTokenCache(verifiedTokens),
		parser: jwt.NewParser(
			// Only EdDSA: "none", HS256 signed with a public key and every
			// other algorithm confusion are refused before any key is used.
			jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
			jwt.WithIssuer(TokenIssuer),
			jwt.WithAudience(TokenAudience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(tokenLeeway),
			jwt.WithTimeFunc(now),
			jwt.WithStrictDecoding(),
		),
	}
}

// errBadToken is what every rejected token reports: the caller learns no
// more than that the token is not accepted.
var errBadToken = errs.Public(errs.Unauthenticated, "invalid or expired access token")

// Verify checks token and returns the account it was issued to. Every
// failure wraps errs.Unauthenticated with a generic message, except when
// the signing keys cannot be fetched right now: that wraps errs.Unavailable,
// so clients retry instead of discarding a good token.
func (v *Verifier) Verify(ctx context.Context, token string) (Principal, error) {
	now := v.now()
	if p, ok := v.cache.get(token, now); ok {
		return p, nil
	}
	var keyErr error
	var claims jwtClaims
	_, err := v.parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("missing kid")
		}
		key, err := v.keys.PublicKey(ctx, kid)
		if err != nil {
			keyErr = err
			return nil, err
		}
		return key, nil
	})
	if err != nil {
		if keyErr != nil && errors.Is(keyErr, errs.Unavailable) {
			return Principal{}, errs.Public(errs.Unavailable, "token keys are unavailable, retry later")
		}
		return Principal{}, errBadToken
	}
	account, ok := strings.CutPrefix(claims.Subject, "accounts/")
	if !ok || account == "" || strings.Contains(account, "/") || claims.SessionID == "" {
		return Principal{}, errBadToken
	}
	// Defence in depth: a token living longer than MaxTokenTTL was not
	// issued by a correctly configured identity.
	if claims.IssuedAt == nil || claims.ExpiresAt.Sub(claims.IssuedAt.Time) > MaxTokenTTL {
		return Principal{}, errBadToken
	}
	p := Principal{
		Kind:          Account,
		Name:          claims.Subject,
		SessionID:     claims.SessionID,
		MFA:           slices.Contains(claims.AMR, amrOTP),
		PlatformAdmin: claims.PlatformAdmin,
		Roles:         rolesFromNames(claims.Roles),
		DisplayName:   claims.Name,
	}
	if claims.AccountCreated > 0 {
		p.AccountCreateTime = time.Unix(claims.AccountCreated, 0)
	}
	e := cachedToken{p: clonePrincipal(p), expires: claims.ExpiresAt.Add(tokenLeeway)}
	if claims.NotBefore != nil {
		e.notBefore = claims.NotBefore.Add(-tokenLeeway)
	}
	v.cache.put(token, e, now)
	return p, nil
}
