package identity

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/ids"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Sign-in throttling (see the package doc).
const (
	maxFailures = 5
	firstLock   = 15 * time.Minute
	maxLock     = 24 * time.Hour
)

var (
	// errBadCredentials is the one answer to an unknown email, a wrong
	// password and a wrong or replayed code, so none can be told apart.
	errBadCredentials = errs.Public(errs.Unauthenticated, "the email, password or code is not correct")
	errTOTPRequired   = errs.WithReason(errs.Public(errs.Unauthenticated, "a TOTP code is required"), "TOTP_REQUIRED")
	errBadRefresh     = errs.Public(errs.Unauthenticated, "the refresh token is not valid; sign in again")
	errRefreshReused  = errs.WithReason(errs.Public(errs.Unauthenticated, "the refresh token was already used; the session is revoked, sign in again"), "REFRESH_TOKEN_REUSED")
	// errNoChange tells a Store update that there is nothing to write.
	errNoChange = errors.New("no change")
)

// lockDuration is the length of the level-th lock: 15 minutes, doubling
// with each further lock, at most 24 hours.
func lockDuration(level int) time.Duration {
	d := firstLock
	for i := 1; i < level && d < maxLock; i++ {
		d *= 2
	}
	return min(d, maxLock)
}

// fail counts a failed password check at now and reports whether it
// locked the account.
func (l *Lockout) fail(now time.Time) (locked bool) {
	l.Failures++
	if l.Failures < maxFailures {
		return false
	}
	l.Level++
	l.Failures = 0
	l.Until = now.Add(lockDuration(l.Level))
	return true
}

// recheckPassword confirms the password of a signed-in caller before a
// sensitive change. A wrong one counts towards the sign-in lockout, so a
// stolen access token cannot be used to guess it.
func (s *Service) recheckPassword(ctx context.Context, a Account, password string) error {
	now := s.now()
	if now.Before(a.Lockout.Until) {
		return lockedError(a.Lockout.Until, now)
	}
	ok, _, err := s.hasher.verify(ctx, password, a.PasswordHash)
	if err != nil {
		return fmt.Errorf("check password of %s: %w", a.ID, err)
	}
	if ok {
		return nil
	}
	if _, err := s.store.UpdateAccount(ctx, a.ID, func(acc *Account) error {
		acc.Lockout.fail(now)
		return nil
	}); err != nil {
		return fmt.Errorf("count failed password check: %w", err)
	}
	return errs.WithReason(errs.Public(errs.Unauthenticated, "the password does not match"), "PASSWORD_MISMATCH")
}

func lockedError(until, now time.Time) error {
	return errs.Throttled(until.Sub(now), "too many failed sign-ins; the account is locked for a while")
}

