package app

import (
	"context"
	"fmt"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The demo's alert staff: one writes and publishes, the other approves
// what is SEVERE or EXTREME (two-person approval needs two people).
const (
	demoAlertAuthor   = "alerts@springfield.example"
	demoAlertApprover = "approver@springfield.example"
)

// alertsSeeder writes the demo's alerts as the people who would: the
// author drafts, publishes, updates and cancels; the approver approves.
type alertsSeeder struct {
	alerts alertsv1.AlertServiceClient
	agency string
	// now anchors the alerts' effective and expiry times.
	now time.Time
}

func newAlertsSeeder(conn *grpc.ClientConn, agency string) *alertsSeeder {
	return &alertsSeeder{alerts: alertsv1.NewAlertServiceClient(conn), agency: agency, now: time.Now()}
}

// downtownPolygon is District 1, closed (its last point is its first).
func downtownPolygon() *alertsv1.Polygon {
	pts := [][2]float64{{39.8030, -89.6560}, {39.8030, -89.6380}, {39.7920, -89.6380}, {39.7920, -89.6560}, {39.8030, -89.6560}}
	p := &alertsv1.Polygon{}
	for _, pt := range pts {
		p.Points = append(p.Points, &latlng.LatLng{Latitude: pt[0], Longitude: pt[1]})
	}
	return p
}

// info is an English info block for the next hours.
func (a *alertsSeeder) info(category alertsv1.Category, severity alertsv1.Severity, urgency alertsv1.Urgency, event, headline, description, instruction string, hours int, area *alertsv1.Area) *alertsv1.Info {
	return &alertsv1.Info{
		LanguageCode: "en-US",
		Categories:   []alertsv1.Category{category},
		Event:        event,
		Urgency:      urgency,
		Severity:     severity,
		Certainty:    alertsv1.Certainty_CERTAINTY_OBSERVED,
		SenderName:   "Springfield Police Department",
		Headline:     headline,
		Description:  description,
		Instruction:  instruction,
		Contact:      "Non-emergency line 555-0100",
		ExpireTime:   timestamppb.New(a.now.Add(time.Duration(hours) * time.Hour)),
		Areas:        []*alertsv1.Area{area},
	}
}

// citywide is an area with no shape: the whole jurisdiction.
func citywide() *alertsv1.Area { return &alertsv1.Area{Description: "City of Springfield"} }

// seed writes alerts in every state: a MODERATE public alert with a
// polygon and a Spanish info block; an EXTREME one sent after the
// approver's approval; a draft; a SEVERE one awaiting approval; one
// cancelled; one superseded by an update; an EXERCISE; and one whose Q&A
// thread is open in the downtown forum.
func (a *alertsSeeder) seed(author, approver context.Context) error {
	public := func(infos ...*alertsv1.Info) *alertsv1.Alert {
		return &alertsv1.Alert{Status: alertsv1.Status_STATUS_ACTUAL, Scope: alertsv1.Scope_SCOPE_PUBLIC, Infos: infos}
	}
	downtown := &alertsv1.Area{Description: "Downtown (District 1)", Polygons: []*alertsv1.Polygon{downtownPolygon()}}

	// A road closure downtown, in English and Spanish, with its Q&A.
	closureEn := a.info(alertsv1.Category_CATEGORY_TRANSPORT, alertsv1.Severity_SEVERITY_MODERATE, alertsv1.Urgency_URGENCY_EXPECTED,
		"Road closure", "Main Street closed downtown for a water main repair",
		"Main Street is closed between 3rd and 7th Street while the city repairs a water main.",
		"Use 2nd or 9th Street. Expect delays on bus routes 4 and 11.", 48, downtown)
	closureEs := a.info(alertsv1.Category_CATEGORY_TRANSPORT, alertsv1.Severity_SEVERITY_MODERATE, alertsv1.Urgency_URGENCY_EXPECTED,
		"Cierre de calle", "Main Street cerrada en el centro por reparación de tubería",
		"Main Street está cerrada entre las calles 3 y 7 mientras la ciudad repara una tubería principal.",
		"Use las calles 2 o 9. Espere demoras en las rutas de autobús 4 y 11.", 48,
		&alertsv1.Area{Description: "Centro (Distrito 1)", Polygons: []*alertsv1.Polygon{downtownPolygon()}})
	closureEs.LanguageCode = "es"
	closure, err := a.publish(author, public(closureEn, closureEs))
	if err != nil {
		return fmt.Errorf("road closure: %w", err)
	}
	if _, err := a.alerts.OpenAlertThread(author, &alertsv1.OpenAlertThreadRequest{
		Name: closure.GetName(), Forum: a.agency + "/forums/downtown",
	}); err != nil {
		return fmt.Errorf("open the road closure's Q&A: %w", err)
	}

	// A gas leak: EXTREME, so it goes out only once the approver approves.
	leak, err := a.publish(author, public(a.info(alertsv1.Category_CATEGORY_SAFETY, alertsv1.Severity_SEVERITY_EXTREME, alertsv1.Urgency_URGENCY_IMMEDIATE,
		"Hazardous materials", "Gas leak on Oak Street: shelter in place",
		"A ruptured gas line at Oak Street and 12th Street. Fire crews are on scene.",
		"Stay indoors, close windows and doors, and do not use open flames until the all-clear.", 6,
		&alertsv1.Area{Description: "Within 800 m of Oak Street and 12th Street", Circles: []*alertsv1.Circle{{
			Center: &latlng.LatLng{Latitude: 39.7817, Longitude: -89.6501}, RadiusKm: 0.8,
		}}})))
	if err != nil {
		return fmt.Errorf("gas leak: %w", err)
	}
	if leak.GetState() != alertsv1.Alert_STATE_PENDING_APPROVAL {
		return fmt.Errorf("gas leak: state %s after publishing, want pending approval", leak.GetState())
	}
	if _, err := a.alerts.ApproveAlert(approver, &alertsv1.ApproveAlertRequest{Name: leak.GetName(), Etag: leak.GetEtag()}); err != nil {
		return fmt.Errorf("approve the gas leak: %w", err)
	}

	// A draft, not sent.
	if _, err := a.alerts.CreateAlert(author, &alertsv1.CreateAlertRequest{Parent: a.agency, Alert: public(a.info(
		alertsv1.Category_CATEGORY_MET, alertsv1.Severity_SEVERITY_MINOR, alertsv1.Urgency_URGENCY_FUTURE,
		"Winter parking", "Snow emergency parking rules from Friday",
		"Snow routes must be clear of parked cars from Friday 6 pm.", "Move cars off marked snow routes.", 96, citywide()))}); err != nil {
		return fmt.Errorf("draft: %w", err)
	}

	// A missing person: SEVERE, waiting for the approver.
	if _, err := a.publish(author, public(a.info(alertsv1.Category_CATEGORY_RESCUE, alertsv1.Severity_SEVERITY_SEVERE, alertsv1.Urgency_URGENCY_IMMEDIATE,
		"Missing person", "Missing: 79-year-old man with dementia near Lincoln Park",
		"Walter, 5'9\", grey jacket, last seen at 2 pm near the Lincoln Park pond.",
		"If you see him, call 911. Do not approach if he seems distressed.", 12, citywide()))); err != nil {
		return fmt.Errorf("missing person: %w", err)
	}

	// A traffic signal outage, sent and then cancelled.
	outage, err := a.publish(author, public(a.info(alertsv1.Category_CATEGORY_INFRA, alertsv1.Severity_SEVERITY_MINOR, alertsv1.Urgency_URGENCY_EXPECTED,
		"Traffic signal outage", "Signals out at 5th Street and Capitol Avenue",
		"The traffic signals at 5th Street and Capitol Avenue are dark.", "Treat the intersection as an all-way stop.", 8, citywide())))
	if err != nil {
		return fmt.Errorf("signal outage: %w", err)
	}
	if _, err := a.alerts.CancelAlert(author, &alertsv1.CancelAlertRequest{Name: outage.GetName(), Reason: "The signals were repaired."}); err != nil {
		return fmt.Errorf("cancel the signal outage: %w", err)
	}

	// A smoke advisory, sent and then replaced by an update.
	smoke, err := a.publish(author, public(a.info(alertsv1.Category_CATEGORY_FIRE, alertsv1.Severity_SEVERITY_MODERATE, alertsv1.Urgency_URGENCY_EXPECTED,
		"Smoke advisory", "Smoke from a warehouse fire on the east side",
		"Firefighters are working a warehouse fire on Cook Street; smoke drifts west.", "Keep windows closed.", 12, citywide())))
	if err != nil {
		return fmt.Errorf("smoke advisory: %w", err)
	}
	if _, err := a.alerts.SupersedeAlert(author, &alertsv1.SupersedeAlertRequest{Name: smoke.GetName(), Alert: public(a.info(
		alertsv1.Category_CATEGORY_FIRE, alertsv1.Severity_SEVERITY_MINOR, alertsv1.Urgency_URGENCY_PAST,
		"Smoke advisory", "Warehouse fire under control; smoke clearing",
		"The Cook Street fire is under control and the smoke is clearing.", "Air out your home once the smell is gone.", 6, citywide()))}); err != nil {
		return fmt.Errorf("update the smoke advisory: %w", err)
	}

	// A drill, marked EXERCISE wherever it appears.
	drill := public(a.info(alertsv1.Category_CATEGORY_SAFETY, alertsv1.Severity_SEVERITY_MINOR, alertsv1.Urgency_URGENCY_FUTURE,
		"Emergency exercise", "EXERCISE: school lockdown drill at Springfield High",
		"A planned lockdown drill with the school district. You will see police cars at the school.", "No action needed.", 24,
		&alertsv1.Area{Description: "Springfield High School", Circles: []*alertsv1.Circle{{
			Center: &latlng.LatLng{Latitude: 39.7990, Longitude: -89.6440}, RadiusKm: 0.3,
		}}}))
	drill.Status = alertsv1.Status_STATUS_EXERCISE
	drill.Note = "Annual drill with the Springfield Unified School District."
	if _, err := a.publish(author, drill); err != nil {
		return fmt.Errorf("exercise: %w", err)
	}
	return nil
}

// publish drafts alert and publishes it, returning it as publishing left
// it: PUBLISHED, or PENDING_APPROVAL when SEVERE or EXTREME.
func (a *alertsSeeder) publish(author context.Context, alert *alertsv1.Alert) (*alertsv1.Alert, error) {
	draft, err := a.alerts.CreateAlert(author, &alertsv1.CreateAlertRequest{Parent: a.agency, Alert: alert})
	if err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	sent, err := a.alerts.PublishAlert(author, &alertsv1.PublishAlertRequest{Name: draft.GetName(), Etag: draft.GetEtag()})
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	return sent, nil
}
