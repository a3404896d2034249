package auth

import (
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	"github.com/golang-jwt/jwt/v5"
)

// Token constants shared by the Issuer and the Verifier.
const (
	// TokenIssuer is the `iss` of every access token.
	TokenIssuer = "engage"
	// TokenAudience is the `aud` of every access token: every Engage service.
	TokenAudience = "engage"
	// DefaultTokenTTL is the access-token lifetime when none is configured.
	DefaultTokenTTL = 10 * time.Minute
	// MaxTokenTTL caps access-token lifetimes (PRODUCT.md §2: ≤ 15 min), so a
	// stolen token is useful only briefly; verification refuses longer ones.
	MaxTokenTTL = 15 * time.Minute
	// tokenLeeway tolerates clock skew between identity and other services.
	tokenLeeway = 30 * time.Second
	// amrPassword and amrOTP are the RFC 8176 authentication method
	// references of a password sign-in and of a one-time code (TOTP).
	amrPassword = "pwd"
	amrOTP      = "otp"
)

// TokenClaims is what identity puts into an access token. Identity decides
// the roles: staff roles and PlatformAdmin only for MFA sessions.
type TokenClaims struct {
	// Account is the account id (not the resource name).
	Account string
	// SessionID is the sign-in session the token belongs to.
	SessionID string
	// MFA is true when the session was established with a second factor.
	MFA bool
	// PlatformAdmin marks a deployment administrator.
	PlatformAdmin bool
	// Roles are the effective roles per agency id.
	Roles map[string][]accessv1.Role
	// DisplayName is the account's name as others see it (services that
	// show authors, such as forum posts, take it from the token).
	DisplayName string
	// AccountCreateTime is when the account was created (services limit
	// new accounts more strictly).
	AccountCreateTime time.Time
}

// jwtClaims is the JSON form of an access token's claims.
type jwtClaims struct {
	jwt.RegisteredClaims
	SessionID     string              `json:"sid"`
	AMR           []string            `json:"amr"`
	PlatformAdmin bool                `json:"pa,omitempty"`
	Roles         map[string][]string `json:"roles,omitempty"`
	// Name is the display name (the OpenID Connect "name" claim).
	Name string `json:"name,omitempty"`
	// AccountCreated is the account's creation time, in Unix seconds.
	AccountCreated int64 `json:"act,omitempty"`
}

// rolesToNames renders roles as their enum names ("ROLE_MODERATOR"), which
// stay stable when enum numbers are read by other languages or tools.
func rolesToNames(roles map[string][]accessv1.Role) map[string][]string {
	if len(roles) == 0 {
		return nil
	}
	out := make(map[string][]string, len(roles))
	for agency, rs := range roles {
		names := make([]string, 0, len(rs))
		for _, r := range rs {
			if r == accessv1.Role_ROLE_UNSPECIFIED {
				continue
			}
			names = append(names, r.String())
		}
		if len(names) > 0 {
			out[agency] = names
		}
	}
	return out
}

// rolesFromNames parses role names. Names this build does not know are
// dropped: a token from a newer identity grants no more than this service
// understands.
func rolesFromNames(names map[string][]string) map[string][]accessv1.Role {
	if len(names) == 0 {
		return nil
	}
	out := make(map[string][]accessv1.Role, len(names))
	for agency, ns := range names {
		var rs []accessv1.Role
		for _, n := range ns {
			v, ok := accessv1.Role_value[n]
			if !ok || v == int32(accessv1.Role_ROLE_UNSPECIFIED) {
				continue
			}
			rs = append(rs, accessv1.Role(v))
		}
		if len(rs) > 0 && agency != "" {
			out[agency] = rs
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