// CreateSession signs in with email, password and, once enrolled, a TOTP
// code.
func (s *sessions) CreateSession(ctx context.Context, req *identityv1.CreateSessionRequest) (*identityv1.Session, error) {
	password, code := req.GetPassword(), req.GetTotpCode()
	if password == "" {
		return nil, errs.Field("password", "is required")
	}
	a, err := s.store.AccountByEmail(ctx, req.GetEmail())
	if errors.Is(err, errs.NotFound) {
		// Spend what a real verification costs, so timing does not tell
		// which emails have accounts.
		if err := s.hasher.burn(ctx, password); err != nil {
			return nil, fmt.Errorf("sign in: %w", err)
		}
		return nil, errBadCredentials
	}
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	now := s.now()
	if now.Before(a.Lockout.Until) {
		return nil, lockedError(a.Lockout.Until, now)
	}
	ok, stale, err := s.hasher.verify(ctx, password, a.PasswordHash)
	if err != nil {
		return nil, fmt.Errorf("sign in %s: %w", a.ID, err)
	}
	var mfa bool
	var step int64
	if ok && a.TOTP.Enabled {
		if code == "" {
			return nil, errTOTPRequired
		}
		step, ok = totpStep(a.TOTP.Secret, code, now)
		mfa = ok
	}
	var rehash string
	if ok && stale {
		// The hash predates the current parameters: replace it while the
		// password is at hand.
		if rehash, err = s.hasher.hash(ctx, password); err != nil {
			s.log.WarnContext(ctx, "password rehash failed", "account", a.ID, "error", err)
			rehash = ""
		}
	}

	var failed, locked bool
	a, err = s.store.UpdateAccount(ctx, a.ID, func(acc *Account) error {
		failed, locked = false, false
		if now.Before(acc.Lockout.Until) {
			return lockedError(acc.Lockout.Until, now)
		}
		if !ok || (mfa && step <= acc.TOTP.LastStep) {
			failed = true
			locked = acc.Lockout.fail(now)
			return nil
		}
		acc.Lockout = Lockout{}
		if mfa {
			acc.TOTP.LastStep = step
		}
		if rehash != "" {
			acc.PasswordHash = rehash
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	if failed {
		if locked {
			s.log.WarnContext(ctx, "account locked after failed sign-ins", "account", a.ID, "until", a.Lockout.Until, "level", a.Lockout.Level)
		}
		return nil, errBadCredentials
	}
	return s.startSession(ctx, a, mfa, now)
}

// startSession stores a new session for a and returns its first tokens.
func (s *Service) startSession(ctx context.Context, a Account, mfa bool, now time.Time) (*identityv1.Session, error) {
	refresh, hash, err := newRefreshToken()
	if err != nil {
		return nil, err
	}
	sess := Session{
		ID:                ids.New(),
		AccountID:         a.ID,
		MFA:               mfa,
		RefreshHash:       hash,
		RefreshExpireTime: s.refreshExpiry(now, now),
		CreateTime:        now,
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, fmt.Errorf("create session: %w", err)
	}
	s.log.InfoContext(ctx, "signed in", "account", a.ID, "session", sess.ID, "mfa", mfa)
	return s.sessionProto(ctx, a, sess, refresh)
}

// refreshExpiry is when a refresh token issued now expires: RefreshTTL
// from now, but never after the session's SessionTTL.
func (s *Service) refreshExpiry(created, now time.Time) time.Time {
	return minTime(now.Add(s.refreshTTL), created.Add(s.sessionTTL))
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// sessionProto issues an access token for sess with the account's current
// role bindings. Staff roles require a second factor: without MFA the
// token carries neither agency roles nor platform administration.
func (s *Service) sessionProto(ctx context.Context, a Account, sess Session, refresh string) (*identityv1.Session, error) {
	roles, err := s.store.MemberRoles(ctx, accountName(a.ID))
	if err != nil {
		return nil, fmt.Errorf("roles of account %s: %w", a.ID, err)
	}
	claims := auth.TokenClaims{
		Account:           a.ID,
		SessionID:         sess.ID,
		MFA:               sess.MFA,
		DisplayName:       a.DisplayName,
		AccountCreateTime: a.CreateTime,
	}
	if sess.MFA {
		claims.PlatformAdmin = a.PlatformAdmin
		claims.Roles = roles
	}
	token, expires, err := s.issuer.Issue(claims)
	if err != nil {
		return nil, fmt.Errorf("issue access token: %w", err)
	}
	return &identityv1.Session{
		AccessToken:            token,
		AccessTokenExpireTime:  timestamppb.New(expires),
		RefreshToken:           refresh,
		RefreshTokenExpireTime: timestamppb.New(sess.RefreshExpireTime),
		Account:                accountToProto(a, roles),
	}, nil
}

// newRefreshToken returns 32 random bytes in base64url and the SHA-256 that
// is stored instead.
func newRefreshToken() (string, []byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("refresh token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	return token, hashRefresh(token), nil
}

func hashRefresh(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// RefreshSession rotates the refresh token and issues an access token with
// the account's current roles. A spent token revokes the session.
func (s *sessions) RefreshSession(ctx context.Context, req *identityv1.RefreshSessionRequest) (*identityv1.Session, error) {
	if req.GetRefreshToken() == "" {
		return nil, errs.Field("refresh_token", "is required")
	}
	hash := hashRefresh(req.GetRefreshToken())
	next, nextHash, err := newRefreshToken()
	if err != nil {
		return nil, err
	}
	now := s.now()
	var reused bool
	sess, err := s.store.UpdateSessionByRefresh(ctx, hash, func(se *Session) error {
		reused = false
		switch {
		case se.Revoked || !now.Before(se.RefreshExpireTime):
			return errBadRefresh
		case !bytes.Equal(se.RefreshHash, hash):
			// The token was spent before: whoever holds the current one
			// may be a thief. End the session for both.
			reused = true
			se.Revoked, se.RevokeTime = true, now
			return nil
		}
		se.RefreshHash = nextHash
		se.RefreshExpireTime = s.refreshExpiry(se.CreateTime, now)
		return nil
	})
	switch {
	case errors.Is(err, errs.NotFound):
		return nil, errBadRefresh
	case err != nil:
		return nil, fmt.Errorf("refresh session: %w", err)
	case reused:
		s.log.WarnContext(ctx, "spent refresh token presented; session revoked", "session", sess.ID, "account", sess.AccountID)
		return nil, errRefreshReused
	}
	a, err := s.store.Account(ctx, sess.AccountID)
	if err != nil {
		return nil, fmt.Errorf("refresh session: %w", err)
	}
	return s.sessionProto(ctx, a, sess, next)
}

// RevokeSession ends the session of a refresh token. Like OAuth token
// revocation (RFC 7009) it succeeds for unknown and already revoked
// tokens: the caller's goal, a token that does not work, is met.
func (s *sessions) RevokeSession(ctx context.Context, req *identityv1.RevokeSessionRequest) (*identityv1.RevokeSessionResponse, error) {
	if req.GetRefreshToken() == "" {
		return nil, errs.Field("refresh_token", "is required")
	}
	now := s.now()
	sess, err := s.store.UpdateSessionByRefresh(ctx, hashRefresh(req.GetRefreshToken()), func(se *Session) error {
		if se.Revoked {
			return errNoChange
		}
		se.Revoked, se.RevokeTime = true, now
		return nil
	})
	switch {
	case errors.Is(err, errs.NotFound), errors.Is(err, errNoChange):
		return &identityv1.RevokeSessionResponse{}, nil
	case err != nil:
		return nil, fmt.Errorf("revoke session: %w", err)
	}
	s.log.InfoContext(ctx, "session revoked", "session", sess.ID, "account", sess.AccountID)
	return &identityv1.RevokeSessionResponse{}, nil
}

// PurgeRequests forgets the request ids of creates older than
// RetryLifetime and returns how many it forgot; the platform calls it
// periodically.
func (s *Service) PurgeRequests(ctx context.Context) (int, error) {
	n, err := s.store.PurgeRequests(ctx, s.now().Add(-RetryLifetime))
	if err != nil {
		return 0, fmt.Errorf("purge request ids: %w", err)
	}
	return n, nil
}

// PurgeSessions deletes sessions whose refresh tokens have expired, with
// their token hashes. Run it now and then (the composition root does, e.g.
// daily); nothing breaks when it does not run, the file only grows.
func (s *Service) PurgeSessions(ctx context.Context) (int, error) {
	n, err := s.store.DeleteExpiredSessions(ctx, s.now())
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", err)
	}
	if n > 0 {
		s.log.InfoContext(ctx, "expired sessions purged", "count", n)
	}
	return n, nil
}
