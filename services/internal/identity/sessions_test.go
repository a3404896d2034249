package identity_test

import (
	"context"
	"strings"
	"testing"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// principal verifies an access token the way every service does.
func (e *env) principal(t *testing.T, token string) auth.Principal {
	t.Helper()
	p, err := auth.NewVerifier(e.svc, e.clock.Now).Verify(t.Context(), token)
	if err != nil {
		t.Fatalf("verify access token: %v", err)
	}
	return p
}

// principalOf verifies the access token a context from bearer calls with.
func (e *env) principalOf(t *testing.T, ctx context.Context) auth.Principal {
	t.Helper()
	md, _ := metadata.FromOutgoingContext(ctx)
	token, ok := strings.CutPrefix(strings.Join(md.Get("authorization"), ""), "Bearer ")
	if !ok {
		t.Fatal("the context carries no access token")
	}
	return e.principal(t, token)
}

func TestSessionLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.signUp(t, "resident@example.org")

	s1 := e.signIn(t, u)
	diff(t, "session account", s1.GetAccount(), u.account)
	p := e.principal(t, s1.GetAccessToken())
	if p.Name != u.account.GetName() || p.MFA || p.SessionID == "" {
		t.Fatalf("principal %+v", p)
	}
	now := e.clock.Now()
	if exp := s1.GetAccessTokenExpireTime().AsTime(); !exp.Equal(now.Add(10 * time.Minute)) {
		t.Fatalf("access token expires %s, want 10 minutes after %s", exp, now)
	}
	if exp := s1.GetRefreshTokenExpireTime().AsTime(); !exp.Equal(now.Add(7 * 24 * time.Hour)) {
		t.Fatalf("refresh token expires %s, want 7 days after %s", exp, now)
	}

	// Refresh rotates: the new refresh token works once, the old one not.
	e.clock.Advance(time.Minute)
	s2, err := e.sessions.RefreshSession(t.Context(), &identityv1.RefreshSessionRequest{RefreshToken: s1.GetRefreshToken()})
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if s2.GetRefreshToken() == s1.GetRefreshToken() || s2.GetAccessToken() == s1.GetAccessToken() {
		t.Fatal("refresh returned the same tokens")
	}
	if got := e.principal(t, s2.GetAccessToken()).SessionID; got != p.SessionID {
		t.Fatalf("refreshed token is of session %s, want %s", got, p.SessionID)
	}
	s3, err := e.sessions.RefreshSession(t.Context(), &identityv1.RefreshSessionRequest{RefreshToken: s2.GetRefreshToken()})
	if err != nil {
		t.Fatalf("second refresh: %v", err)
	}

	// Presenting a spent token revokes the session: the current token
	// stops working too.
	_, err = e.sessions.RefreshSession(t.Context(), &identityv1.RefreshSessionRequest{RefreshToken: s1.GetRefreshToken()})
	wantCode(t, "reuse", err, codes.Unauthenticated)
	if got := reason(err); got != "REFRESH_TOKEN_REUSED" {
		t.Fatalf("reuse reason %q", got)
	}
	_, err = e.sessions.RefreshSession(t.Context(), &identityv1.RefreshSessionRequest{RefreshToken: s3.GetRefreshToken()})
	wantCode(t, "current token after reuse", err, codes.Unauthenticated)

	// A new session, revoked by its holder.
	s4 := e.signIn(t, u)
	if _, err := e.sessions.RevokeSession(t.Context(), &identityv1.RevokeSessionRequest{RefreshToken: s4.GetRefreshToken()}); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	_, err = e.sessions.RefreshSession(t.Context(), &identityv1.RefreshSessionRequest{RefreshToken: s4.GetRefreshToken()})
	wantCode(t, "refresh after revoke", err, codes.Unauthenticated)
	// Revoking again, or an unknown token, is not an error (RFC 7009).
	for _, tok := range []string{s4.GetRefreshToken(), "unknown-token"} {
		if _, err := e.sessions.RevokeSession(t.Context(), &identityv1.RevokeSessionRequest{RefreshToken: tok}); err != nil {
			t.Fatalf("revoke %q: %v", tok, err)
		}
	}
	_, err = e.sessions.RefreshSession(t.Context(), &identityv1.RefreshSessionRequest{RefreshToken: "unknown-token"})
	wantCode(t, "unknown refresh token", err, codes.Unauthenticated)
}

func TestRefreshExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.signUp(t, "idle@example.org")

	// An unused refresh token expires after 7 days.
	idle := e.signIn(t, u)
	e.clock.Advance(7*24*time.Hour + time.Second)
	_, err := e.sessions.RefreshSession(t.Context(), &identityv1.RefreshSessionRequest{RefreshToken: idle.GetRefreshToken()})
	wantCode(t, "idle session", err, codes.Unauthenticated)

	// A session refreshed every 6 days ends 30 days after sign-in.
	start := e.clock.Now()
	s := e.signIn(t, u)
	for day := 6; day < 30; day += 6 {
		e.clock.Advance(6 * 24 * time.Hour)
		s, err = e.sessions.RefreshSession(t.Context(), &identityv1.RefreshSessionRequest{RefreshToken: s.GetRefreshToken()})
		if err != nil {
			t.Fatalf("refresh on day %d: %v", day, err)
		}
	}
	if exp := s.GetRefreshTokenExpireTime().AsTime(); !exp.Equal(start.Add(30 * 24 * time.Hour)) {
		t.Fatalf("last refresh token expires %s, want 30 days after sign-in", exp)
	}
	e.clock.Advance(6 * 24 * time.Hour)
	_, err = e.sessions.RefreshSession(t.Context(), &identityv1.RefreshSessionRequest{RefreshToken: s.GetRefreshToken()})
	wantCode(t, "session past 30 days", err, codes.Unauthenticated)

	n, err := e.svc.PurgeSessions(t.Context())
	if err != nil || n != 2 {
		t.Fatalf("purge: %d sessions, %v; want 2", n, err)
	}
}

func TestSignInFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.signUp(t, "known@example.org")

	_, unknown := e.sessions.CreateSession(t.Context(), &identityv1.CreateSessionRequest{Email: "unknown@example.org", Password: testPassword})
	_, wrong := e.sessions.CreateSession(t.Context(), &identityv1.CreateSessionRequest{Email: "known@example.org", Password: "wrong password"})
	wantCode(t, "unknown email", unknown, codes.Unauthenticated)
	wantCode(t, "wrong password", wrong, codes.Unauthenticated)
	if status.Convert(unknown).Message() != status.Convert(wrong).Message() {
		t.Fatalf("unknown email and wrong password differ: %q vs %q", status.Convert(unknown).Message(), status.Convert(wrong).Message())
	}
	_, err := e.sessions.CreateSession(t.Context(), &identityv1.CreateSessionRequest{Email: "KNOWN@example.org", Password: testPassword})
	if err != nil {
		t.Fatalf("sign in with the email in another case: %v", err)
	}
}

// retryAfter returns the RetryInfo delay of a throttled call.
func retryAfter(t *testing.T, err error) time.Duration {
	t.Helper()
	for _, d := range status.Convert(err).Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			return ri.GetRetryDelay().AsDuration()
		}
	}
	t.Fatalf("no RetryInfo in %v", err)
	return 0
}

func TestLockout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.signUp(t, "target@example.org")
	fail := func(n int) {
		t.Helper()
		for i := range n {
			_, err := e.sessions.CreateSession(t.Context(), &identityv1.CreateSessionRequest{Email: u.email, Password: "not the password"})
			wantCode(t, "wrong password", err, codes.Unauthenticated)
			_ = i
		}
	}
	correct := &identityv1.CreateSessionRequest{Email: u.email, Password: u.password}

	// Four failures and a success: the count starts over.
	fail(4)
	e.signIn(t, u)
	fail(4)
	e.signIn(t, u)

	// Five in a row lock the account, even against the right password.
	fail(5)
	_, err := e.sessions.CreateSession(t.Context(), correct)
	wantCode(t, "locked", err, codes.ResourceExhausted)
	if d := retryAfter(t, err); d != 15*time.Minute {
		t.Fatalf("first lock: retry after %s, want 15m", d)
	}
	e.clock.Advance(10 * time.Minute)
	_, err = e.sessions.CreateSession(t.Context(), correct)
	wantCode(t, "still locked", err, codes.ResourceExhausted)
	if d := retryAfter(t, err); d != 5*time.Minute {
		t.Fatalf("retry after %s, want the 5m left", d)
	}

	// The next lock doubles; a success resets the doubling.
	e.clock.Advance(5 * time.Minute)
	fail(5)
	_, err = e.sessions.CreateSession(t.Context(), correct)
	if d := retryAfter(t, err); d != 30*time.Minute {
		t.Fatalf("second lock: retry after %s, want 30m", d)
	}
	e.clock.Advance(30 * time.Minute)
	e.signIn(t, u)
	fail(5)
	_, err = e.sessions.CreateSession(t.Context(), correct)
	if d := retryAfter(t, err); d != 15*time.Minute {
		t.Fatalf("lock after a success: retry after %s, want 15m", d)
	}
}

func TestTOTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.signUp(t, "careful@example.org")
	ctx := bearer(t.Context(), e.signIn(t, u).GetAccessToken())

	_, err := e.accounts.VerifyTotp(ctx, &identityv1.VerifyTotpRequest{Name: "accounts/me", Code: "123456"})
	wantCode(t, "verify before enrolling", err, codes.FailedPrecondition)

	// Enrolling asks for the password again: a stolen access token alone
	// cannot bind a second factor, and wrong guesses count to the lockout.
	_, err = e.accounts.EnrollTotp(ctx, &identityv1.EnrollTotpRequest{Name: "accounts/me", Password: "not the password"})
	wantCode(t, "enroll with a wrong password", err, codes.Unauthenticated)

	// A second enrolment replaces the first, unverified secret.
	first, err := e.accounts.EnrollTotp(ctx, &identityv1.EnrollTotpRequest{Name: "accounts/me", Password: u.password})
	if err != nil {
		t.Fatal(err)
	}
	enr, err := e.accounts.EnrollTotp(ctx, &identityv1.EnrollTotpRequest{Name: "accounts/me", Password: u.password})
	if err != nil {
		t.Fatal(err)
	}
	if enr.GetSecret() == first.GetSecret() {
		t.Fatal("the second enrolment returned the same secret")
	}
	if want := "otpauth://totp/Engage:careful@example.org?"; len(enr.GetOtpauthUri()) < len(want) || enr.GetOtpauthUri()[:len(want)] != want {
		t.Fatalf("otpauth uri %q", enr.GetOtpauthUri())
	}
	_, err = e.accounts.VerifyTotp(ctx, &identityv1.VerifyTotpRequest{Name: "accounts/me", Code: e.code(t, first.GetSecret())})
	wantField(t, "code of the replaced secret", err, "code")
	acct, err := e.accounts.VerifyTotp(ctx, &identityv1.VerifyTotpRequest{Name: "accounts/me", Code: e.code(t, enr.GetSecret())})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if !acct.GetTotpEnabled() {
		t.Fatal("totp not enabled after verify")
	}
	_, err = e.accounts.EnrollTotp(ctx, &identityv1.EnrollTotpRequest{Name: "accounts/me", Password: u.password})
	wantCode(t, "enroll when enabled", err, codes.FailedPrecondition)
	u.secret = enr.GetSecret()

	// codeAt returns the code of the step d away from now.
	codeAt := func(d time.Duration) func() string {
		return func() string {
			e.clock.Advance(d)
			defer e.clock.Advance(-d)
			return e.code(t, u.secret)
		}
	}
	tests := []struct {
		name       string
		advance    time.Duration
		code       func() string
		wantCode   codes.Code
		wantReason string
	}{
		{"no code", 0, func() string { return "" }, codes.Unauthenticated, "TOTP_REQUIRED"},
		{"the code used to verify, same step", 0, codeAt(0), codes.Unauthenticated, "UNAUTHENTICATED"},
		{"wrong code", 30 * time.Second, func() string { return wrongCode(e.code(t, u.secret)) }, codes.Unauthenticated, "UNAUTHENTICATED"},
		{"current code", 0, codeAt(0), codes.OK, ""},
		{"the same code again", 0, codeAt(0), codes.Unauthenticated, "UNAUTHENTICATED"},
		{"the next step's code", 30 * time.Second, codeAt(0), codes.OK, ""},
		{"the next step's code early (clock skew)", 30 * time.Second, codeAt(30 * time.Second), codes.OK, ""},
		{"the current code after a later one", 0, codeAt(0), codes.Unauthenticated, "UNAUTHENTICATED"},
		{"a code two steps old", 2 * time.Minute, codeAt(-time.Minute), codes.Unauthenticated, "UNAUTHENTICATED"},
	}
	// Sequential: each case depends on the steps the previous ones used.
	for _, tc := range tests {
		e.clock.Advance(tc.advance)
		s, err := e.sessions.CreateSession(t.Context(), &identityv1.CreateSessionRequest{Email: u.email, Password: u.password, TotpCode: tc.code()})
		wantCode(t, tc.name, err, tc.wantCode)
		if tc.wantReason != "" && reason(err) != tc.wantReason {
			t.Fatalf("%s: reason %q, want %q", tc.name, reason(err), tc.wantReason)
		}
		if err == nil && !e.principal(t, s.GetAccessToken()).MFA {
			t.Fatalf("%s: session without MFA", tc.name)
		}
	}
}

