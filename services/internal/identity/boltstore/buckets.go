package boltstore

import (
	"github.com/engagehq/engage/services/internal/boltdb"
	"go.etcd.io/bbolt"
)

// Top-level buckets (see the package doc).
var (
	bucketAccounts       = []byte("accounts")
	bucketAccountEmails  = []byte("account_emails")
	bucketPlatformAdmins = []byte("platform_admins")
	bucketRequests       = []byte("requests") // until migration 2
	bucketSessions       = []byte("sessions")
	bucketRefreshTokens  = []byte("refresh_tokens")
	bucketSessionTokens  = []byte("session_tokens")
	bucketAgencies       = []byte("agencies")
	bucketRoleBindings   = []byte("role_bindings")
	bucketMemberRoles    = []byte("member_roles")
	bucketPartners       = []byte("partners")
	bucketAPIKeys        = []byte("api_keys")
	bucketAudit          = []byte("audit")
	bucketSigningKeys    = []byte("signing_keys")
)

// Buckets of idempotent.Log, since migration 2.
var (
	bucketRequestLog       = []byte("request_log")
	bucketRequestLogByTime = []byte("request_log_by_time")
)

// Buckets nested in bucketRequests, one per kind of idempotent create,
// until migration 2.
var (
	requestsAccounts     = []byte("accounts")
	requestsAgencies     = []byte("agencies")
	requestsRoleBindings = []byte("role_bindings")
	requestsPartners     = []byte("partners")
)

// migrations is the schema history. Released migrations never change; a
// new layout is a new migration appended here.
func migrations() []boltdb.Migration {
	return []boltdb.Migration{
		{Version: 1, Name: "create identity buckets", Up: createBuckets},
		{Version: 2, Name: "request ids hashed with their caller and kept a day", Up: hashRequestIDs},
	}
}

// hashRequestIDs replaces the request ids kept as sent, for good, by an
// idempotent.Log: hashed with the caller, fingerprinted and purged after
// identity.RetryLifetime. The old records go: a retry in flight across the
// upgrade creates anew, or meets the first create's ALREADY_EXISTS.
func hashRequestIDs(tx *bbolt.Tx) error {
	if tx.Bucket(bucketRequests) != nil {
		if err := tx.DeleteBucket(bucketRequests); err != nil {
			return err
		}
	}
	return boltdb.CreateBuckets(tx, bucketRequestLog, bucketRequestLogByTime)
}

func createBuckets(tx *bbolt.Tx) error {
	if err := boltdb.CreateBuckets(tx,
		bucketAccounts, bucketAccountEmails, bucketPlatformAdmins, bucketRequests,
		bucketSessions, bucketRefreshTokens, bucketSessionTokens,
		bucketAgencies, bucketRoleBindings, bucketMemberRoles,
		bucketPartners, bucketAPIKeys, bucketAudit, bucketSigningKeys,
	); err != nil {
		return err
	}
	requests := tx.Bucket(bucketRequests)
	for _, name := range [][]byte{requestsAccounts, requestsAgencies, requestsRoleBindings, requestsPartners} {
		if _, err := requests.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return nil
}
