package identity

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/idempotent"
	"github.com/engagehq/engage/services/internal/ids"
	"github.com/engagehq/engage/services/internal/resname"
)

// meName is the alias of the caller's own account.
const meName = "accounts/me"

// CreateAccount signs up a resident. A retry with the same request_id,
// email and password returns the account created the first time; the same
// request_id with another email or password is refused naming request_id,
// so that a request id read in a log tells nothing of the account.
func (s *accounts) CreateAccount(ctx context.Context, req *identityv1.CreateAccountRequest) (*identityv1.Account, error) {
	in := req.GetAccount()
	if in == nil {
		return nil, errs.Field("account", "is required")
	}
	email, name, err := checkProfile("account", in.GetEmail(), in.GetDisplayName())
	if err != nil {
		return nil, err
	}
	if err := s.policy.check("account.password", in.GetPassword(), email, name); err != nil {
		return nil, err
	}
	hash, err := s.hasher.hash(ctx, in.GetPassword())
	if err != nil {
		return nil, fmt.Errorf("create account: %w", err)
	}
	a := Account{ID: ids.New(), Email: email, DisplayName: name, PasswordHash: hash, CreateTime: s.now()}
	// The fingerprint is of the profile as stored, without the password,
	// which a retry proves against the account's hash instead: a hash of
	// it here would be one an attacker could test guesses against.
	retry := idempotent.Of(auth.FromContext(ctx).Name, req.GetRequestId(), &identityv1.CreateAccountRequest{
		Account: &identityv1.Account{Email: EmailKey(email), DisplayName: name},
	}, s.now())
	got, err := s.store.CreateAccount(ctx, a, retry)
	if err != nil {
		if errors.Is(err, errs.AlreadyExists) {
			return nil, errs.Public(errs.AlreadyExists, "an account with this email already exists")
		}
		return nil, fmt.Errorf("create account: %w", err)
	}
	if got.ID != a.ID {
		// A retry: the first request's account, if it was for this
		// password too.
		ok, _, err := s.hasher.verify(ctx, in.GetPassword(), got.PasswordHash)
		if err != nil {
			return nil, fmt.Errorf("create account: %w", err)
		}
		if !ok {
			return nil, errReusedForAccount
		}
	} else {
		s.log.InfoContext(ctx, "account created", "account", got.ID)
	}
	return s.accountProto(ctx, got)
}

// errReusedForAccount refuses a sign-up whose request id an earlier one with
// another email or password used.
var errReusedForAccount = errs.Field("request_id", "was already used for a different account")

// checkProfile validates and normalizes an email and a display name; the
// proto rules check them too, but the handler must not depend on that.
func checkProfile(prefix, email, displayName string) (string, string, error) {
	email = strings.TrimSpace(email)
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(domain, "@ ") || len(email) > 254 {
		return "", "", errs.Field(prefix+".email", "must be an email address")
	}
	displayName = strings.TrimSpace(displayName)
	if n := utf8.RuneCountInString(displayName); n < 1 || n > 80 {
		return "", "", errs.Field(prefix+".display_name", "must be 1 to 80 characters")
	}
	return email, displayName, nil
}

// accountProto renders an account with its current role bindings.
func (s *Service) accountProto(ctx context.Context, a Account) (*identityv1.Account, error) {
	roles, err := s.store.MemberRoles(ctx, accountName(a.ID))
	if err != nil {
		return nil, fmt.Errorf("roles of account %s: %w", a.ID, err)
	}
	return accountToProto(a, roles), nil
}

