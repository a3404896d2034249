package identity

import (
	"crypto/ed25519"
	"strings"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
)

// Account is a person's account as the Store keeps it, secrets included.
type Account struct {
	// ID is the last segment of `accounts/{id}`.
	ID string
	// Email is the sign-in email as the person typed it; uniqueness is
	// checked on EmailKey(Email).
	Email       string
	DisplayName string
	// PasswordHash is an argon2id PHC string (see password.go).
	PasswordHash  string
	PlatformAdmin bool
	TOTP          TOTP
	Lockout       Lockout
	CreateTime    time.Time
}

// TOTP is an account's second factor.
type TOTP struct {
	// Enabled is true once a secret was verified with a code.
	Enabled bool
	// Secret is the verified base32 secret; empty until Enabled.
	Secret string
	// Pending is a secret handed out by EnrollTotp and not yet verified.
	Pending string
	// LastStep is the RFC 6238 time step of the last accepted code; a code
	// of that step or an earlier one is refused, so no code works twice.
	LastStep int64
}

// Lockout is the sign-in throttling state of an account.
type Lockout struct {
	// Failures counts consecutive failed sign-ins since the last lock or
	// success.
	Failures int
	// Level counts the locks since the last success; each doubles the
	// lock's length.
	Level int
	// Until is when the current lock ends; zero or past when unlocked.
	Until time.Time
}

// EmailKey is the form in which emails are compared: case-insensitively
// and without surrounding spaces.
func EmailKey(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// Session is one sign-in. Only hashes of refresh tokens are kept.
type Session struct {
	ID string
	// AccountID is the account signed in.
	AccountID string
	// MFA is true when the sign-in used a TOTP code.
	MFA bool
	// RefreshHash is the SHA-256 of the one refresh token that works now.
	RefreshHash []byte
	// RefreshExpireTime is when RefreshHash stops working.
	RefreshExpireTime time.Time
	CreateTime        time.Time
	// Revoked is set by RevokeSession or when a spent refresh token is
	// presented again.
	Revoked    bool
	RevokeTime time.Time
}

// Agency is a tenant.
type Agency struct {
	ID          string
	DisplayName string
	Description string
	WebsiteURI  string
	TimeZone    string
	CreateTime  time.Time
	UpdateTime  time.Time
	// Revision starts at 1 and grows by one with every update; the etag is
	// rendered from it.
	Revision int64
}

// RoleBinding grants Role in Agency to Member (`accounts/{id}` or
// `agencies/{agency}/partners/{id}`, possibly of another agency).
type RoleBinding struct {
	Agency     string
	ID         string
	Member     string
	Role       accessv1.Role
	Grantor    string
	CreateTime time.Time
}

// PartnerState says whether a partner's key works.
type PartnerState int

// The partner states.
const (
	PartnerActive PartnerState = iota + 1
	PartnerRevoked
)

// Partner is a partner organization with one API key.
type Partner struct {
	Agency      string
	ID          string
	DisplayName string
	// KeyID is the public id inside the API key, the lookup key.
	KeyID string
	// KeyHash verifies the key (auth.VerifyAPIKey); the key itself is never
	// stored.
	KeyHash    []byte
	KeyPrefix  string
	State      PartnerState
	CreateTime time.Time
	RevokeTime time.Time
}

// Name returns the partner's resource name, the member of its bindings.
func (p Partner) Name() string {
	return "agencies/" + p.Agency + "/partners/" + p.ID
}

// AuditEvent is one entry of a hash chain. Chain is the agency id, or ""
// for the platform chain.
type AuditEvent struct {
	Chain         string
	Sequence      int64
	Actor         string
	Method        string
	Resource      string
	Outcome       string
	Time          time.Time
	CorrelationID string
	Service       string
	// Details are what was decided (audit.Event.Details); nil for most
	// events and for every event recorded before details existed.
	Details      map[string]string
	PreviousHash string
	Hash         string
}

// AuditPage selects a page of a chain's events, newest first.
type AuditPage struct {
	// Before is the sequence the page starts below; 0 starts at the
	// newest event.
	Before int64
	// Size is the most events to return (at least 1).
	Size int
	// MaxScan bounds the events examined, kept or not; 0 means no bound.
	MaxScan int
	// Keep, when not nil, selects the events to return.
	Keep func(AuditEvent) bool
}

// SigningKey is an Ed25519 key that signs access tokens.
type SigningKey struct {
	ID         string
	Private    ed25519.PrivateKey
	CreateTime time.Time
}
