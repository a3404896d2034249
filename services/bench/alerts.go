package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

const (
	// alertsAgency is the agency whose alerts every subscriber streams.
	alertsAgency = "agencies/bench-alerts"
	// alertsLatencyTarget is the target for the time from a
	// publish call to its last subscriber's receipt: Engage's p50 and p99
	// at most this many times bare's, over gRPC and over REST.
	alertsLatencyTarget = 1.5
	// alertsMemoryTarget is the target for the server memory one
	// subscriber holds: Engage's at most this many times bare's.
	alertsMemoryTarget = 2.0
	// alertsMaxSubscribers bounds -alert-subscribers: a REST subscriber
	// is a connection, so two file descriptors on this one machine.
	alertsMaxSubscribers = 50_000
	// alertsMaxAlerts bounds -alerts.
	alertsMaxAlerts = 2000
	// alertsTokenLife is how long the author's token must last for one
	// path's runs.
	alertsTokenLife = 10 * time.Minute
)

// alertsPoint is where every subscriber lives: downtown Chicago, inside
// the polygon of every alert the benchmark publishes.
var alertsPoint = &latlng.LatLng{Latitude: 41.8781, Longitude: -87.6298}

// alertsScale is the size of one run of the suite.
type alertsScale struct {
	// subscribers stream at once; over gRPC they share conns client
	// connections, over REST each has its own.
	subscribers, conns int
	// alerts are published, one after another, per run.
	alerts int
}

// alertsScaleOf is the scale the command line asks for.
func alertsScaleOf(o options) alertsScale {
	return alertsScale{subscribers: o.alertSubscribers, conns: o.alertConns, alerts: o.alerts}
}

// checkAlertsScale rejects an alerts scale the suite cannot run.
func checkAlertsScale(o options) error {
	if o.alertSubscribers < 1 || o.alertSubscribers > alertsMaxSubscribers {
		return fmt.Errorf("-alert-subscribers must be 1 to %d", alertsMaxSubscribers)
	}
	if o.alertConns < 1 || o.alertConns > o.alertSubscribers {
		return errors.New("-alert-conns must be 1 to -alert-subscribers")
	}
	if o.alerts < 1 || o.alerts > alertsMaxAlerts {
		return fmt.Errorf("-alerts must be 1 to %d", alertsMaxAlerts)
	}
	return nil
}

// runAlerts compares alert fan-out on Engage with the bare fan-out
// server, each in its own process.
func runAlerts(ctx context.Context, r *runner) (err error) {
	sc := alertsScaleOf(r.o)
	raised, err := raiseFileLimit(sc.subscribers + 1000)
	if err != nil {
		return err
	}
	dataDir, err := os.MkdirTemp("", "engage-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dataDir)
	bare, err := r.startBare(ctx, suiteAlerts)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, bare.stop()) }()
	engage, _, err := r.startEngage(ctx, dataDir, false)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, engage.stop()) }()
	return benchAlerts(ctx, alertsServers{
		bare: bare.addrs, engage: engage.addrs,
		bareMem: bare.mem, engageMem: engage.mem,
		fileLimit: raised,
	}, sc, r)
}

// alertsServers are the two servers the suite compares, with how to read
// their memory (nil when it cannot be read: the report leaves it out).
type alertsServers struct {
	bare, engage       addrs
	bareMem, engageMem func(context.Context) (memSample, error)
	// fileLimit is this process's open-file limit, as raised for the REST
	// subscribers' connections.
	fileLimit uint64
}

