package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/training"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

// trainingSeeder writes the demo's training records as the people who
// would: the trainer builds the catalogue, imports the roster, assigns,
// scores and reviews; the officer reports training taken elsewhere.
//
// One record goes through the store instead of the API: the API refuses a
// due date before today, as it should, so the overdue assignment is made
// due next week and then back-dated. Past certifications need no such
// help: approved external training carries its own completion day.
type trainingSeeder struct {
	courses     trainingv1.CourseServiceClient
	officers    trainingv1.OfficerServiceClient
	enrollments trainingv1.EnrollmentServiceClient
	reports     trainingv1.ReportServiceClient
	accounts    identityv1.AccountServiceClient
	store       training.Store
	agency      string
	// today is the agency's current day; the seed's dates count from it.
	today time.Time
}

// demoOfficerBadge is the roster entry of the demo officer account (the
// officer a resident's compliment names).
const demoOfficerBadge = "SPD-1187"

func newTrainingSeeder(conn *grpc.ClientConn, store training.Store, agency string, loc *time.Location) *trainingSeeder {
	now := time.Now().In(loc)
	return &trainingSeeder{
		courses:     trainingv1.NewCourseServiceClient(conn),
		officers:    trainingv1.NewOfficerServiceClient(conn),
		enrollments: trainingv1.NewEnrollmentServiceClient(conn),
		reports:     trainingv1.NewReportServiceClient(conn),
		accounts:    identityv1.NewAccountServiceClient(conn),
		store:       store,
		agency:      agency,
		today:       time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC),
	}
}

// day is the agency's today moved by months and days, as `YYYY-MM-DD`.
func (t *trainingSeeder) day(months, days int) string {
	return t.today.AddDate(0, months, days).Format(time.DateOnly)
}

// demoCourses are the catalogue: two mandatory courses, two required of
// units, one optional; their feedback categories are those of the seeded
// complaints (use_of_force, response_time) and of courtesy.
func demoCourses() map[string]*trainingv1.Course {
	return map[string]*trainingv1.Course{
		"deescalation": {
			Title:       "De-escalation and Use of Force",
			Description: "Slowing encounters down: distance, time, cover and words before force; the department's use-of-force policy.",
			Competencies: []trainingv1.Competency{
				trainingv1.Competency_COMPETENCY_DE_ESCALATION, trainingv1.Competency_COMPETENCY_USE_OF_FORCE,
			},
			CreditHours: 8, PassMark: 80, RecertificationMonths: 12, Mandatory: true,
			FeedbackCategories: []string{"use_of_force"},
			Modules: []*trainingv1.Module{
				{Id: "policy", Title: "Use-of-force policy and the law", DurationMinutes: 90},
				{Id: "tactics", Title: "Tactical communication", DurationMinutes: 180},
				{Id: "scenarios", Title: "Scenario practice", DurationMinutes: 210},
			},
		},
		"crisis": {
			Title:        "Crisis Intervention",
			Description:  "Responding to people in mental-health crisis, with the county's mobile crisis team.",
			Competencies: []trainingv1.Competency{trainingv1.Competency_COMPETENCY_CRISIS_MANAGEMENT},
			CreditHours:  16, PassMark: 75, RecertificationMonths: 24, Mandatory: true,
		},
		"delays": {
			Title:       "Call Priorities and Communicating Delays",
			Description: "How calls are queued when units are scarce, and telling callers what to expect.",
			Competencies: []trainingv1.Competency{
				trainingv1.Competency_COMPETENCY_COMMUNICATION, trainingv1.Competency_COMPETENCY_PROCEDURAL_JUSTICE,
			},
			CreditHours: 2, PassMark: 70, RequiredUnits: []string{"patrol"},
			FeedbackCategories: []string{"response_time"},
		},
		"first-aid": {
			Title:        "First Aid and CPR",
			Competencies: []trainingv1.Competency{trainingv1.Competency_COMPETENCY_FIRST_AID},
			CreditHours:  6, RecertificationMonths: 12, RequiredUnits: []string{"patrol", "traffic"},
			Modules: []*trainingv1.Module{
				{Id: "cpr", Title: "CPR and AED", DurationMinutes: 180},
				{Id: "bleeding", Title: "Bleeding control", DurationMinutes: 120},
			},
		},
		"procedural-justice": {
			Title:       "Procedural Justice in Everyday Stops",
			Description: "Voice, neutrality, respect and trustworthy motives at traffic stops and on calls.",
			Competencies: []trainingv1.Competency{
				trainingv1.Competency_COMPETENCY_PROCEDURAL_JUSTICE, trainingv1.Competency_COMPETENCY_COMMUNICATION,
			},
			CreditHours: 4, PassMark: 70, RecertificationMonths: 36,
			FeedbackCategories: []string{"courtesy", "rudeness"},
		},
	}
}

