package identity

import (
	"context"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	"github.com/engagehq/engage/services/internal/idempotent"
)

// RetryLifetime is how long a request id is remembered: a retry later than
// this creates anew.
const RetryLifetime = 24 * time.Hour

// Store keeps identity's data. Every write is durable when the method
// returns nil, and a method that returns an error has changed nothing.
// Errors wrap the errs sentinels named in each method's doc; anything else
// is a storage failure.
//
// Methods that take a mutate function call it inside one write
// transaction, possibly more than once (a group commit may be retried), each
// time with a fresh copy of the stored value. mutate must only change that
// value and variables it resets on every call. When mutate returns an
// error, nothing is stored and the method returns that error unchanged.
//
// List methods return at most limit items whose key sorts after `after`
// (all from the start when after is empty), in key order.
//
// Create methods take the idempotent.Request of a request that may be
// retried (the zero Request for none): a retry within RetryLifetime
// returns what its first call created and stores nothing, and the same
// caller and request id with another fingerprint, or in another agency, is
// idempotent.ErrReused.
type Store interface {
	// CreateAccount stores a new account. It returns errs.AlreadyExists when
	// the id, or the email compared with EmailKey, is taken. A retry returns
	// the account its first call created and a is ignored.
	CreateAccount(ctx context.Context, a Account, retry idempotent.Request) (Account, error)
	// BootstrapAdmin stores a, which must be a platform administrator, only
	// when no platform administrator exists yet, and reports whether it did.
	// It returns errs.AlreadyExists when it would store a but its email is
	// taken.
	BootstrapAdmin(ctx context.Context, a Account) (created bool, err error)
	// Account returns an account, or errs.NotFound.
	Account(ctx context.Context, id string) (Account, error)
	// AccountByEmail finds an account by EmailKey(email), or errs.NotFound.
	AccountByEmail(ctx context.Context, email string) (Account, error)
	// ListAccounts lists accounts by id.
	ListAccounts(ctx context.Context, after string, limit int) ([]Account, error)
	// UpdateAccount changes an account with mutate; errs.NotFound when it
	// does not exist. mutate must not change ID, Email or CreateTime.
	UpdateAccount(ctx context.Context, id string, mutate func(*Account) error) (Account, error)

	// CreateSession stores a new session and indexes its RefreshHash;
	// errs.AlreadyExists when the id or the hash is taken.
	CreateSession(ctx context.Context, s Session) error
	// UpdateSessionByRefresh finds the session that any refresh token ever
	// issued to it belongs to, by the token's hash, and changes it with
	// mutate. A new RefreshHash set by mutate is indexed as well, and hashes
	// stay indexed until the session is deleted, so a spent token still
	// finds its session. errs.NotFound when no session has that hash.
	UpdateSessionByRefresh(ctx context.Context, refreshHash []byte, mutate func(*Session) error) (Session, error)
	// DeleteExpiredSessions deletes the sessions whose refresh token
	// expires at or before now, with their hashes, and returns how many it
	// deleted.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)
	// PurgeRequests forgets the request ids of creates made before the
	// time given and returns how many it forgot.
	PurgeRequests(ctx context.Context, before time.Time) (int, error)

	// CreateAgency stores a new agency with Revision 1; errs.AlreadyExists
	// when the id is taken. A retry returns the agency its first call
	// created.
	CreateAgency(ctx context.Context, a Agency, retry idempotent.Request) (Agency, error)
	// Agency returns an agency, or errs.NotFound.
	Agency(ctx context.Context, id string) (Agency, error)
	// ListAgencies lists agencies by id.
	ListAgencies(ctx context.Context, after string, limit int) ([]Agency, error)
	// UpdateAgency changes an agency with mutate and then increments its
	// Revision; errs.NotFound when it does not exist. mutate must not change
	// ID, CreateTime or Revision.
	UpdateAgency(ctx context.Context, id string, mutate func(*Agency) error) (Agency, error)

	// CreateRoleBinding stores a binding in its agency: errs.NotFound when
	// the agency does not exist, errs.AlreadyExists when the id is taken or
	// the member already holds the role there. A retry returns the binding
	// its first call created.
	CreateRoleBinding(ctx context.Context, b RoleBinding, retry idempotent.Request) (RoleBinding, error)
	// RoleBinding returns a binding, or errs.NotFound.
	RoleBinding(ctx context.Context, agency, id string) (RoleBinding, error)
	// ListRoleBindings lists an agency's bindings by id; errs.NotFound when
	// the agency does not exist.
	ListRoleBindings(ctx context.Context, agency, after string, limit int) ([]RoleBinding, error)
	// DeleteRoleBinding deletes a binding, or returns errs.NotFound.
	DeleteRoleBinding(ctx context.Context, agency, id string) error
	// MemberRoles returns the roles bound to member, per agency id, each
	// list in ascending role order without duplicates; empty when none.
	MemberRoles(ctx context.Context, member string) (map[string][]accessv1.Role, error)

	// CreatePartner stores a partner together with bindings (bindings of
	// the partner in its agency, created in the same transaction):
	// errs.NotFound when the agency does not exist, errs.AlreadyExists when
	// the id or key id is taken. A retry returns the partner its first
	// call created and stores nothing.
	CreatePartner(ctx context.Context, p Partner, bindings []RoleBinding, retry idempotent.Request) (Partner, error)
	// Partner returns a partner, or errs.NotFound.
	Partner(ctx context.Context, agency, id string) (Partner, error)
	// PartnerByKeyID finds a partner by the id inside its API key, or
	// errs.NotFound.
	PartnerByKeyID(ctx context.Context, keyID string) (Partner, error)
	// ListPartners lists an agency's partners by id; errs.NotFound when the
	// agency does not exist.
	ListPartners(ctx context.Context, agency, after string, limit int) ([]Partner, error)
	// RevokePartner marks a partner revoked at the given time; revoking a
	// revoked partner changes nothing. errs.NotFound when it does not exist.
	RevokePartner(ctx context.Context, agency, id string, at time.Time) (Partner, error)

	// AppendAuditEvents appends events, in order, each to its Chain: it
	// assigns Sequence (1 for the first event of a chain), PreviousHash
	// (ZeroHash for the first) and Hash (ChainHash), and returns the events
	// as stored. Appends to one chain are serialized.
	AppendAuditEvents(ctx context.Context, events []AuditEvent) ([]AuditEvent, error)
	// AuditEvent returns one event of a chain, or errs.NotFound.
	AuditEvent(ctx context.Context, chain string, sequence int64) (AuditEvent, error)
	// ListAuditEvents returns the events of a chain that page.Keep accepts,
	// newest first, from below sequence page.Before (from the newest when
	// it is 0), and the sequence the next page starts below: 0 when no
	// event is left to examine. It stops at page.Size events, or once it
	// has examined page.MaxScan (when not 0).
	ListAuditEvents(ctx context.Context, chain string, page AuditPage) ([]AuditEvent, int64, error)
	// ScanAuditEvents returns a chain's events oldest first, starting above
	// sequence after.
	ScanAuditEvents(ctx context.Context, chain string, after int64, limit int) ([]AuditEvent, error)

	// InitSigningKeys stores k when no signing key is stored yet, and
	// returns every stored key, newest first.
	InitSigningKeys(ctx context.Context, k SigningKey) ([]SigningKey, error)
}
