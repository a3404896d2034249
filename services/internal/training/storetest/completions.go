package storetest

import (
	"errors"
	"testing"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/training"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// attempt is a score function as the handler writes one: it counts the
// attempt, and a score of at least the pass mark completes the enrollment
// and issues certification certID.
func attempt(score int32, certID string, at time.Time) func(*trainingv1.Enrollment, *trainingv1.Course) (*training.Completion, *trainingv1.Certification, error) {
	return func(e *trainingv1.Enrollment, c *trainingv1.Course) (*training.Completion, *trainingv1.Certification, error) {
		passed := score >= c.GetPassMark()
		e.AttemptCount++
		e.LastScore = proto.Int32(score)
		e.State = trainingv1.Enrollment_STATE_IN_PROGRESS
		cp := &training.Completion{
			ID: "cp-" + certID, Officer: recAnna, Account: "accounts/anna", Course: c.GetName(), Title: c.GetTitle(),
			Source: e.GetName(), Score: score, PassMark: c.GetPassMark(), Passed: passed, Date: "2026-11-23", Time: at,
		}
		if !passed {
			return cp, nil, nil
		}
		cp.CreditHours = c.GetCreditHours()
		cert := &trainingv1.Certification{
			Name: recAnna + "/certifications/" + certID, Course: c.GetName(), CourseTitle: c.GetTitle(),
			Score: proto.Int32(score), CreditHours: c.GetCreditHours(), CompletionDate: "2026-11-23",
			ExpireDate: "2027-11-23", Source: e.GetName(), CreateTime: timestamppb.New(at),
		}
		e.State = trainingv1.Enrollment_STATE_COMPLETED
		e.Certification = cert.GetName()
		return cp, cert, nil
	}
}

// testCompletions checks scored attempts: what a failed and a passed one
// store, that a retry counts once, and reading certifications back.
func testCompletions(t *testing.T, open Opener) {
	s := open(t)
	writeRecordsFixture(t, s)
	ctx := t.Context()
	e := newRecEnrollment(recAnna, "e1", recC2, "2026-12-10", recT0)
	if _, _, err := s.CreateEnrollments(ctx, []*trainingv1.Enrollment{e}, training.Retry{}); err != nil {
		t.Fatal(err)
	}
	t1, t2 := recT0.Add(time.Hour), recT0.Add(2*time.Hour)

	t.Run("a failing score function stores nothing", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := s.CompleteEnrollment(ctx, e.GetName(), training.Retry{}, func(e *trainingv1.Enrollment, _ *trainingv1.Course) (*training.Completion, *trainingv1.Certification, error) {
			e.AttemptCount = 99
			return nil, nil, boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("error %v, want %v", err, boom)
		}
		if got, _ := s.Enrollment(ctx, e.GetName()); got.GetAttemptCount() != 0 {
			t.Fatalf("attempts %d after a failed call", got.GetAttemptCount())
		}
		if _, err := s.CompleteEnrollment(ctx, recAnna+"/enrollments/none", training.Retry{}, attempt(100, "x", t1)); !errors.Is(err, errs.NotFound) {
			t.Fatalf("missing enrollment: %v", err)
		}
	})

	// recC2 has no pass mark, so give it one through a course update to
	// fail an attempt first.
	if _, err := s.UpdateCourse(ctx, recC2, func(c *trainingv1.Course) error {
		c.PassMark = 50
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.CompleteEnrollment(ctx, e.GetName(), training.Retry{}, attempt(40, "fail", t1))
	if err != nil {
		t.Fatal(err)
	}
	if got.GetState() != trainingv1.Enrollment_STATE_IN_PROGRESS || got.GetAttemptCount() != 1 || got.GetCertification() != "" {
		t.Fatalf("after failing: %v", got)
	}
	retry := training.Retry{Caller: "accounts/anna", ID: "r1", Fingerprint: []byte("f"), Time: t2}
	for range 2 {
		got, err = s.CompleteEnrollment(ctx, e.GetName(), retry, attempt(90, "c1", t2))
		if err != nil {
			t.Fatal(err)
		}
	}
	if got.GetState() != trainingv1.Enrollment_STATE_COMPLETED || got.GetAttemptCount() != 2 || got.GetLastScore() != 90 {
		t.Fatalf("after passing and a retry: %v", got)
	}
	certName := recAnna + "/certifications/c1"
	if got.GetCertification() != certName {
		t.Fatalf("certification %q, want %q", got.GetCertification(), certName)
	}

	t.Run("completions", func(t *testing.T) {
		var cps []training.Completion
		if err := s.Completions(ctx, "agencies/metro", time.Time{}, time.Time{}, func(c training.Completion) error {
			cps = append(cps, c)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		want := []training.Completion{
			{ID: "cp-fail", Officer: recAnna, Account: "accounts/anna", Course: recC2, Title: "Courtesy", Source: e.GetName(),
				Score: 40, PassMark: 50, Date: "2026-11-23", Time: t1},
			{ID: "cp-c1", Officer: recAnna, Account: "accounts/anna", Course: recC2, Title: "Courtesy", Source: e.GetName(),
				Score: 90, PassMark: 50, Passed: true, CreditHours: 1.5, Date: "2026-11-23", Time: t2},
		}
		if d := cmp.Diff(want, cps, cmpopts.EquateApproxTime(0)); d != "" {
			t.Fatalf("completions (-want +got):\n%s", d)
		}
	})

	t.Run("certification", func(t *testing.T) {
		cert, err := s.Certification(ctx, certName)
		if err != nil {
			t.Fatal(err)
		}
		_, want, _ := attempt(90, "c1", t2)(proto.Clone(e).(*trainingv1.Enrollment), &trainingv1.Course{Name: recC2, Title: "Courtesy", PassMark: 50, CreditHours: 1.5})
		if d := cmp.Diff(want, cert, protocmp.Transform()); d != "" {
			t.Fatalf("(-want +got):\n%s", d)
		}
		if _, err := s.Certification(ctx, recAnna+"/certifications/none"); !errors.Is(err, errs.NotFound) {
			t.Fatalf("missing certification: %v", err)
		}
	})

	t.Run("list certifications newest first", func(t *testing.T) {
		// A second certification, issued later, through approved external
		// training.
		later := recT0.Add(5 * time.Hour)
		x := &trainingv1.ExternalTraining{Name: recAnna + "/externalTrainings/x1", Title: "Academy", Provider: "State",
			CompletionDate: "2026-11-01", CreditHours: 2, Course: recC2, State: trainingv1.ExternalTraining_STATE_PENDING,
			CreateTime: timestamppb.New(later)}
		if _, err := s.CreateExternalTraining(ctx, x, training.Retry{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ReviewExternalTraining(ctx, x.GetName(), approve("c2", later)); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name, parent string
			keep         func(*trainingv1.Certification) bool
			want         []string
		}{
			{"officer", recAnna, nil, []string{recAnna + "/certifications/c2", certName}},
			{"agency", "agencies/metro/officers/-", nil, []string{recAnna + "/certifications/c2", certName}},
			{"kept", recAnna, func(c *trainingv1.Certification) bool { return c.GetScore() > 0 }, []string{certName}},
			{"other officer", recBen, nil, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var names []string
				page := training.Page{Size: 1}
				for range 5 {
					certs, next, err := s.ListCertifications(ctx, tc.parent, page, tc.keep)
					if err != nil {
						t.Fatal(err)
					}
					for _, c := range certs {
						names = append(names, c.GetName())
					}
					if next == nil {
						break
					}
					page.After = next
				}
				if d := cmp.Diff(tc.want, names); d != "" {
					t.Fatalf("(-want +got):\n%s", d)
				}
			})
		}
	})
}
