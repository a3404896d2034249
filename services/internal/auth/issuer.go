package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// SigningKey is an Ed25519 key that signs access tokens. Identity generates
// and persists it; ID becomes the `kid` header of the tokens it signs.
type SigningKey struct {
	ID      string
	Private ed25519.PrivateKey
}

// Public returns the key's public half, the one other services verify with.
func (k SigningKey) Public() ed25519.PublicKey {
	pub, _ := k.Private.Public().(ed25519.PublicKey)
	return pub
}

// keyIDEncoding renders key ids as short lowercase base32: safe in JWT
// headers, URLs and logs.
var keyIDEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// GenerateSigningKey returns a fresh Ed25519 key with a random 16-character
// id.
func GenerateSigningKey() (SigningKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return SigningKey{}, fmt.Errorf("generate signing key: %w", err)
	}
	return SigningKey{ID: randomID(10), Private: priv}, nil
}

// randomID returns n random bytes as lowercase base32.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it aborts the program instead).
	return strings.ToLower(keyIDEncoding.EncodeToString(b))
}

// Issuer signs access tokens. Only identity holds one.
type Issuer struct {
	key SigningKey
	ttl time.Duration
	now func() time.Time
}

// NewIssuer returns an Issuer signing with key. A ttl of zero or less means
// DefaultTokenTTL; a ttl above MaxTokenTTL is lowered to it, because the
// Verifier refuses longer-lived tokens. now is the clock (time.Now when nil).
func NewIssuer(key SigningKey, ttl time.Duration, now func() time.Time) *Issuer {
	if ttl <= 0 {
		ttl = DefaultTokenTTL
	}
	ttl = min(ttl, MaxTokenTTL)
	if now == nil {
		now = time.Now
	}
	return &Issuer{key: key, ttl: ttl, now: now}
}

// TTL returns the lifetime of the tokens the Issuer signs.
func (i *Issuer) TTL() time.Duration { return i.ttl }

// KeyID returns the id of the key the Issuer signs with.
func (i *Issuer) KeyID() string { return i.key.ID }

// Issue signs an access token for c and returns it with its expiry.
func (i *Issuer) Issue(c TokenClaims) (token string, expires time.Time, err error) {
	if c.Account == "" || strings.Contains(c.Account, "/") {
		return "", time.Time{}, fmt.Errorf("issue token: bad account id %q", c.Account)
	}
	if c.SessionID == "" {
		return "", time.Time{}, errors.New("issue token: missing session id")
	}
	if i.key.ID == "" || len(i.key.Private) != ed25519.PrivateKeySize {
		return "", time.Time{}, errors.New("issue token: signing key is not set")
	}
	now := i.now().Truncate(time.Second)
	expires = now.Add(i.ttl)
	amr := []string{amrPassword}
	if c.MFA {
		amr = append(amr, amrOTP)
	}
	claims := jwtClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    TokenIssuer,
			Subject:   "accounts/" + c.Account,
			Audience:  jwt.ClaimStrings{TokenAudience},
			ExpiresAt: jwt.NewNumericDate(expires),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        uuid.NewString(),
		},
		SessionID:     c.SessionID,
		AMR:           amr,
		PlatformAdmin: c.PlatformAdmin,
		Roles:         rolesToNames(c.Roles),
		Name:          c.DisplayName,
	}
	if !c.AccountCreateTime.IsZero() {
		claims.AccountCreated = c.AccountCreateTime.Unix()
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["kid"] = i.key.ID
	token, err = t.SignedString(i.key.Private)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign token: %w", err)
	}
	return token, expires, nil
}
