package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/training"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// standingsFixture is what testStandings writes through the store's write
// methods: two active officers (one per unit) and a retired one, two
// courses, a passed attempt, an open and a cancelled enrollment, and
// approved external training.
type standingsFixture struct {
	assigned, passed, approved time.Time
}

// testStandings checks that Standings and Completions read back what the
// writes indexed.
func testStandings(t *testing.T, open Opener) {
	s := open(t)
	fx := writeStandingsFixture(t, s)
	const (
		north = "agencies/metro/officers/north1"
		south = "agencies/metro/officers/south1"
		c1    = "agencies/metro/courses/c1"
		c2    = "agencies/metro/courses/c2"
	)
	wantNorth := training.Standing{
		Certifications: map[string][]training.CertificationDates{c1: {{Completion: "2026-11-20", Expire: "2027-11-20"}}},
		Assignments: map[string]training.Assignment{
			c1: {DueDate: "2026-12-01", AssignTime: fx.assigned, Open: false},
			c2: {DueDate: "2026-12-10", AssignTime: fx.assigned, Open: true},
		},
		Credits: []training.Credit{{Date: "2026-11-20", Hours: 4}},
	}
	wantSouth := training.Standing{Credits: []training.Credit{{Date: "2026-11-21", Hours: 2.5}}}
	opts := cmp.Options{
		cmpopts.EquateEmpty(),
		cmpopts.IgnoreFields(training.Standing{}, "Officer"),
		cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
	}
	for _, tc := range []struct {
		name, unit string
		officers   []string
		want       []training.Standing
	}{
		{"agency", "", []string{north, south}, []training.Standing{wantNorth, wantSouth}},
		{"unit", "north", []string{north}, []training.Standing{wantNorth}},
		{"unit with nobody", "east", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := s.Standings(t.Context(), "agencies/metro", tc.unit)
			if err != nil {
				t.Fatal(err)
			}
			got = slices.Clone(got)
			slices.SortFunc(got, func(a, b training.Standing) int { return strings.Compare(a.Officer.GetName(), b.Officer.GetName()) })
			var names []string
			for _, st := range got {
				names = append(names, st.Officer.GetName())
			}
			if d := cmp.Diff(tc.officers, names); d != "" {
				t.Fatalf("officers (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.want, got, opts); d != "" {
				t.Fatalf("standings (-want +got):\n%s", d)
			}
		})
	}

	t.Run("other agency", func(t *testing.T) {
		got, _, err := s.Standings(t.Context(), "agencies/other", "")
		if err != nil || len(got) != 0 {
			t.Fatalf("standings of an agency with no officers: %v, %v", got, err)
		}
	})

	for _, tc := range []struct {
		name       string
		start, end time.Time
		want       []string
	}{
		{"all", time.Time{}, time.Time{}, []string{"cp-north", "cp-south"}},
		{"from a start, inclusive", fx.approved, time.Time{}, []string{"cp-south"}},
		{"to an end, exclusive", time.Time{}, fx.approved, []string{"cp-north"}},
		{"an empty range", fx.passed.Add(time.Second), fx.approved, nil},
	} {
		t.Run("completions "+tc.name, func(t *testing.T) {
			var got []string
			err := s.Completions(t.Context(), "agencies/metro", tc.start, tc.end, func(c training.Completion) error {
				got = append(got, c.ID)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Fatalf("completions (-want +got):\n%s", d)
			}
		})
	}

	t.Run("completions keep what was recorded", func(t *testing.T) {
		var got []training.Completion
		err := s.Completions(t.Context(), "agencies/metro", time.Time{}, time.Time{}, func(c training.Completion) error {
			got = append(got, c)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []training.Completion{standingsAttempt(fx), standingsExternal(fx)}
		if d := cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); d != "" {
			t.Fatalf("completions (-want +got):\n%s", d)
		}
	})

	t.Run("revision", func(t *testing.T) {
		first, rev1, err := s.Standings(t.Context(), "agencies/metro", "")
		if err != nil {
			t.Fatal(err)
		}
		again, rev2, err := s.Standings(t.Context(), "agencies/metro", "")
		if err != nil {
			t.Fatal(err)
		}
		if rev2 != rev1 || len(again) != len(first) {
			t.Fatalf("two reads with no write between: revisions %d and %d, %d and %d officers", rev1, rev2, len(first), len(again))
		}
		o := &trainingv1.Officer{Name: "agencies/metro/officers/late", Badge: "999", DisplayName: "Late", Unit: "north"}
		if _, err := s.CreateOfficer(t.Context(), o, training.Retry{}); err != nil {
			t.Fatal(err)
		}
		after, rev3, err := s.Standings(t.Context(), "agencies/metro", "")
		if err != nil {
			t.Fatal(err)
		}
		if rev3 <= rev2 || len(after) != len(first)+1 {
			t.Fatalf("after a write: revision %d (before %d), %d officers (before %d)", rev3, rev2, len(after), len(first))
		}
	})

	t.Run("completions stop at an error", func(t *testing.T) {
		stop := errors.New("stop")
		calls := 0
		err := s.Completions(t.Context(), "agencies/metro", time.Time{}, time.Time{}, func(training.Completion) error {
			calls++
			return stop
		})
		if !errors.Is(err, stop) || calls != 1 {
			t.Fatalf("%d calls, error %v; want 1 call and %v", calls, err, stop)
		}
	})
}

// standingsAttempt is the completion of north1's passed attempt.
func standingsAttempt(fx standingsFixture) training.Completion {
	return training.Completion{
		ID: "cp-north", Officer: "agencies/metro/officers/north1", Account: "accounts/north1",
		Course: "agencies/metro/courses/c1", Title: "Course one", Source: "agencies/metro/officers/north1/enrollments/e1",
		Score: 90, PassMark: 70, Passed: true, CreditHours: 4, Date: "2026-11-20", Time: fx.passed,
	}
}

// standingsExternal is the completion of south1's approved external
// training.
func standingsExternal(fx standingsFixture) training.Completion {
	return training.Completion{
		ID: "cp-south", Officer: "agencies/metro/officers/south1", Title: "First aid",
		Source: "agencies/metro/officers/south1/externalTrainings/x1", Score: -1, Passed: true,
		CreditHours: 2.5, Date: "2026-11-21", Time: fx.approved,
	}
}

func writeStandingsFixture(t *testing.T, s training.Store) standingsFixture {
	t.Helper()
	ctx := t.Context()
	now := time.Date(2026, 11, 1, 15, 0, 0, 0, time.UTC)
	fx := standingsFixture{assigned: now, passed: now.AddDate(0, 0, 19), approved: now.AddDate(0, 0, 20)}
	check := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	ts := timestamppb.New(now)
	for _, c := range []*trainingv1.Course{
		{Name: "agencies/metro/courses/c1", Title: "Course one", CreditHours: 4, PassMark: 70, RecertificationMonths: 12, Mandatory: true, CreateTime: ts, UpdateTime: ts},
		{Name: "agencies/metro/courses/c2", Title: "Course two", CreditHours: 2, PassMark: 70, RequiredUnits: []string{"south"}, CreateTime: ts, UpdateTime: ts},
	} {
		_, err := s.CreateCourse(ctx, c, training.Retry{})
		check("create course", err)
	}
	for _, o := range []*trainingv1.Officer{
		{Name: "agencies/metro/officers/north1", Badge: "100", DisplayName: "North One", Unit: "north", Account: "accounts/north1", CreateTime: ts, UpdateTime: ts},
		{Name: "agencies/metro/officers/south1", Badge: "200", DisplayName: "South One", Unit: "south", CreateTime: ts, UpdateTime: ts},
		{Name: "agencies/metro/officers/gone", Badge: "300", DisplayName: "Gone", Unit: "north", CreateTime: ts, UpdateTime: ts},
	} {
		_, err := s.CreateOfficer(ctx, o, training.Retry{})
		check("create officer", err)
	}
	_, err := s.UpdateOfficer(ctx, "agencies/metro/officers/gone", func(o *trainingv1.Officer) error {
		o.DeleteTime = ts
		return nil
	})
	check("deactivate an officer", err)

	enrollment := func(officer, id, course, due string) *trainingv1.Enrollment {
		return &trainingv1.Enrollment{
			Name: officer + "/enrollments/" + id, Course: course, CourseTitle: "Course", DueDate: due,
			State: trainingv1.Enrollment_STATE_ASSIGNED, CreateTime: ts, UpdateTime: ts,
		}
	}
	for _, e := range []*trainingv1.Enrollment{
		enrollment("agencies/metro/officers/north1", "e1", "agencies/metro/courses/c1", "2026-12-01"),
		enrollment("agencies/metro/officers/north1", "e2", "agencies/metro/courses/c2", "2026-12-10"),
		enrollment("agencies/metro/officers/south1", "e3", "agencies/metro/courses/c2", "2026-12-05"),
	} {
		_, _, err := s.CreateEnrollments(ctx, []*trainingv1.Enrollment{e}, training.Retry{})
		check("create enrollment", err)
	}
	_, err = s.UpdateEnrollment(ctx, "agencies/metro/officers/south1/enrollments/e3", func(e *trainingv1.Enrollment) error {
		e.State = trainingv1.Enrollment_STATE_CANCELLED
		e.CancelReason = "no longer needed"
		return nil
	})
	check("cancel an enrollment", err)

	_, err = s.CompleteEnrollment(ctx, "agencies/metro/officers/north1/enrollments/e1", training.Retry{},
		func(e *trainingv1.Enrollment, c *trainingv1.Course) (*training.Completion, *trainingv1.Certification, error) {
			done := timestamppb.New(fx.passed)
			e.State, e.AttemptCount, e.UpdateTime, e.CompleteTime = trainingv1.Enrollment_STATE_COMPLETED, 1, done, done
			e.Certification = "agencies/metro/officers/north1/certifications/k1"
			cp := standingsAttempt(fx)
			return &cp, &trainingv1.Certification{
				Name: e.Certification, Course: c.GetName(), CourseTitle: c.GetTitle(), CreditHours: 4,
				CompletionDate: "2026-11-20", ExpireDate: "2027-11-20", Source: e.GetName(), CreateTime: done,
			}, nil
		})
	check("complete an enrollment", err)

	_, err = s.CreateExternalTraining(ctx, &trainingv1.ExternalTraining{
		Name: "agencies/metro/officers/south1/externalTrainings/x1", Title: "First aid", Provider: "Red Cross",
		CompletionDate: "2026-11-21", CreditHours: 2.5, State: trainingv1.ExternalTraining_STATE_PENDING,
	}, training.Retry{})
	check("create external training", err)
	_, err = s.ReviewExternalTraining(ctx, "agencies/metro/officers/south1/externalTrainings/x1",
		func(x *trainingv1.ExternalTraining, _ *trainingv1.Course) (*training.Completion, *trainingv1.Certification, error) {
			x.State = trainingv1.ExternalTraining_STATE_APPROVED
			cp := standingsExternal(fx)
			return &cp, nil, nil
		})
	check("approve external training", err)
	return fx
}
