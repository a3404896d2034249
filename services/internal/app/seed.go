package app

import (
	"context"
	"fmt"
	"slices"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/engagehq/engage/services/internal/config"
	"github.com/engagehq/engage/services/internal/feedback"
	"github.com/engagehq/engage/services/internal/grpcserver"
	"github.com/engagehq/engage/services/internal/training"
	"github.com/pquerna/otp/totp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// The demo seed builds a small living agency through the public gRPC API,
// exactly as an administrator would: nothing is written behind the
// services' backs, every step passes validation and lands in the audit log.
// (The exceptions are back-dated: a training assignment, to show an overdue
// one, see trainingSeeder; and past weeks' survey answers, so that the
// public, which sees a period once it has ended, sees a Trust Index, see
// trustHistory.) Demo credentials are printed once;
// they are for trying Engage out on a laptop, never for a real deployment.

const (
	demoModerator = "moderator@springfield.example"
	demoAnalyst   = "analyst@springfield.example"
	demoResident  = "resident@springfield.example"
	demoNeighbor  = "neighbor@springfield.example"
	demoAgency    = "springfield-pd"
	demoTimeZone  = "America/Chicago"
	demoTrainer   = "trainer@springfield.example"
	demoOfficer   = "officer@springfield.example"
	demoPassword  = "springfield demo 2026"
)

type demoPerson struct {
	email, displayName string
	roles              []accessv1.Role
	// totpSecret is set for staff, whose roles need a second factor.
	totpSecret string
}

type demoInfo struct {
	agency     string
	people     []demoPerson
	partner    string
	partnerKey string
	// dispatch is the partner that reports contacts for post-contact
	// surveys, as a CAD system would.
	dispatch, dispatchKey string
	adminTOTP             string
	feedback              demoFeedback
}

// seeder calls the platform as one signed-in person.
type seeder struct {
	conn     *grpc.ClientConn
	accounts identityv1.AccountServiceClient
	sessions identityv1.SessionServiceClient
	agencies identityv1.AgencyServiceClient
	partners identityv1.PartnerServiceClient
}

// seedDemo seeds the demo agency through the gRPC server at addr;
// trainingStore and feedbackStore are the training and feedback services'
// stores of this process.
func seedDemo(ctx context.Context, addr string, cfg config.Config, adminPassword string, trainingStore training.Store, feedbackStore feedback.Store) (*demoInfo, error) {
	if adminPassword == "" {
		adminPassword = cfg.AdminPassword
	}
	conn, err := grpcserver.Dial(addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	s := &seeder{
		conn:     conn,
		accounts: identityv1.NewAccountServiceClient(conn),
		sessions: identityv1.NewSessionServiceClient(conn),
		agencies: identityv1.NewAgencyServiceClient(conn),
		partners: identityv1.NewPartnerServiceClient(conn),
	}
	info := &demoInfo{agency: "agencies/" + demoAgency}

	// The administrator enrolls a second factor: platform administration,
	// like every staff role, needs one.
	adminTOTP, err := s.enroll(ctx, cfg.AdminEmail, adminPassword)
	if err != nil {
		return nil, fmt.Errorf("administrator: %w", err)
	}
	admin, err := s.signInWithCode(ctx, cfg.AdminEmail, adminPassword, adminTOTP)
	if err != nil {
		return nil, fmt.Errorf("administrator: %w", err)
	}
	info.adminTOTP = adminTOTP

	_, err = s.agencies.CreateAgency(admin, &identityv1.CreateAgencyRequest{
		AgencyId: demoAgency,
		Agency: &identityv1.Agency{
			DisplayName: "Springfield Police Department",
			Description: "A demo agency: forums, feedback, training and alerts for the fictional city of Springfield.",
			WebsiteUri:  "https://police.springfield.example",
			TimeZone:    demoTimeZone,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("create agency: %w", err)
	}

	people := []demoPerson{
		{email: "chief@springfield.example", displayName: "Chief Dana Whitaker", roles: []accessv1.Role{accessv1.Role_ROLE_AGENCY_ADMIN}},
		{email: demoModerator, displayName: "Sgt. Luis Ortega", roles: []accessv1.Role{accessv1.Role_ROLE_MODERATOR}},
		{email: demoAnalyst, displayName: "Priya Raman", roles: []accessv1.Role{accessv1.Role_ROLE_ANALYST}},
		{email: demoTrainer, displayName: "Lt. Grace Kim", roles: []accessv1.Role{accessv1.Role_ROLE_TRAINER}},
		{email: demoAlertAuthor, displayName: "Omar Haddad", roles: []accessv1.Role{accessv1.Role_ROLE_ALERT_AUTHOR}},
		{email: demoAlertApprover, displayName: "Capt. Renee Duval", roles: []accessv1.Role{accessv1.Role_ROLE_ALERT_APPROVER}},
		{email: demoOfficer, displayName: "Ofc. Sam Patel", roles: []accessv1.Role{accessv1.Role_ROLE_OFFICER}},
		{email: demoResident, displayName: "Alex Resident"},
		{email: demoNeighbor, displayName: "Jordan Neighbor"},
	}
	for i := range people {
		p := &people[i]
		acct, err := s.accounts.CreateAccount(ctx, &identityv1.CreateAccountRequest{Account: &identityv1.Account{
			Email: p.email, DisplayName: p.displayName, Password: proto.String(demoPassword),
		}})
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", p.email, err)
		}
		if len(p.roles) == 0 {
			continue
		}
		if p.totpSecret, err = s.enroll(ctx, p.email, demoPassword); err != nil {
			return nil, fmt.Errorf("%s: %w", p.email, err)
		}
		for _, r := range p.roles {
			if _, err := s.agencies.CreateRoleBinding(admin, &identityv1.CreateRoleBindingRequest{
				Parent:      info.agency,
				RoleBinding: &identityv1.RoleBinding{Member: acct.GetName(), Role: r},
			}); err != nil {
				return nil, fmt.Errorf("bind %s to %s: %w", r, p.email, err)
			}
		}
	}
	info.people = people

	partner, err := s.partners.CreatePartner(admin, &identityv1.CreatePartnerRequest{
		Parent: info.agency,
		Partner: &identityv1.Partner{
			DisplayName: "Springfield Unified School District",
			Roles:       []accessv1.Role{accessv1.Role_ROLE_ALERT_AUTHOR},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("create partner: %w", err)
	}
	info.partner, info.partnerKey = partner.GetName(), partner.GetApiKey()
	dispatch, err := s.partners.CreatePartner(admin, &identityv1.CreatePartnerRequest{
		Parent: info.agency,
		Partner: &identityv1.Partner{
			DisplayName: "Springfield Emergency Communications (CAD)",
			Roles:       []accessv1.Role{accessv1.Role_ROLE_CONTACT_REPORTER},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("create partner: %w", err)
	}
	info.dispatch, info.dispatchKey = dispatch.GetName(), dispatch.GetApiKey()

	// The moderator, the analyst, the trainer, the officer and the alert
	// author and approver sign in with a second factor (their codes of this 30-second step are then spent;
	// the chief's, used in the README's walk-through, is not).
	staff := func(email string) (context.Context, error) {
		p := people[slices.IndexFunc(people, func(p demoPerson) bool { return p.email == email })]
		as, err := s.signInWithCode(ctx, p.email, demoPassword, p.totpSecret)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", email, err)
		}
		return as, nil
	}
	moderator, err := staff(demoModerator)
	if err != nil {
		return nil, err
	}
	analyst, err := staff(demoAnalyst)
	if err != nil {
		return nil, err
	}
	resident, err := s.residentSignIn(ctx, demoResident)
	if err != nil {
		return nil, err
	}
	neighbor, err := s.residentSignIn(ctx, demoNeighbor)
	if err != nil {
		return nil, err
	}
	if err := newForumSeeder(conn, info.agency).seed(moderator, resident, neighbor); err != nil {
		return nil, fmt.Errorf("forum: %w", err)
	}
	loc, err := time.LoadLocation(demoTimeZone)
	if err != nil {
		return nil, err
	}
	dispatchCtx := metadata.AppendToOutgoingContext(ctx, "x-api-key", info.dispatchKey)
	info.feedback, err = newFeedbackSeeder(conn, feedbackStore, info.agency, loc, cfg.MinCellSize).seed(ctx, resident, neighbor, analyst, dispatchCtx)
	if err != nil {
		return nil, fmt.Errorf("feedback: %w", err)
	}
	// Training comes after feedback: its recommendations follow from the
	// complaints just submitted.
	trainer, err := staff(demoTrainer)
	if err != nil {
		return nil, err
	}
	officer, err := staff(demoOfficer)
	if err != nil {
		return nil, err
	}
	if err := newTrainingSeeder(conn, trainingStore, info.agency, loc).seed(ctx, trainer, officer); err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	// Alerts come after the forum: one alert's Q&A thread opens in the
	// downtown forum.
	alertAuthor, err := staff(demoAlertAuthor)
	if err != nil {
		return nil, err
	}
	alertApprover, err := staff(demoAlertApprover)
	if err != nil {
		return nil, err
	}
	if err := newAlertsSeeder(conn, info.agency).seed(alertAuthor, alertApprover); err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	return info, nil
}

// enroll signs in with a password, enrolls TOTP, verifies it and signs
// out, returning the secret. It verifies with the previous time step's code
// (within the accepted clock skew) so that the account's last used step is
// already past: the code `engage totp` or an authenticator app shows right
// now is then accepted at the first sign-in. Verifying with the current or
// a later step would refuse that code for up to a minute after the seed,
// and count every refusal towards the sign-in lockout.
func (s *seeder) enroll(ctx context.Context, email, password string) (string, error) {
	first, err := s.sessions.CreateSession(ctx, &identityv1.CreateSessionRequest{Email: email, Password: password})
	if err != nil {
		return "", fmt.Errorf("sign in: %w", err)
	}
	as := bearer(ctx, first.GetAccessToken())
	enr, err := s.accounts.EnrollTotp(as, &identityv1.EnrollTotpRequest{Name: "accounts/me", Password: password})
	if err != nil {
		return "", fmt.Errorf("enroll totp: %w", err)
	}
	for attempt := 1; ; attempt++ {
		code, err := totp.GenerateCode(enr.GetSecret(), time.Now().Add(-totpPeriod))
		if err != nil {
			return "", err
		}
		_, err = s.accounts.VerifyTotp(as, &identityv1.VerifyTotpRequest{Name: "accounts/me", Code: code})
		if err == nil {
			break
		}
		// A step boundary passed between making the code and checking it,
		// which puts the code two steps behind: once more with a fresh one.
		if attempt == 1 && status.Code(err) == codes.InvalidArgument {
			continue
		}
		return "", fmt.Errorf("verify totp: %w", err)
	}
	if _, err := s.sessions.RevokeSession(ctx, &identityv1.RevokeSessionRequest{RefreshToken: first.GetRefreshToken()}); err != nil {
		return "", fmt.Errorf("sign out: %w", err)
	}
	return enr.GetSecret(), nil
}

// signInWithCode signs in with a password and the current step's code and
// returns a context that calls with the second-factor session. The
// account's own code is accepted again from the next step on.
func (s *seeder) signInWithCode(ctx context.Context, email, password, secret string) (context.Context, error) {
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		return nil, err
	}
	sess, err := s.sessions.CreateSession(ctx, &identityv1.CreateSessionRequest{Email: email, Password: password, TotpCode: code})
	if err != nil {
		return nil, fmt.Errorf("sign in with totp: %w", err)
	}
	return bearer(ctx, sess.GetAccessToken()), nil
}

// totpPeriod is the RFC 6238 time step every authenticator app uses.
const totpPeriod = 30 * time.Second

func bearer(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}