// demoRoster is the officers, in three units; the first is the demo
// officer account's.
const demoRoster = `badge,display_name,unit
SPD-1203,Ofc. Maria Gonzalez,patrol
SPD-1240,Ofc. Dev Okafor,patrol
SPD-2051,Ofc. Hannah Lee,traffic
SPD-2077,Ofc. Marcus Brown,traffic
SPD-3012,Det. Ivy Chen,investigations
`

// seed writes the catalogue, the roster and records in every state:
// assigned, in progress, a failed attempt, completed with a certification,
// overdue and cancelled; certifications current, expiring within 30 days
// and expired; external training pending and approved; and the course the
// seeded complaints recommend, assigned to the traffic unit with the
// recommendation's reason.
func (t *trainingSeeder) seed(ctx, trainer, officer context.Context) error {
	courses := map[string]string{}
	for key, c := range demoCourses() {
		created, err := t.courses.CreateCourse(trainer, &trainingv1.CreateCourseRequest{Parent: t.agency, Course: c})
		if err != nil {
			return fmt.Errorf("create course %q: %w", c.GetTitle(), err)
		}
		courses[key] = created.GetName()
	}
	officers, err := t.roster(trainer, officer)
	if err != nil {
		return err
	}
	patel := officers[demoOfficerBadge]

	assign := func(badge, course, due, reason string) (*trainingv1.Enrollment, error) {
		e, err := t.enrollments.CreateEnrollment(trainer, &trainingv1.CreateEnrollmentRequest{
			Parent:     officers[badge],
			Enrollment: &trainingv1.Enrollment{Course: courses[course], DueDate: due, Reason: reason},
		})
		if err != nil {
			return nil, fmt.Errorf("enroll %s in %s: %w", badge, course, err)
		}
		return e, nil
	}
	score := func(e *trainingv1.Enrollment, s int32) error {
		if _, err := t.enrollments.CompleteEnrollment(trainer, &trainingv1.CompleteEnrollmentRequest{Name: e.GetName(), Score: proto.Int32(s)}); err != nil {
			return fmt.Errorf("score %s: %w", e.GetName(), err)
		}
		return nil
	}

	// The demo officer: Crisis Intervention passed today (current), a
	// failed attempt at Call Priorities (in progress), De-escalation
	// expired last month and retaken (a module done), First Aid taken at
	// the county college and expiring within 30 days, and a course
	// elsewhere waiting for review.
	crisis, err := assign(demoOfficerBadge, "crisis", t.day(1, 0), "Annual mandatory training.")
	if err != nil {
		return err
	}
	if err := score(crisis, 92); err != nil {
		return err
	}
	delays, err := assign(demoOfficerBadge, "delays", t.day(0, 21), "")
	if err != nil {
		return err
	}
	if err := score(delays, 55); err != nil {
		return err
	}
	approved := []*trainingv1.ExternalTraining{
		{Title: "Use of Force Update", Provider: "State Police Academy", CompletionDate: t.day(-13, 0), CreditHours: 8, Course: courses["deescalation"]},
		{Title: "Heartsaver First Aid CPR AED", Provider: "Springfield County College", CompletionDate: t.day(-12, 18), CreditHours: 6, Course: courses["first-aid"], EvidenceUri: "https://college.springfield.example/certificates/88314"},
	}
	for _, x := range approved {
		if err := t.external(trainer, officer, patel, x, true); err != nil {
			return err
		}
	}
	retake, err := assign(demoOfficerBadge, "deescalation", t.day(0, 28), "Certification expired; recertify.")
	if err != nil {
		return err
	}
	if _, err := t.enrollments.RecordEnrollmentProgress(officer, &trainingv1.RecordEnrollmentProgressRequest{Name: retake.GetName(), Module: "policy"}); err != nil {
		return fmt.Errorf("record progress: %w", err)
	}
	if err := t.external(trainer, officer, patel, &trainingv1.ExternalTraining{
		Title: "Mental Health First Aid", Provider: "National Council for Mental Wellbeing", CompletionDate: t.day(0, -9), CreditHours: 8,
	}, false); err != nil {
		return err
	}

	// Others of the roster: an assignment not started, one overdue, one
	// cancelled.
	if _, err := assign("SPD-1203", "deescalation", t.day(1, 15), "Annual mandatory training."); err != nil {
		return err
	}
	late, err := assign("SPD-1240", "crisis", t.day(0, 7), "Annual mandatory training.")
	if err != nil {
		return err
	}
	if _, err := t.store.UpdateEnrollment(ctx, late.GetName(), func(e *trainingv1.Enrollment) error {
		e.DueDate = t.day(0, -10)
		return nil
	}); err != nil {
		return fmt.Errorf("back-date %s: %w", late.GetName(), err)
	}
	pj, err := assign("SPD-3012", "procedural-justice", t.day(2, 0), "")
	if err != nil {
		return err
	}
	if _, err := t.enrollments.CancelEnrollment(trainer, &trainingv1.CancelEnrollmentRequest{
		Name: pj.GetName(), Reason: "Moved to investigations: no longer makes traffic stops.",
	}); err != nil {
		return fmt.Errorf("cancel %s: %w", pj.GetName(), err)
	}
	return t.assignRecommended(trainer)
}

