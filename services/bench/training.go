package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"
)

const (
	// trainingTarget is the target: a compliance report for 5,000
	// officers × 20 courses answers within this, at the 99th percentile.
	trainingTarget = 200 * time.Millisecond
	// trainingBaselineOfficers is the officers of the baseline agency the
	// large one's costs are divided by.
	trainingBaselineOfficers = 100
	// trainingMaxOfficers bounds -officers: two roster imports' worth.
	trainingMaxOfficers = 20_000
	// trainingMaxCourses bounds -courses; every officer holds up to this
	// many certifications.
	trainingMaxCourses = 200
	// trainingTokenLife is how long the trainer's token must last for one
	// phase of seeding or one measured path.
	trainingTokenLife = 10 * time.Minute
	// trainingMaxMessage is the largest gRPC answer the client takes: a
	// page of 1,000 officers with all their courses is a few megabytes,
	// above gRPC's 4 MB default when courses are many.
	trainingMaxMessage = 64 << 20
)

// trainingScale is the size of one run of the suite.
type trainingScale struct {
	// officers and baseline are the officers of the large and the
	// baseline agency; courses are each agency's mandatory courses.
	officers, baseline, courses int
	// iterations are the measured reports per path and agency, after
	// warmup unmeasured ones.
	iterations, warmup int
}

// scaleOf is the scale the command line asks for: the baseline is
// trainingBaselineOfficers, or -officers when that is smaller, and the
// warm-up a tenth of the iterations (at least 5).
func scaleOf(o options) trainingScale {
	return trainingScale{
		officers:   o.officers,
		baseline:   min(trainingBaselineOfficers, o.officers),
		courses:    o.courses,
		iterations: o.iterations,
		warmup:     max(5, o.iterations/10),
	}
}

// checkTrainingScale rejects a training scale the seeding cannot build.
func checkTrainingScale(o options) error {
	if o.officers < 1 || o.officers > trainingMaxOfficers {
		return fmt.Errorf("-officers must be 1 to %d", trainingMaxOfficers)
	}
	if o.courses < 1 || o.courses > trainingMaxCourses {
		return fmt.Errorf("-courses must be 1 to %d", trainingMaxCourses)
	}
	if o.iterations < 1 {
		return errors.New("-iterations must be ≥ 1")
	}
	return nil
}

// trainingAgency is one of the two agencies whose reports are compared.
type trainingAgency struct {
	name     string // agencies/{agency}
	label    string // how the report names it: its number of officers
	officers int
	seed     seedStats
}

// runTraining seeds a large and a baseline agency on a fresh Engage and
// measures their compliance reports.
func runTraining(ctx context.Context, r *runner) (err error) {
	dataDir, err := os.MkdirTemp("", "engage-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dataDir)
	engage, _, err := r.startEngage(ctx, dataDir, false)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, engage.stop()) }()
	return benchTraining(ctx, engage.addrs, engage.cpu, scaleOf(r.o), r)
}

// benchTraining is the suite on a running Engage at addrs, whose CPU time
// cpu reads (nil when it cannot be read: the report leaves it out).
func benchTraining(ctx context.Context, a addrs, cpu func(context.Context) (time.Duration, error), sc trainingScale, r *runner) error {
	conn, err := grpc.NewClient(a.GRPC,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(trainingMaxMessage)))
	if err != nil {
		return err
	}
	defer conn.Close()
	agencies := []*trainingAgency{
		{name: "agencies/training-baseline", officers: sc.baseline},
		{name: "agencies/training-large", officers: sc.officers},
	}
	for _, ag := range agencies {
		ag.label = countLabel(ag.officers) + " officers"
	}
	if agencies[0].officers == agencies[1].officers {
		agencies[0].label, agencies[1].label = "baseline", "large"
	}
	trainer, err := setUpTrainingAgencies(ctx, conn, []string{agencies[0].name, agencies[1].name})
	if err != nil {
		return fmt.Errorf("set up the agencies: %w", err)
	}
	signIn := func(ctx context.Context) (string, error) {
		tokens, err := trainer.tokens(ctx, trainingTokenLife)
		if err != nil {
			return "", err
		}
		return tokens[0], nil
	}
	days := seedDaysOf(time.Now())
	for _, ag := range agencies {
		fmt.Fprintf(r.stderr, "bench: seeding %s: %d officers × %d courses\n", ag.name, ag.officers, sc.courses)
		s := &seeder{conn: conn, signIn: signIn, agency: ag.name, officers: ag.officers, courses: sc.courses, days: days, progress: r.stderr}
		if ag.seed, err = s.seed(ctx); err != nil {
			return fmt.Errorf("seed %s: %w", ag.name, err)
		}
	}

	m := &trainingMeasure{conn: conn, http: a.HTTP, cpu: cpu, signIn: signIn, agencies: agencies, sc: sc, asOf: days.asOf, out: r.stdout, progress: r.stderr}
	summaries, err := m.summaries(ctx)
	if err != nil {
		return err
	}
	printHeader(r.stdout, r.o, header{
		title:   "Training compliance report: ReportService/GetTrainingCompliance and ExportTrainingCompliance, large agency vs baseline",
		engage:  a,
		load:    trainingLoad(sc),
		clients: "gRPC: one connection; REST: one http.Client, HTTP/1.1; every call as the trainer (signed in with TOTP, ROLE_TRAINER)",
		notes:   trainingNotes(agencies, summaries, sc, days),
	})
	return m.run(ctx)
}

// setUpTrainingAgencies creates the agencies as the platform
// administrator, signed in with a TOTP code, and one trainer bound to
// ROLE_TRAINER in each, signed in with a TOTP code too, and returns the
// trainer as a team of one.
func setUpTrainingAgencies(ctx context.Context, conn *grpc.ClientConn, agencies []string) (*staffTeam, error) {
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
	for i, name := range agencies {
		if _, err := c.agencies.CreateAgency(admin, &identityv1.CreateAgencyRequest{
			AgencyId: name[len("agencies/"):],
			Agency: &identityv1.Agency{
				DisplayName: fmt.Sprintf("Bench Training Department %d", i+1),
				Description: "An agency whose training records the benchmark reports on.",
				TimeZone:    trainingTimeZone,
			},
		}); err != nil {
			return nil, fmt.Errorf("create %s: %w", name, err)
		}
	}
	const email = "trainer@bench.example"
	acct, err := c.accounts.CreateAccount(ctx, &identityv1.CreateAccountRequest{Account: &identityv1.Account{
		Email: email, DisplayName: "Bench Trainer", Password: proto.String(staffPassword),
	}})
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", email, err)
	}
	secret, err = c.enroll(ctx, email, staffPassword)
	if err != nil {
		return nil, err
	}
	for _, name := range agencies {
		if _, err := c.agencies.CreateRoleBinding(admin, &identityv1.CreateRoleBindingRequest{
			Parent:      name,
			RoleBinding: &identityv1.RoleBinding{Member: acct.GetName(), Role: accessv1.Role_ROLE_TRAINER},
		}); err != nil {
			return nil, fmt.Errorf("bind the trainer in %s: %w", name, err)
		}
	}
	s, err := c.signInWithCode(ctx, email, staffPassword, secret)
	if err != nil {
		return nil, err
	}
	return &staffTeam{sessions: c.sessions, members: []*identityv1.Session{s}}, nil
}