// wrongCode returns a six-digit code that differs from c.
func wrongCode(c string) string {
	b := []byte(c)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

func TestStaffRolesRequireMFA(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.admin(t)
	e.createAgency(t, admin, "metro")
	e.createAgency(t, admin, "county")
	u := e.signUp(t, "officer@example.org")
	mod := e.grant(t, admin, "metro", u.account.GetName(), accessv1.Role_ROLE_MODERATOR)
	e.grant(t, admin, "county", u.account.GetName(), accessv1.Role_ROLE_ANALYST)
	wantRoles := map[string][]accessv1.Role{"metro": {accessv1.Role_ROLE_MODERATOR}, "county": {accessv1.Role_ROLE_ANALYST}}

	// Without a second factor the bindings are listed but not in force.
	s := e.signIn(t, u)
	if p := e.principal(t, s.GetAccessToken()); p.MFA || len(p.Roles) != 0 || p.PlatformAdmin {
		t.Fatalf("password-only token carries %+v", p)
	}
	diff(t, "agency roles of the account", s.GetAccount().GetAgencyRoles(), []*identityv1.AgencyRoles{
		{Agency: "agencies/county", Roles: []accessv1.Role{accessv1.Role_ROLE_ANALYST}},
		{Agency: "agencies/metro", Roles: []accessv1.Role{accessv1.Role_ROLE_MODERATOR}},
	})
	_, err := e.agencies.ListRoleBindings(bearer(t.Context(), s.GetAccessToken()), &identityv1.ListRoleBindingsRequest{Parent: "agencies/metro"})
	wantCode(t, "password-only staff", err, codes.PermissionDenied)

	e.enrollTOTP(t, u)
	s = e.signIn(t, u)
	p := e.principal(t, s.GetAccessToken())
	if !p.MFA {
		t.Fatal("no MFA after signing in with a code")
	}
	diff(t, "MFA token roles", p.Roles, wantRoles)

	// A revoked binding disappears at the next refresh.
	if _, err := e.agencies.DeleteRoleBinding(admin, &identityv1.DeleteRoleBindingRequest{Name: mod.GetName()}); err != nil {
		t.Fatal(err)
	}
	s, err = e.sessions.RefreshSession(t.Context(), &identityv1.RefreshSessionRequest{RefreshToken: s.GetRefreshToken()})
	if err != nil {
		t.Fatal(err)
	}
	p = e.principal(t, s.GetAccessToken())
	diff(t, "roles after revocation", p.Roles, map[string][]accessv1.Role{"county": {accessv1.Role_ROLE_ANALYST}})
	if !p.MFA {
		t.Fatal("refresh lost MFA")
	}

	// The platform administrator's power needs MFA as well.
	created, _, err := e.svc.Bootstrap(t.Context(), "second-root@example.org", "")
	if err != nil || created {
		t.Fatalf("second bootstrap: created %v, %v", created, err)
	}
}

func TestBootstrapPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, _, err := e.svc.Bootstrap(t.Context(), "root@example.org", "password1")
	wantField(t, "weak password", toStatus(err), "admin.password")
	created, generated, err := e.svc.Bootstrap(t.Context(), "root@example.org", "a sturdy admin passphrase")
	if err != nil || !created || generated != "" {
		t.Fatalf("bootstrap with a password: created %v, generated %q, %v", created, generated, err)
	}
	s := e.signIn(t, &user{email: "root@example.org", password: "a sturdy admin passphrase"})
	if !s.GetAccount().GetPlatformAdmin() {
		t.Fatal("bootstrapped account is not a platform administrator")
	}
	if e.principal(t, s.GetAccessToken()).PlatformAdmin {
		t.Fatal("platform administration in force without MFA")
	}
}