// GetAccount returns the caller's own account, or any account to platform
// administrators; everyone else gets NOT_FOUND.
func (s *accounts) GetAccount(ctx context.Context, req *identityv1.GetAccountRequest) (*identityv1.Account, error) {
	id, err := s.visibleAccount(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	a, err := s.store.Account(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get account: %w", err)
	}
	return s.accountProto(ctx, a)
}

// visibleAccount resolves `accounts/me` and checks that the caller may see
// the named account.
func (s *accounts) visibleAccount(ctx context.Context, name string) (string, error) {
	p := auth.FromContext(ctx)
	if name == meName {
		if p.Kind != auth.Account {
			return "", fmt.Errorf("account %s: %w", name, errs.NotFound)
		}
		return p.AccountID(), nil
	}
	parts, err := resname.Split("name", name, "accounts/{account}")
	if err != nil {
		return "", err
	}
	if parts[0] != p.AccountID() && !isPlatformAdmin(p) {
		return "", fmt.Errorf("account %s: %w", name, errs.NotFound)
	}
	return parts[0], nil
}

// emailFilter is the one filter ListAccounts understands:
// `email = "someone@example.org"`.
var emailFilter = regexp.MustCompile(`^\s*email\s*=\s*("(?:[^"\\]|\\.)*")\s*$`)

// ListAccounts lists accounts for platform administrators, optionally
// filtered to one email.
func (s *accounts) ListAccounts(ctx context.Context, req *identityv1.ListAccountsRequest) (*identityv1.ListAccountsResponse, error) {
	if !isPlatformAdmin(auth.FromContext(ctx)) {
		return nil, errs.Public(errs.PermissionDenied, "only platform administrators may list accounts")
	}
	const scope = "accounts"
	after, n, err := readPage(scope, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	var list []Account
	var next string
	if f := strings.TrimSpace(req.GetFilter()); f != "" {
		m := emailFilter.FindStringSubmatch(f)
		if m == nil {
			return nil, errs.Field("filter", `only email = "…" is supported`)
		}
		email, err := strconv.Unquote(m[1])
		if err != nil {
			return nil, errs.Field("filter", "the email is not a valid quoted string")
		}
		a, err := s.store.AccountByEmail(ctx, email)
		switch {
		case errors.Is(err, errs.NotFound):
		case err != nil:
			return nil, fmt.Errorf("list accounts: %w", err)
		default:
			list = []Account{a}
		}
	} else {
		list, err = s.store.ListAccounts(ctx, after, n+1)
		if err != nil {
			return nil, fmt.Errorf("list accounts: %w", err)
		}
		list, next = trimPage(scope, list, n, func(a Account) string { return a.ID })
	}
	resp := &identityv1.ListAccountsResponse{NextPageToken: next}
	for _, a := range list {
		pa, err := s.accountProto(ctx, a)
		if err != nil {
			return nil, err
		}
		resp.Accounts = append(resp.Accounts, pa)
	}
	return resp, nil
}

// callerAccount returns the signed-in caller's account; `accounts/me` is
// the only name accepted.
func (s *accounts) callerAccount(ctx context.Context, name string) (Account, error) {
	if name != meName {
		return Account{}, errs.Field("name", "must be %s", meName)
	}
	p := auth.FromContext(ctx)
	if p.Kind != auth.Account {
		return Account{}, fmt.Errorf("account %s: %w", name, errs.NotFound)
	}
	a, err := s.store.Account(ctx, p.AccountID())
	if err != nil {
		return Account{}, fmt.Errorf("account %s: %w", name, err)
	}
	return a, nil
}

var errTOTPEnabled = errs.WithReason(errs.Public(errs.FailedPrecondition, "a TOTP second factor is already enabled"), "TOTP_ALREADY_ENABLED")

// EnrollTotp gives the caller a new TOTP secret, replacing one that was
// handed out earlier and never verified.
func (s *accounts) EnrollTotp(ctx context.Context, req *identityv1.EnrollTotpRequest) (*identityv1.EnrollTotpResponse, error) {
	a, err := s.callerAccount(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	if a.TOTP.Enabled {
		return nil, errTOTPEnabled
	}
	if err := s.recheckPassword(ctx, a, req.GetPassword()); err != nil {
		return nil, err
	}
	secret, uri, err := newTOTPKey(a.Email)
	if err != nil {
		return nil, err
	}
	_, err = s.store.UpdateAccount(ctx, a.ID, func(acc *Account) error {
		if acc.TOTP.Enabled {
			return errTOTPEnabled
		}
		acc.TOTP.Pending = secret
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("enroll totp: %w", err)
	}
	return &identityv1.EnrollTotpResponse{Secret: secret, OtpauthUri: uri}, nil
}

// VerifyTotp enables the pending TOTP secret when code matches it.
func (s *accounts) VerifyTotp(ctx context.Context, req *identityv1.VerifyTotpRequest) (*identityv1.Account, error) {
	a, err := s.callerAccount(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	if a.TOTP.Enabled {
		return nil, errTOTPEnabled
	}
	pending := a.TOTP.Pending
	if pending == "" {
		return nil, errs.WithReason(errs.Public(errs.FailedPrecondition, "no TOTP enrolment is in progress; call EnrollTotp first"), "TOTP_NOT_ENROLLED")
	}
	step, ok := totpStep(pending, req.GetCode(), s.now())
	if !ok {
		return nil, errs.Field("code", "does not match; check the authenticator app and its clock")
	}
	a, err = s.store.UpdateAccount(ctx, a.ID, func(acc *Account) error {
		if acc.TOTP.Enabled {
			return errTOTPEnabled
		}
		if acc.TOTP.Pending != pending {
			return errs.Public(errs.Aborted, "the TOTP enrolment changed meanwhile; enroll again")
		}
		acc.TOTP = TOTP{Enabled: true, Secret: pending, LastStep: step}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("verify totp: %w", err)
	}
	s.log.InfoContext(ctx, "totp enabled", "account", a.ID)
	return s.accountProto(ctx, a)
}