// benchAlerts is the suite on running servers: every path on bare and on
// Engage, then the report.
func benchAlerts(ctx context.Context, s alertsServers, sc alertsScale, r *runner) error {
	conn, err := grpc.NewClient(s.engage.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	author, err := setUpAlertsAgency(ctx, conn)
	if err != nil {
		return fmt.Errorf("set up the agency: %w", err)
	}
	bare, err := newBareAlertsSide(s.bare, s.bareMem)
	if err != nil {
		return err
	}
	defer bare.close()
	engage := newEngageAlertsSide(s.engage, s.engageMem, alertsv1.NewAlertServiceClient(conn), author)

	printHeader(r.stdout, r.o, header{
		title:   "Alert fan-out: AlertService/StreamAlerts and GET /v1/{agency}/alerts:stream, Engage vs a bare fan-out server",
		engage:  s.engage,
		load:    alertsLoad(sc),
		clients: alertsClients(sc, s.fileLimit),
		notes:   alertsNotes(s.bare),
	})
	var results []alertsResult
	var failed error
	for i, p := range alertsPaths() {
		order := []*alertsSide{bare, engage}
		if i%2 == 1 {
			order = []*alertsSide{engage, bare}
		}
		res := alertsResult{path: p}
		for _, side := range order {
			fmt.Fprintf(r.stderr, "bench: %s, %s: %d subscribers\n", p.name, side.name, sc.subscribers)
			run, err := fanoutRun(ctx, side, p, sc)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil {
				// The other runs still tell something: the report says
				// what failed, and the suite fails at its end.
				run.err = err
				failed = errors.Join(failed, fmt.Errorf("%s, %s: %w", p.name, side.name, err))
			}
			printAlertsRun(r.stdout, p, side.name, run)
			if side == bare {
				res.bare = run
			} else {
				res.engage = run
			}
		}
		results = append(results, res)
	}
	printAlertsSummary(r.stdout, results)
	return failed
}

// setUpAlertsAgency creates the agency as the platform administrator,
// signed in with a TOTP code, and an alert author in it, signed in with a
// TOTP code too, and returns the author as a team of one.
func setUpAlertsAgency(ctx context.Context, conn *grpc.ClientConn) (*staffTeam, error) {
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
	if _, err := c.agencies.CreateAgency(admin, &identityv1.CreateAgencyRequest{
		AgencyId: alertsAgency[len("agencies/"):],
		Agency: &identityv1.Agency{
			DisplayName: "Bench Emergency Management",
			Description: "An agency whose alerts the benchmark streams.",
			TimeZone:    "America/Chicago",
		},
	}); err != nil {
		return nil, fmt.Errorf("create %s: %w", alertsAgency, err)
	}
	const email = "author@bench.example"
	acct, err := c.accounts.CreateAccount(ctx, &identityv1.CreateAccountRequest{Account: &identityv1.Account{
		Email: email, DisplayName: "Bench Alert Author", Password: proto.String(staffPassword),
	}})
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", email, err)
	}
	secret, err = c.enroll(ctx, email, staffPassword)
	if err != nil {
		return nil, err
	}
	if _, err := c.agencies.CreateRoleBinding(admin, &identityv1.CreateRoleBindingRequest{
		Parent:      alertsAgency,
		RoleBinding: &identityv1.RoleBinding{Member: acct.GetName(), Role: accessv1.Role_ROLE_ALERT_AUTHOR},
	}); err != nil {
		return nil, fmt.Errorf("bind the author: %w", err)
	}
	s, err := c.signInWithCode(ctx, email, staffPassword, secret)
	if err != nil {
		return nil, err
	}
	return &staffTeam{sessions: c.sessions, members: []*identityv1.Session{s}}, nil
}

// alertDraft is the alert the benchmark publishes, numbered i: a MODERATE
// public alert whose one area is a square of about 2 km around
// alertsPoint, with the headline, description and instruction of a real
// one, and expiring a day after now.
func alertDraft(i int, now time.Time) *alertsv1.Alert {
	const d = 0.01 // degrees, about a kilometre
	lat, lng := alertsPoint.GetLatitude(), alertsPoint.GetLongitude()
	corner := func(dl, dg float64) *latlng.LatLng { return &latlng.LatLng{Latitude: lat + dl, Longitude: lng + dg} }
	return &alertsv1.Alert{
		Status: alertsv1.Status_STATUS_ACTUAL,
		Scope:  alertsv1.Scope_SCOPE_PUBLIC,
		Infos: []*alertsv1.Info{{
			LanguageCode:  "en-US",
			Categories:    []alertsv1.Category{alertsv1.Category_CATEGORY_SAFETY},
			Event:         "Police activity",
			ResponseTypes: []alertsv1.ResponseType{alertsv1.ResponseType_RESPONSE_TYPE_AVOID},
			Urgency:       alertsv1.Urgency_URGENCY_IMMEDIATE,
			Severity:      alertsv1.Severity_SEVERITY_MODERATE,
			Certainty:     alertsv1.Certainty_CERTAINTY_OBSERVED,
			SenderName:    "Bench Emergency Management",
			Headline:      fmt.Sprintf("Police activity downtown (%d): avoid the area", i+1),
			Description:   "Officers are responding to an incident between Lake Street and Madison Street. Several streets are closed to traffic and pedestrians.",
			Instruction:   "Avoid the area and follow officers' directions. Expect delays on bus routes through the Loop.",
			Web:           "https://engage.example.org/alerts",
			Contact:       "Non-emergency line 311",
			ExpireTime:    timestamppb.New(now.Add(24 * time.Hour)),
			Areas: []*alertsv1.Area{{
				Description: "Downtown, between Lake Street and Madison Street",
				Polygons: []*alertsv1.Polygon{{Points: []*latlng.LatLng{
					corner(-d, -d), corner(-d, d), corner(d, d), corner(d, -d), corner(-d, -d),
				}}},
			}},
		}},
	}
}
