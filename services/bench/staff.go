package main

import (
	"context"
	"fmt"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/pquerna/otp/totp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// Staff roles need a second factor: the platform administrator and every
// staff member enroll a TOTP secret and sign in with a code, as people do
// with an authenticator app.

const (
	// staffMembers is how many staff accounts write the forum suite's posts.
	staffMembers  = 8
	staffPassword = "bench staff passphrase"
	// totpPeriod is the RFC 6238 time step of every Engage TOTP code.
	totpPeriod = 30 * time.Second
)

// identityClient signs people in over gRPC.
type identityClient struct {
	accounts identityv1.AccountServiceClient
	sessions identityv1.SessionServiceClient
	agencies identityv1.AgencyServiceClient
}

func newIdentityClient(conn *grpc.ClientConn) *identityClient {
	return &identityClient{
		accounts: identityv1.NewAccountServiceClient(conn),
		sessions: identityv1.NewSessionServiceClient(conn),
		agencies: identityv1.NewAgencyServiceClient(conn),
	}
}

// enroll signs in with a password, enrolls TOTP and verifies it with the
// previous time step's code (within the server's clock skew), so that the
// current step's code is accepted at the next sign-in. It returns the
// secret.
func (c *identityClient) enroll(ctx context.Context, email, password string) (string, error) {
	first, err := c.sessions.CreateSession(ctx, &identityv1.CreateSessionRequest{Email: email, Password: password})
	if err != nil {
		return "", fmt.Errorf("sign in %s: %w", email, err)
	}
	as := bearer(ctx, first.GetAccessToken())
	enr, err := c.accounts.EnrollTotp(as, &identityv1.EnrollTotpRequest{Name: "accounts/me", Password: password})
	if err != nil {
		return "", fmt.Errorf("enroll totp for %s: %w", email, err)
	}
	for attempt := 1; ; attempt++ {
		code, err := totp.GenerateCode(enr.GetSecret(), time.Now().Add(-totpPeriod))
		if err != nil {
			return "", err
		}
		_, err = c.accounts.VerifyTotp(as, &identityv1.VerifyTotpRequest{Name: "accounts/me", Code: code})
		if err == nil {
			return enr.GetSecret(), nil
		}
		// A step boundary passed between making the code and checking it,
		// which put the code two steps behind: once more with a fresh one.
		if attempt > 1 || status.Code(err) != codes.InvalidArgument {
			return "", fmt.Errorf("verify totp for %s: %w", email, err)
		}
	}
}

// signInWithCode signs in with a password and the current step's code.
func (c *identityClient) signInWithCode(ctx context.Context, email, password, secret string) (*identityv1.Session, error) {
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		return nil, err
	}
	s, err := c.sessions.CreateSession(ctx, &identityv1.CreateSessionRequest{Email: email, Password: password, TotpCode: code})
	if err != nil {
		return nil, fmt.Errorf("sign in %s with totp: %w", email, err)
	}
	return s, nil
}

// staffTeam is an agency's staff, signed in with a second factor.
type staffTeam struct {
	sessions identityv1.SessionServiceClient
	members  []*identityv1.Session
}

// tokens implements signedIn, refreshing the sessions whose access tokens
// would expire within need (a refresh keeps the second factor; a new
// sign-in would need a new code).
func (t *staffTeam) tokens(ctx context.Context, need time.Duration) ([]string, error) {
	out := make([]string, len(t.members))
	for i, m := range t.members {
		if time.Until(m.GetAccessTokenExpireTime().AsTime()) <= need {
			s, err := t.sessions.RefreshSession(ctx, &identityv1.RefreshSessionRequest{RefreshToken: m.GetRefreshToken()})
			if err != nil {
				return nil, fmt.Errorf("refresh %s's session: %w", m.GetAccount().GetEmail(), err)
			}
			if time.Until(s.GetAccessTokenExpireTime().AsTime()) <= need {
				return nil, fmt.Errorf("refreshed token expires at %s, need one valid for %s", s.GetAccessTokenExpireTime().AsTime(), need)
			}
			t.members[i], m = s, s
		}
		out[i] = m.GetAccessToken()
	}
	return out, nil
}

// setUpAgency creates agency id as the platform administrator and
// staffMembers staff accounts in it, the first an agency administrator and
// the others officers, each signed in with a TOTP code.
func setUpAgency(ctx context.Context, conn *grpc.ClientConn, id string) (*staffTeam, error) {
	c := newIdentityClient(conn)
	secret, err := c.enroll(ctx, adminEmail, adminPassword)
	if err != nil {
		return nil, err
	}
	adminSession, err := c.signInWithCode(ctx, adminEmail, adminPassword, secret)
	if err != nil {
		return nil, err
	}
	admin := bearer(ctx, adminSession.GetAccessToken())
	agency, err := c.agencies.CreateAgency(admin, &identityv1.CreateAgencyRequest{
		AgencyId: id,
		Agency: &identityv1.Agency{
			DisplayName: "Bench Police Department",
			Description: "The agency the benchmark writes to.",
			TimeZone:    "America/Chicago",
		},
	})
	if err != nil {
		return nil, fmt.Errorf("create agency: %w", err)
	}
	team := &staffTeam{sessions: c.sessions}
	for i := range staffMembers {
		email := fmt.Sprintf("staff-%d@bench.example", i+1)
		acct, err := c.accounts.CreateAccount(ctx, &identityv1.CreateAccountRequest{Account: &identityv1.Account{
			Email: email, DisplayName: fmt.Sprintf("Bench Officer %d", i+1), Password: proto.String(staffPassword),
		}})
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", email, err)
		}
		secret, err := c.enroll(ctx, email, staffPassword)
		if err != nil {
			return nil, err
		}
		role := accessv1.Role_ROLE_OFFICER
		if i == 0 {
			role = accessv1.Role_ROLE_AGENCY_ADMIN
		}
		if _, err := c.agencies.CreateRoleBinding(admin, &identityv1.CreateRoleBindingRequest{
			Parent:      agency.GetName(),
			RoleBinding: &identityv1.RoleBinding{Member: acct.GetName(), Role: role},
		}); err != nil {
			return nil, fmt.Errorf("bind %s to %s: %w", role, email, err)
		}
		s, err := c.signInWithCode(ctx, email, staffPassword, secret)
		if err != nil {
			return nil, err
		}
		team.members = append(team.members, s)
	}
	return team, nil
}

func bearer(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}