// roster imports the roster and adds the demo officer linked to their
// account, so that they see their own records. It returns officers by
// badge.
func (t *trainingSeeder) roster(trainer, officer context.Context) (map[string]string, error) {
	if _, err := t.officers.ImportOfficers(trainer, &trainingv1.ImportOfficersRequest{Parent: t.agency, CsvContent: demoRoster}); err != nil {
		return nil, fmt.Errorf("import the roster: %w", err)
	}
	me, err := t.accounts.GetAccount(officer, &identityv1.GetAccountRequest{Name: "accounts/me"})
	if err != nil {
		return nil, fmt.Errorf("the demo officer's account: %w", err)
	}
	if _, err := t.officers.CreateOfficer(trainer, &trainingv1.CreateOfficerRequest{Parent: t.agency, Officer: &trainingv1.Officer{
		Badge: demoOfficerBadge, DisplayName: "Ofc. Sam Patel", Unit: "patrol", Account: me.GetName(),
	}}); err != nil {
		return nil, fmt.Errorf("add the demo officer: %w", err)
	}
	list, err := t.officers.ListOfficers(trainer, &trainingv1.ListOfficersRequest{Parent: t.agency, PageSize: 100})
	if err != nil {
		return nil, fmt.Errorf("list officers: %w", err)
	}
	byBadge := map[string]string{}
	for _, o := range list.GetOfficers() {
		byBadge[o.GetBadge()] = o.GetName()
	}
	if got, want := len(byBadge), strings.Count(demoRoster, "\n"); got != want {
		return nil, fmt.Errorf("the roster has %d officers, want %d", got, want)
	}
	return byBadge, nil
}

// external submits x as the officer, and when approve is set has the
// trainer approve it (a trainer may not approve their own).
func (t *trainingSeeder) external(trainer, officer context.Context, parent string, x *trainingv1.ExternalTraining, approve bool) error {
	created, err := t.enrollments.CreateExternalTraining(officer, &trainingv1.CreateExternalTrainingRequest{Parent: parent, ExternalTraining: x})
	if err != nil {
		return fmt.Errorf("submit %q: %w", x.GetTitle(), err)
	}
	if !approve {
		return nil
	}
	if _, err := t.enrollments.ApproveExternalTraining(trainer, &trainingv1.ApproveExternalTrainingRequest{
		Name: created.GetName(), Note: "Certificate checked.",
	}); err != nil {
		return fmt.Errorf("approve %q: %w", x.GetTitle(), err)
	}
	return nil
}

// assignRecommended assigns the course the seeded complaints recommend
// most to the traffic unit, with the recommendation's reason, as a
// trainer would from the recommendations page.
func (t *trainingSeeder) assignRecommended(trainer context.Context) error {
	recs, err := t.reports.GetTrainingRecommendations(trainer, &trainingv1.GetTrainingRecommendationsRequest{
		Name: t.agency + "/trainingRecommendations",
	})
	if err != nil {
		return fmt.Errorf("recommendations: %w", err)
	}
	if len(recs.GetRecommendations()) == 0 {
		return fmt.Errorf("recommendations: none follow from the seeded complaints")
	}
	top := recs.GetRecommendations()[0]
	if _, err := t.courses.AssignCourse(trainer, &trainingv1.AssignCourseRequest{
		Name: top.GetCourse(), Unit: "traffic", DueDate: t.day(2, 0), Reason: top.GetReason(),
	}); err != nil {
		return fmt.Errorf("assign %s to traffic: %w", top.GetCourse(), err)
	}
	return nil
}
