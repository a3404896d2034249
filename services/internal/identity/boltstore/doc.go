// Package boltstore keeps identity's data in one bbolt file, implementing
// identity.Store.
//
// The file holds secrets: password hashes, TOTP secrets, the private
// token-signing keys, hashes of refresh tokens and API keys. boltdb.Open
// creates it with mode 0600 in a 0700 directory; backups must be protected
// the same way.
//
// Records are JSON (records.go), so that fields can be added without a
// migration. Keys are ids, or composite keys whose parts are separated by
// a 0x00 byte, which no id or resource name contains. The bucket tree:
//
//	accounts/            {account id} → account
//	account_emails/      {identity.EmailKey(email)} → account id
//	platform_admins/     {account id} → ""
//	request_log/         {SHA-256 of caller␀request id} → idempotent record:
//	                     fingerprint, time, {agency id or ""}␀{created id}
//	request_log_by_time/ {time}␀{SHA-256} → "" (for the purge, after a day)
//	sessions/            {session id} → session
//	refresh_tokens/      {SHA-256 of a refresh token} → session id
//	                     (every token a session ever had, for reuse detection)
//	session_tokens/      {session id}␀{SHA-256} → "" (to delete them with it)
//	agencies/            {agency id} → agency
//	role_bindings/
//	  {agency id}/       {binding id} → role binding
//	member_roles/        {member}␀{agency id}␀{binding id} → role (4 bytes)
//	partners/
//	  {agency id}/       {partner id} → partner (with the API key's hash)
//	api_keys/            {key id} → {agency id}␀{partner id}
//	audit/
//	  {agency id | "-"}/ {sequence, 8 bytes big-endian} → audit event
//	signing_keys/        {sequence, 8 bytes big-endian} → signing key
//
// Ids made by ids.New are UUIDv7, so buckets keyed by them list in creation
// order. The schema version lives in boltdb's own "_meta" bucket; the
// migrations are in buckets.go.
package boltstore
