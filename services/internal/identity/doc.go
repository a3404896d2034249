// Package identity is the platform service that knows who people and
// partners are: accounts and their passwords and second factors, sign-in
// sessions and the tokens they issue, agencies (the tenants), role
// bindings, partner API keys, the token-signing keys, and the hash-chained
// audit log every service appends to (PRODUCT.md §2 and §3.1).
//
// The package holds the gRPC handlers of six services of the contract
// (AccountService, SessionService, AgencyService, PartnerService,
// AuditService, CredentialService), the domain rules behind them, and the
// Store interface its data lives behind. boltstore implements Store on
// bbolt; storetest is the suite every implementation must pass.
//
// # Security decisions
//
//   - Passwords are hashed with argon2id (OWASP parameters: 19 MiB, two
//     passes, one lane) with a fresh salt per hash, stored as a PHC string
//     that carries its parameters, so they can be raised later: a hash made
//     with older parameters is replaced at the next successful sign-in.
//     NIST SP 800-63B rules apply: 8 to 128 characters, no composition
//     rules, and no password from the embedded list of common passwords or
//     made of a context word (the email's local part, the display name,
//     "engage") with only digits and symbols around it.
//   - Sign-in failures are counted per account and survive restarts: after
//     five consecutive failures the account is locked for 15 minutes, each
//     further lock doubles (at most 24 hours), and a successful sign-in
//     resets both. An unknown email costs the same argon2 work as a wrong
//     password and gets the same answer.
//   - Staff roles require a second factor. An access token carries the
//     account's agency roles and platform administration only when its
//     session was signed in with a TOTP code (RFC 6238: SHA-1, six digits,
//     30 s steps, one step of clock skew). A code's time step is remembered
//     so the same code cannot be used twice. TOTP secrets are stored only in
//     identity's own bbolt file, which is created with mode 0600.
//   - Access tokens live AccessTTL (10 minutes by default, 15 at most).
//     Refresh tokens are 32 random bytes, stored only as SHA-256 hashes, used
//     once: every refresh returns a new one. A refresh token expires
//     RefreshTTL (7 days) after it was issued, and never later than
//     SessionTTL (30 days) after sign-in, after which the person signs in
//     again. Presenting a refresh token that was already spent revokes the
//     whole session, because one of the two holders must be a thief.
//   - A caller who may not see a resource gets NOT_FOUND.
package identity
