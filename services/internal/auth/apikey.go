package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"
)

// Partner API keys look like `eng_<id>_<secret>`: the id (16 lowercase
// base32 characters) lets identity find the stored hash, and the secret is
// 32 random bytes in unpadded base64url. Because the secret has 256 bits, a
// plain SHA-256 of the whole key is a safe stored form: no password
// hashing is needed to resist guessing.
const (
	apiKeyPrefix    = "eng_"
	apiKeyIDLen     = 16
	apiKeySecretLen = 43 // base64url of 32 bytes, unpadded
)

// APIKeyResolver turns a partner's API key into its Principal (Kind
// Partner, Name `agencies/{a}/partners/{p}`, Roles per agency). Unknown,
// malformed or revoked keys wrap errs.Unauthenticated; errs.Unavailable
// means the answer is not known right now.
type APIKeyResolver interface {
	ResolveAPIKey(ctx context.Context, key string) (Principal, error)
}

// NewAPIKey returns a fresh partner API key (to show the partner once), its
// id, the hash identity stores, and the prefix shown in listings
// (`eng_<id>`), which identifies the key without revealing it.
func NewAPIKey() (key, id string, hash []byte, prefix string) {
	id = randomID(10)
	secret := make([]byte, 32)
	_, _ = rand.Read(secret) // crypto/rand.Read never fails (it aborts the program instead).
	prefix = apiKeyPrefix + id
	key = prefix + "_" + base64.RawURLEncoding.EncodeToString(secret)
	return key, id, HashAPIKey(key), prefix
}

// ParseAPIKey returns the id of a well-formed key. It says nothing about
// whether the key is valid; VerifyAPIKey does.
func ParseAPIKey(key string) (id string, ok bool) {
	rest, ok := strings.CutPrefix(key, apiKeyPrefix)
	if !ok || len(rest) != apiKeyIDLen+1+apiKeySecretLen || rest[apiKeyIDLen] != '_' {
		return "", false
	}
	id, secret := rest[:apiKeyIDLen], rest[apiKeyIDLen+1:]
	for _, c := range id {
		if (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return "", false
		}
	}
	if b, err := base64.RawURLEncoding.Strict().DecodeString(secret); err != nil || len(b) != 32 {
		return "", false
	}
	return id, true
}

// HashAPIKey returns the stored form of key: its SHA-256.
func HashAPIKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// VerifyAPIKey reports whether key is well formed and hashes to hash, in
// constant time.
func VerifyAPIKey(key string, hash []byte) bool {
	if _, ok := ParseAPIKey(key); !ok {
		return false
	}
	return subtle.ConstantTimeCompare(HashAPIKey(key), hash) == 1
}
