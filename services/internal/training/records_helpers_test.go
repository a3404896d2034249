package training_test

import (
	"strings"
	"testing"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/training"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ignoreGenerated compares records regardless of what the service
// generates: names, times and etags.
var ignoreGenerated = cmp.Options{
	protocmp.IgnoreFields(&trainingv1.Enrollment{}, "name", "create_time", "update_time", "complete_time", "certification", "etag"),
	protocmp.IgnoreFields(&trainingv1.Certification{}, "name", "create_time"),
	protocmp.IgnoreFields(&trainingv1.ExternalTraining{}, "name", "create_time", "review_time", "certification", "etag"),
}

// The records world: agency metro's courses and roster, written straight
// through the store, and the accounts that call about them.
const (
	// c1 has two modules, a pass mark of 70, 4 credit hours and a 12-month
	// interval; c2 no modules, no pass mark, 1.5 hours and a 1-month
	// interval; old is retired.
	c1      = "agencies/metro/courses/c1"
	c2      = "agencies/metro/courses/c2"
	retired = "agencies/metro/courses/old"
	// anna, ben and tina are in unit north, carl in south; gone (north) was
	// deactivated. Anna, Ben and Tina have linked accounts.
	anna = "agencies/metro/officers/anna"
	ben  = "agencies/metro/officers/ben"
	tina = "agencies/metro/officers/tina"
	carl = "agencies/metro/officers/carl"
	gone = "agencies/metro/officers/gone"
	olga = "agencies/other/officers/olga"

	allMetro = "agencies/metro/officers/-"
)

// world is a deployment with the records fixture and its callers.
type world struct {
	*env
	// trainer is metro's trainer; tina is also a trainer, and an officer
	// on the roster; otherTrainer trains agency other.
	trainer, tina, otherTrainer *user
	// anna and ben are officers with linked accounts; resident has no role.
	anna, ben, resident *user
}

func newWorld(t *testing.T) *world {
	t.Helper()
	e := newEnv(t)
	ctx, ts := t.Context(), timestamppb.New(start)
	for _, c := range []*trainingv1.Course{
		{Name: c1, Title: "De-escalation", PassMark: 70, CreditHours: 4, RecertificationMonths: 12,
			Modules: []*trainingv1.Module{{Id: "intro", Title: "Intro"}, {Id: "practice", Title: "Practice"}}},
		{Name: c2, Title: "Courtesy", CreditHours: 1.5, RecertificationMonths: 1},
		{Name: retired, Title: "Old ways", DeleteTime: ts},
		{Name: "agencies/other/courses/oc", Title: "Elsewhere"},
	} {
		c.CreateTime, c.UpdateTime = ts, ts
		_, err := e.store.CreateCourse(ctx, c, training.Retry{})
		must(t, "create "+c.GetName(), err)
	}
	for _, o := range []*trainingv1.Officer{
		{Name: anna, Badge: "100", DisplayName: "Anna", Unit: "north", Account: "accounts/anna"},
		{Name: ben, Badge: "200", DisplayName: "Ben", Unit: "north", Account: "accounts/ben"},
		{Name: tina, Badge: "300", DisplayName: "Tina", Unit: "north", Account: "accounts/tina"},
		{Name: carl, Badge: "400", DisplayName: "Carl", Unit: "south"},
		{Name: gone, Badge: "500", DisplayName: "Gone", Unit: "north"},
		{Name: olga, Badge: "100", DisplayName: "Olga", Unit: "north"},
	} {
		o.CreateTime, o.UpdateTime = ts, ts
		_, err := e.store.CreateOfficer(ctx, o, training.Retry{})
		must(t, "create "+o.GetName(), err)
	}
	_, err := e.store.UpdateOfficer(ctx, gone, func(o *trainingv1.Officer) error {
		o.DeleteTime = ts
		return nil
	})
	must(t, "deactivate gone", err)
	return &world{
		env:          e,
		trainer:      e.trainer("trainer", "metro"),
		tina:         e.trainer("tina", "metro"),
		otherTrainer: e.trainer("ot", "other"),
		anna:         e.officerAccount("anna", "metro"),
		ben:          e.officerAccount("ben", "metro"),
		resident:     e.resident("res"),
	}
}

// enroll enrolls an officer in a course, due on due, as the trainer.
func (w *world) enroll(t *testing.T, officer, course, due string) *trainingv1.Enrollment {
	t.Helper()
	e, err := w.records.CreateEnrollment(w.trainer.ctx(t), &trainingv1.CreateEnrollmentRequest{
		Parent: officer, Enrollment: &trainingv1.Enrollment{Course: course, DueDate: due},
	})
	must(t, "enroll "+officer+" in "+course, err)
	return e
}

// allEnrollments returns the names of every enrollment of metro.
func (w *world) allEnrollments(t *testing.T) []string {
	t.Helper()
	resp, err := w.records.ListEnrollments(w.trainer.ctx(t), &trainingv1.ListEnrollmentsRequest{Parent: allMetro, PageSize: 500})
	must(t, "list enrollments", err)
	var names []string
	for _, e := range resp.GetEnrollments() {
		names = append(names, e.GetName())
	}
	return names
}

// completions returns metro's recorded completions.
func (w *world) completions(t *testing.T) []training.Completion {
	t.Helper()
	var out []training.Completion
	must(t, "completions", w.store.Completions(t.Context(), "agencies/metro", time.Time{}, time.Time{}, func(c training.Completion) error {
		out = append(out, c)
		return nil
	}))
	return out
}

// advanceTo moves the clock forward to the same hour of day (a day in
// metro, `YYYY-MM-DD`).
func (w *world) advanceTo(t *testing.T, day string) {
	t.Helper()
	from, _ := time.Parse(time.DateOnly, w.today())
	to, err := time.Parse(time.DateOnly, day)
	must(t, "parse "+day, err)
	if to.Before(from) {
		t.Fatalf("the clock cannot go back from %s to %s", from, day)
	}
	w.clock.Advance(to.Sub(from))
}

// today is the current day in metro (Chicago).
func (w *world) today() string {
	chicago, _ := time.LoadLocation("America/Chicago")
	return w.clock.Now().In(chicago).Format(time.DateOnly)
}

// officerOf returns the officer a record's name is under.
func officerOf(name string) string {
	parts := strings.SplitN(name, "/", 5)
	return strings.Join(parts[:min(4, len(parts))], "/")
}
