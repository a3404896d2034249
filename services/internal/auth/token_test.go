package auth

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
)

func TestTokenRoundTrip(t *testing.T) {
	t.Parallel()
	key := testKey(t)
	clock := newClock()
	issuer := NewIssuer(key, 0, clock.Now)
	verifier := NewVerifier(staticKeysOf(key), clock.Now)
	tests := []struct {
		name   string
		claims TokenClaims
		want   Principal
	}{
		{
			name:   "resident",
			claims: TokenClaims{Account: "a1", SessionID: "s1"},
			want:   Principal{Kind: Account, Name: "accounts/a1", SessionID: "s1"},
		},
		{
			name: "staff with mfa",
			claims: TokenClaims{Account: "a2", SessionID: "s2", MFA: true, Roles: map[string][]accessv1.Role{
				"metro": {accessv1.Role_ROLE_MODERATOR, accessv1.Role_ROLE_ANALYST},
				"north": {accessv1.Role_ROLE_AGENCY_ADMIN},
			}},
			want: Principal{Kind: Account, Name: "accounts/a2", SessionID: "s2", MFA: true, Roles: map[string][]accessv1.Role{
				"metro": {accessv1.Role_ROLE_MODERATOR, accessv1.Role_ROLE_ANALYST},
				"north": {accessv1.Role_ROLE_AGENCY_ADMIN},
			}},
		},
		{
			name: "display name and account age",
			claims: TokenClaims{Account: "a4", SessionID: "s4", DisplayName: "Ada L.",
				AccountCreateTime: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)},
			want: Principal{Kind: Account, Name: "accounts/a4", SessionID: "s4", DisplayName: "Ada L.",
				AccountCreateTime: time.Unix(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).Unix(), 0)},
		},
		{
			name:   "platform admin",
			claims: TokenClaims{Account: "a3", SessionID: "s3", MFA: true, PlatformAdmin: true},
			want:   Principal{Kind: Account, Name: "accounts/a3", SessionID: "s3", MFA: true, PlatformAdmin: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			token, expires, err := issuer.Issue(tt.claims)
			if err != nil {
				t.Fatal(err)
			}
			if want := clock.Now().Add(DefaultTokenTTL); !expires.Equal(want) {
				t.Errorf("expires = %v, want %v", expires, want)
			}
			got, err := verifier.Verify(context.Background(), token)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("principal (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTokenHeaderAndClaims(t *testing.T) {
	t.Parallel()
	key := testKey(t)
	clock := newClock()
	token, _, err := NewIssuer(key, 0, clock.Now).Issue(TokenClaims{Account: "a1", SessionID: "s1", MFA: true,
		Roles: map[string][]accessv1.Role{"metro": {accessv1.Role_ROLE_TRAINER}}})
	if err != nil {
		t.Fatal(err)
	}
	var claims jwtClaims
	parsed, _, err := jwt.NewParser().ParseUnverified(token, &claims)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"alg": "EdDSA", "kid": key.ID, "typ": "JWT"}, parsed.Header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if claims.Issuer != "engage" || claims.Subject != "accounts/a1" || claims.SessionID != "s1" {
		t.Errorf("iss, sub, sid = %q, %q, %q", claims.Issuer, claims.Subject, claims.SessionID)
	}
	if diff := cmp.Diff(jwt.ClaimStrings{"engage"}, claims.Audience); diff != "" {
		t.Errorf("aud (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"pwd", "otp"}, claims.AMR); diff != "" {
		t.Errorf("amr (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string][]string{"metro": {"ROLE_TRAINER"}}, claims.Roles); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
}

func TestIssuerTTL(t *testing.T) {
	t.Parallel()
	key := testKey(t)
	tests := []struct {
		name string
		ttl  time.Duration
		want time.Duration
	}{
		{name: "default", ttl: 0, want: 10 * time.Minute},
		{name: "shorter", ttl: 5 * time.Minute, want: 5 * time.Minute},
		{name: "capped", ttl: time.Hour, want: 15 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := NewIssuer(key, tt.ttl, nil).TTL(); got != tt.want {
				t.Errorf("TTL = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestIssueRejectsBadClaims(t *testing.T) {
	t.Parallel()
	issuer := NewIssuer(testKey(t), 0, nil)
	for _, c := range []TokenClaims{{SessionID: "s"}, {Account: "accounts/a", SessionID: "s"}, {Account: "a"}} {
		if _, _, err := issuer.Issue(c); err == nil {
			t.Errorf("Issue(%+v) succeeded, want an error", c)
		}
	}
	if _, _, err := NewIssuer(SigningKey{}, 0, nil).Issue(TokenClaims{Account: "a", SessionID: "s"}); err == nil {
		t.Error("Issue with no key succeeded")
	}
}

// sign makes a token with arbitrary claims, header and algorithm.
func sign(t *testing.T, method jwt.SigningMethod, key any, kid string, claims jwt.Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	key, other := testKey(t), testKey(t)
	clock := newClock()
	now := clock.Now()
	good := func() jwtClaims {
		return jwtClaims{
			RegisteredClaims: jwt.RegisteredClaims{
				Issuer: "engage", Subject: "accounts/a1", Audience: jwt.ClaimStrings{"engage"},
				IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
				ExpiresAt: jwt.NewNumericDate(now.Add(10 * time.Minute)),
			},
			SessionID: "s1", AMR: []string{"pwd"},
		}
	}
	with := func(f func(c *jwtClaims)) jwtClaims {
		c := good()
		f(&c)
		return c
	}
	issued, _, err := NewIssuer(key, 0, clock.Now).Issue(TokenClaims{Account: "a1", SessionID: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(issued, ".")
	tamperedClaims := good()
	tamperedClaims.PlatformAdmin = true
	forged := strings.Split(sign(t, jwt.SigningMethodEdDSA, other.Private, key.ID, tamperedClaims), ".")

	tests := []struct {
		name  string
		token string
		at    time.Duration // clock offset at verification
	}{
		{name: "garbage", token: "not-a-token"},
		{name: "empty", token: ""},
		{name: "alg none", token: sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, key.ID, good())},
		{name: "alg HS256 keyed with the public key", token: sign(t, jwt.SigningMethodHS256, []byte(key.Public()), key.ID, good())},
		{name: "signed by an unknown key under a known kid", token: sign(t, jwt.SigningMethodEdDSA, other.Private, key.ID, good())},
		{name: "tampered payload", token: parts[0] + "." + forged[1] + "." + parts[2]},
		{name: "tampered signature", token: parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))},
		{name: "unknown kid", token: sign(t, jwt.SigningMethodEdDSA, other.Private, other.ID, good())},
		{name: "missing kid", token: sign(t, jwt.SigningMethodEdDSA, key.Private, "", good())},
		{name: "expired beyond leeway", token: issued, at: 10*time.Minute + 31*time.Second},
		{name: "not yet valid beyond leeway", token: issued, at: -31 * time.Second},
		{name: "wrong issuer", token: sign(t, jwt.SigningMethodEdDSA, key.Private, key.ID, with(func(c *jwtClaims) { c.Issuer = "other" }))},
		{name: "wrong audience", token: sign(t, jwt.SigningMethodEdDSA, key.Private, key.ID, with(func(c *jwtClaims) { c.Audience = jwt.ClaimStrings{"other"} }))},
		{name: "no expiry", token: sign(t, jwt.SigningMethodEdDSA, key.Private, key.ID, with(func(c *jwtClaims) { c.ExpiresAt = nil }))},
		{name: "no issued-at", token: sign(t, jwt.SigningMethodEdDSA, key.Private, key.ID, with(func(c *jwtClaims) { c.IssuedAt = nil }))},
		{name: "lifetime over 15 minutes", token: sign(t, jwt.SigningMethodEdDSA, key.Private, key.ID, with(func(c *jwtClaims) { c.ExpiresAt = jwt.NewNumericDate(now.Add(time.Hour)) }))},
		{name: "subject not an account", token: sign(t, jwt.SigningMethodEdDSA, key.Private, key.ID, with(func(c *jwtClaims) { c.Subject = "services/forum" }))},
		{name: "subject with nested path", token: sign(t, jwt.SigningMethodEdDSA, key.Private, key.ID, with(func(c *jwtClaims) { c.Subject = "accounts/a/b" }))},
		{name: "no session", token: sign(t, jwt.SigningMethodEdDSA, key.Private, key.ID, with(func(c *jwtClaims) { c.SessionID = "" }))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			at := now.Add(tt.at)
			v := NewVerifier(staticKeysOf(key), func() time.Time { return at })
			p, err := v.Verify(context.Background(), tt.token)
			if !errors.Is(err, errs.Unauthenticated) {
				t.Fatalf("Verify = %+v, %v; want an Unauthenticated error", p, err)
			}
			if got, want := err.Error(), "invalid or expired access token"; got != want {
				t.Errorf("message = %q, want the generic %q", got, want)
			}
		})
	}
}

func TestVerifyLeeway(t *testing.T) {
	t.Parallel()
	key := testKey(t)
	clock := newClock()
	token, _, err := NewIssuer(key, 0, clock.Now).Issue(TokenClaims{Account: "a1", SessionID: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, offset := range []time.Duration{-29 * time.Second, 0, 10*time.Minute + 29*time.Second} {
		at := clock.Now().Add(offset)
		if _, err := NewVerifier(staticKeysOf(key), func() time.Time { return at }).Verify(context.Background(), token); err != nil {
			t.Errorf("Verify at %v: %v, want success within the leeway", offset, err)
		}
	}
}

func TestVerifyCacheHonoursExpiry(t *testing.T) {
	t.Parallel()
	key := testKey(t)
	clock := newClock()
	token, _, err := NewIssuer(key, 0, clock.Now).Issue(TokenClaims{Account: "a1", SessionID: "s1",
		Roles: map[string][]accessv1.Role{"metro": {accessv1.Role_ROLE_ANALYST}}})
	if err != nil {
		t.Fatal(err)
	}
	v := NewVerifier(staticKeysOf(key), clock.Now)
	steps := []struct {
		name    string
		advance time.Duration
		ok      bool
	}{
		{name: "fresh", ok: true},
		{name: "cached", advance: 5 * time.Minute, ok: true},
		{name: "within leeway", advance: 5*time.Minute + 29*time.Second, ok: true},
		{name: "expired", advance: 2 * time.Second, ok: false},
	}
	for _, s := range steps {
		clock.Add(s.advance)
		p, err := v.Verify(context.Background(), token)
		if (err == nil) != s.ok {
			t.Fatalf("%s: Verify = %v, want ok %v", s.name, err, s.ok)
		}
		if err == nil {
			// A caller changing its copy must not change what the cache returns.
			p.Roles["metro"] = append(p.Roles["metro"], accessv1.Role_ROLE_AGENCY_ADMIN)
		}
	}
	clock.Add(-time.Minute)
	p, err := v.Verify(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string][]accessv1.Role{"metro": {accessv1.Role_ROLE_ANALYST}}, p.Roles); diff != "" {
		t.Errorf("cached roles changed by a caller (-want +got):\n%s", diff)
	}
}

func TestTokenCacheBounded(t *testing.T) {
	t.Parallel()
	c := newTokenCache(8)
	now := newClock().Now()
	for i := range 50 {
		c.put(fmt.Sprint("token", i), cachedToken{p: Principal{Kind: Account, Name: "accounts/a"}, expires: now.Add(time.Minute)}, now)
		c.mu.Lock()
		n := len(c.entries)
		c.mu.Unlock()
		if n > 8 {
			t.Fatalf("cache holds %d tokens, want at most 8", n)
		}
	}
}

func TestVerifyDropsUnknownRoles(t *testing.T) {
	t.Parallel()
	key := testKey(t)
	now := time.Now()
	claims := jwtClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: "engage", Subject: "accounts/a1", Audience: jwt.ClaimStrings{"engage"},
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)),
		},
		SessionID: "s1", AMR: []string{"pwd", "otp"},
		Roles: map[string][]string{"metro": {"ROLE_MODERATOR", "ROLE_SUPERUSER", "ROLE_UNSPECIFIED"}, "north": {"ROLE_NEW"}},
	}
	p, err := NewVerifier(staticKeysOf(key), nil).Verify(context.Background(), sign(t, jwt.SigningMethodEdDSA, key.Private, key.ID, claims))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string][]accessv1.Role{"metro": {accessv1.Role_ROLE_MODERATOR}}, p.Roles); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
}

func TestVerifyKeysUnavailable(t *testing.T) {
	t.Parallel()
	key := testKey(t)
	token, _, err := NewIssuer(key, 0, nil).Issue(TokenClaims{Account: "a1", SessionID: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	down := KeySourceFunc(func(context.Context, string) (ed25519.PublicKey, error) {
		return nil, fmt.Errorf("fetch: %w", errs.Unavailable)
	})
	_, err = NewVerifier(down, nil).Verify(context.Background(), token)
	if !errors.Is(err, errs.Unavailable) {
		t.Errorf("Verify = %v, want Unavailable so the client retries", err)
	}
}

// BenchmarkVerify measures the cost every authenticated call pays for its
// token: a signature check the first time ("uncached"), a cache lookup
// after.
func BenchmarkVerify(b *testing.B) {
	b.Run("cached", func(b *testing.B) { benchmarkVerify(b, false) })
	b.Run("uncached", func(b *testing.B) { benchmarkVerify(b, true) })
}

func benchmarkVerify(b *testing.B, fresh bool) {
	key, err := GenerateSigningKey()
	if err != nil {
		b.Fatal(err)
	}
	token, _, err := NewIssuer(key, 0, nil).Issue(TokenClaims{Account: "a1", SessionID: "s1", MFA: true,
		Roles: map[string][]accessv1.Role{"metro": {accessv1.Role_ROLE_MODERATOR}}})
	if err != nil {
		b.Fatal(err)
	}
	v := NewVerifier(staticKeysOf(key), nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if fresh {
			v.cache = newTokenCache(verifiedTokens)
		}
		if _, err := v.Verify(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}
