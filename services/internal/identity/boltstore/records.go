package boltstore

import (
	"crypto/ed25519"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	"github.com/engagehq/engage/services/internal/identity"
)

// The stored forms of identity's records. They are separate from the
// domain types so that renaming a Go field can never silently change the
// file format; new fields must tolerate being absent in old records.

type accountRecord struct {
	ID            string    `json:"id"`
	Email         string    `json:"email"`
	DisplayName   string    `json:"display_name"`
	PasswordHash  string    `json:"password_hash"`
	PlatformAdmin bool      `json:"platform_admin,omitempty"`
	TOTPEnabled   bool      `json:"totp_enabled,omitempty"`
	TOTPSecret    string    `json:"totp_secret,omitempty"`
	TOTPPending   string    `json:"totp_pending,omitempty"`
	TOTPLastStep  int64     `json:"totp_last_step,omitempty"`
	Failures      int       `json:"failures,omitempty"`
	LockLevel     int       `json:"lock_level,omitempty"`
	LockedUntil   time.Time `json:"locked_until,omitzero"`
	CreateTime    time.Time `json:"create_time"`
}

func toAccountRecord(a identity.Account) accountRecord {
	return accountRecord{
		ID: a.ID, Email: a.Email, DisplayName: a.DisplayName, PasswordHash: a.PasswordHash,
		PlatformAdmin: a.PlatformAdmin,
		TOTPEnabled:   a.TOTP.Enabled, TOTPSecret: a.TOTP.Secret, TOTPPending: a.TOTP.Pending, TOTPLastStep: a.TOTP.LastStep,
		Failures: a.Lockout.Failures, LockLevel: a.Lockout.Level, LockedUntil: a.Lockout.Until,
		CreateTime: a.CreateTime,
	}
}

func (r accountRecord) domain() identity.Account {
	return identity.Account{
		ID: r.ID, Email: r.Email, DisplayName: r.DisplayName, PasswordHash: r.PasswordHash,
		PlatformAdmin: r.PlatformAdmin,
		TOTP:          identity.TOTP{Enabled: r.TOTPEnabled, Secret: r.TOTPSecret, Pending: r.TOTPPending, LastStep: r.TOTPLastStep},
		Lockout:       identity.Lockout{Failures: r.Failures, Level: r.LockLevel, Until: r.LockedUntil},
		CreateTime:    r.CreateTime,
	}
}

type sessionRecord struct {
	ID                string    `json:"id"`
	AccountID         string    `json:"account_id"`
	MFA               bool      `json:"mfa,omitempty"`
	RefreshHash       []byte    `json:"refresh_hash"`
	RefreshExpireTime time.Time `json:"refresh_expire_time"`
	CreateTime        time.Time `json:"create_time"`
	Revoked           bool      `json:"revoked,omitempty"`
	RevokeTime        time.Time `json:"revoke_time,omitzero"`
}

func toSessionRecord(s identity.Session) sessionRecord {
	return sessionRecord{
		ID: s.ID, AccountID: s.AccountID, MFA: s.MFA, RefreshHash: s.RefreshHash,
		RefreshExpireTime: s.RefreshExpireTime, CreateTime: s.CreateTime, Revoked: s.Revoked, RevokeTime: s.RevokeTime,
	}
}

func (r sessionRecord) domain() identity.Session {
	return identity.Session{
		ID: r.ID, AccountID: r.AccountID, MFA: r.MFA, RefreshHash: r.RefreshHash,
		RefreshExpireTime: r.RefreshExpireTime, CreateTime: r.CreateTime, Revoked: r.Revoked, RevokeTime: r.RevokeTime,
	}
}

type agencyRecord struct {
	ID          string    `json:"id"`
	DisplayName string    `json:"display_name"`
	Description string    `json:"description,omitempty"`
	WebsiteURI  string    `json:"website_uri,omitempty"`
	TimeZone    string    `json:"time_zone,omitempty"`
	CreateTime  time.Time `json:"create_time"`
	UpdateTime  time.Time `json:"update_time"`
	Revision    int64     `json:"revision"`
}

func toAgencyRecord(a identity.Agency) agencyRecord {
	return agencyRecord{
		ID: a.ID, DisplayName: a.DisplayName, Description: a.Description, WebsiteURI: a.WebsiteURI,
		TimeZone: a.TimeZone, CreateTime: a.CreateTime, UpdateTime: a.UpdateTime, Revision: a.Revision,
	}
}

func (r agencyRecord) domain() identity.Agency {
	return identity.Agency{
		ID: r.ID, DisplayName: r.DisplayName, Description: r.Description, WebsiteURI: r.WebsiteURI,
		TimeZone: r.TimeZone, CreateTime: r.CreateTime, UpdateTime: r.UpdateTime, Revision: r.Revision,
	}
}

