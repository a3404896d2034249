// Package auth knows who is calling: the Principal every handler reads from
// its context, the tokens and keys that establish it, and the interceptor
// that enforces each RPC's declared policy (engage.access.v1.policy).
package auth

import (
	"context"
	"slices"
	"strings"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
)

// Kind is the kind of caller.
type Kind int

// The kinds of caller.
const (
	// Anonymous: no credentials. The zero Principal.
	Anonymous Kind = iota
	// Account: a person signed in with an access token.
	Account
	// Partner: a partner organization calling with an API key.
	Partner
	// Service: another Engage service, with the internal credential.
	Service
)

func (k Kind) String() string {
	switch k {
	case Account:
		return "account"
	case Partner:
		return "partner"
	case Service:
		return "service"
	default:
		return "anonymous"
	}
}

// Principal is the authenticated caller of an RPC.
type Principal struct {
	Kind Kind
	// Name is the caller's resource name: `accounts/{account}`,
	// `agencies/{agency}/partners/{partner}` or `services/{service}`;
	// empty for anonymous callers.
	Name string
	// SessionID identifies the sign-in session an access token belongs to.
	SessionID string
	// MFA is true when the session was established with a second factor.
	MFA bool
	// PlatformAdmin is true for deployment administrators (effective only
	// with MFA, like every staff role).
	PlatformAdmin bool
	// Roles are the effective roles per agency id (not resource name).
	// Staff roles of an account appear only when MFA is true.
	Roles map[string][]accessv1.Role
	// DisplayName is an account's public name, from its access token.
	DisplayName string
	// AccountCreateTime is when an account was created, from its access
	// token; zero for other kinds.
	AccountCreateTime time.Time
}

// IsStaff reports whether the caller holds any role in agency (an id).
func (p Principal) IsStaff(agency string) bool {
	return len(p.Roles[agency]) > 0
}

// IsAnonymous reports whether the caller presented no credentials.
func (p Principal) IsAnonymous() bool { return p.Kind == Anonymous }

// AccountID returns the account id for Account principals, else "".
func (p Principal) AccountID() string {
	if p.Kind != Account {
		return ""
	}
	return strings.TrimPrefix(p.Name, "accounts/")
}

// HasRole reports whether the caller holds any of roles in agency (an id,
// not a resource name). ROLE_AGENCY_ADMIN always qualifies.
func (p Principal) HasRole(agency string, roles ...accessv1.Role) bool {
	held := p.Roles[agency]
	if slices.Contains(held, accessv1.Role_ROLE_AGENCY_ADMIN) {
		return true
	}
	for _, r := range roles {
		if slices.Contains(held, r) {
			return true
		}
	}
	return false
}

type principalKey struct{}

// NewContext returns ctx carrying p.
func NewContext(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the caller, or the anonymous Principal.
func FromContext(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}