type bindingRecord struct {
	Agency     string    `json:"agency"`
	ID         string    `json:"id"`
	Member     string    `json:"member"`
	Role       string    `json:"role"`
	Grantor    string    `json:"grantor,omitempty"`
	CreateTime time.Time `json:"create_time"`
}

// Roles are stored by enum name, which stays stable if numbers ever were
// reassigned by mistake and is readable in a dump.
func toBindingRecord(b identity.RoleBinding) bindingRecord {
	return bindingRecord{
		Agency: b.Agency, ID: b.ID, Member: b.Member, Role: b.Role.String(), Grantor: b.Grantor, CreateTime: b.CreateTime,
	}
}

func (r bindingRecord) domain() identity.RoleBinding {
	return identity.RoleBinding{
		Agency: r.Agency, ID: r.ID, Member: r.Member, Role: accessv1.Role(accessv1.Role_value[r.Role]),
		Grantor: r.Grantor, CreateTime: r.CreateTime,
	}
}

type partnerRecord struct {
	Agency      string    `json:"agency"`
	ID          string    `json:"id"`
	DisplayName string    `json:"display_name"`
	KeyID       string    `json:"key_id"`
	KeyHash     []byte    `json:"key_hash"`
	KeyPrefix   string    `json:"key_prefix"`
	Revoked     bool      `json:"revoked,omitempty"`
	CreateTime  time.Time `json:"create_time"`
	RevokeTime  time.Time `json:"revoke_time,omitzero"`
}

func toPartnerRecord(p identity.Partner) partnerRecord {
	return partnerRecord{
		Agency: p.Agency, ID: p.ID, DisplayName: p.DisplayName, KeyID: p.KeyID, KeyHash: p.KeyHash,
		KeyPrefix: p.KeyPrefix, Revoked: p.State == identity.PartnerRevoked, CreateTime: p.CreateTime, RevokeTime: p.RevokeTime,
	}
}

func (r partnerRecord) domain() identity.Partner {
	state := identity.PartnerActive
	if r.Revoked {
		state = identity.PartnerRevoked
	}
	return identity.Partner{
		Agency: r.Agency, ID: r.ID, DisplayName: r.DisplayName, KeyID: r.KeyID, KeyHash: r.KeyHash,
		KeyPrefix: r.KeyPrefix, State: state, CreateTime: r.CreateTime, RevokeTime: r.RevokeTime,
	}
}

type auditRecord struct {
	Chain         string    `json:"chain,omitempty"`
	Sequence      int64     `json:"sequence"`
	Actor         string    `json:"actor"`
	Method        string    `json:"method"`
	Resource      string    `json:"resource,omitempty"`
	Outcome       string    `json:"outcome"`
	Time          time.Time `json:"time"`
	CorrelationID string    `json:"correlation_id,omitempty"`
	Service       string    `json:"service"`
	// Details is absent from events recorded before details existed,
	// which therefore read as they were written.
	Details      map[string]string `json:"details,omitempty"`
	PreviousHash string            `json:"previous_hash"`
	Hash         string            `json:"hash"`
}

func toAuditRecord(e identity.AuditEvent) auditRecord {
	return auditRecord{
		Chain: e.Chain, Sequence: e.Sequence, Actor: e.Actor, Method: e.Method, Resource: e.Resource,
		Outcome: e.Outcome, Time: e.Time, CorrelationID: e.CorrelationID, Service: e.Service,
		Details: e.Details, PreviousHash: e.PreviousHash, Hash: e.Hash,
	}
}

func (r auditRecord) domain() identity.AuditEvent {
	return identity.AuditEvent{
		Chain: r.Chain, Sequence: r.Sequence, Actor: r.Actor, Method: r.Method, Resource: r.Resource,
		Outcome: r.Outcome, Time: r.Time, CorrelationID: r.CorrelationID, Service: r.Service,
		Details: r.Details, PreviousHash: r.PreviousHash, Hash: r.Hash,
	}
}

// signingKeyRecord keeps the 32-byte Ed25519 seed, from which the private
// key is rebuilt.
type signingKeyRecord struct {
	ID         string    `json:"id"`
	Seed       []byte    `json:"seed"`
	CreateTime time.Time `json:"create_time"`
}

func toSigningKeyRecord(k identity.SigningKey) signingKeyRecord {
	return signingKeyRecord{ID: k.ID, Seed: k.Private.Seed(), CreateTime: k.CreateTime}
}

func (r signingKeyRecord) domain() identity.SigningKey {
	var priv ed25519.PrivateKey
	if len(r.Seed) == ed25519.SeedSize {
		priv = ed25519.NewKeyFromSeed(r.Seed)
	}
	return identity.SigningKey{ID: r.ID, Private: priv, CreateTime: r.CreateTime}
}
