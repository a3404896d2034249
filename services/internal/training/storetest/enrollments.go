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

// The records fixture: agency metro with a course of two modules (c1), a
// course without modules (c2), a retired course, two active officers and
// a deactivated one; agency other with one officer.
const (
	recC1      = "agencies/metro/courses/c1"
	recC2      = "agencies/metro/courses/c2"
	recRetired = "agencies/metro/courses/old"
	recAnna    = "agencies/metro/officers/anna"
	recBen     = "agencies/metro/officers/ben"
	recGone    = "agencies/metro/officers/gone"
	recOther   = "agencies/other/officers/olga"
)

// recT0 is the fixture's time.
var recT0 = time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)

// writeRecordsFixture writes the fixture through the store's write
// methods.
func writeRecordsFixture(t *testing.T, s training.Store) {
	t.Helper()
	ctx, ts := t.Context(), timestamppb.New(recT0)
	for _, c := range []*trainingv1.Course{
		{Name: recC1, Title: "De-escalation", PassMark: 70, CreditHours: 4, RecertificationMonths: 12,
			Modules: []*trainingv1.Module{{Id: "intro", Title: "Intro"}, {Id: "practice", Title: "Practice"}}},
		{Name: recC2, Title: "Courtesy", CreditHours: 1.5},
		{Name: recRetired, Title: "Old", DeleteTime: ts},
	} {
		c.CreateTime, c.UpdateTime = ts, ts
		if _, err := s.CreateCourse(ctx, c, training.Retry{}); err != nil {
			t.Fatalf("create %s: %v", c.GetName(), err)
		}
	}
	for _, o := range []*trainingv1.Officer{
		{Name: recAnna, Badge: "100", DisplayName: "Anna", Unit: "north", Account: "accounts/anna"},
		{Name: recBen, Badge: "200", DisplayName: "Ben", Unit: "north"},
		{Name: recGone, Badge: "300", DisplayName: "Gone", Unit: "north"},
		{Name: recOther, Badge: "100", DisplayName: "Olga", Unit: "x"},
	} {
		o.CreateTime, o.UpdateTime = ts, ts
		if _, err := s.CreateOfficer(ctx, o, training.Retry{}); err != nil {
			t.Fatalf("create %s: %v", o.GetName(), err)
		}
	}
	if _, err := s.UpdateOfficer(ctx, recGone, func(o *trainingv1.Officer) error {
		o.DeleteTime = ts
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// newRecEnrollment is an ASSIGNED enrollment as a handler makes it.
func newRecEnrollment(officer, id, course, due string, created time.Time) *trainingv1.Enrollment {
	ts := timestamppb.New(created)
	return &trainingv1.Enrollment{
		Name: officer + "/enrollments/" + id, Course: course, CourseTitle: "Title of " + course,
		DueDate: due, State: trainingv1.Enrollment_STATE_ASSIGNED, Assigner: "accounts/trainer",
		CreateTime: ts, UpdateTime: ts,
	}
}

// recIgnoreEtag compares records regardless of their etags.
var recIgnoreEtag = cmp.Options{protocmp.Transform(), protocmp.IgnoreFields(&trainingv1.Enrollment{}, "etag")}

// testEnrollments checks creating, reading, listing and changing
// enrollments, and the indexes that follow them.
func testEnrollments(t *testing.T, open Opener) {
	s := open(t)
	writeRecordsFixture(t, s)
	ctx := t.Context()

	a1 := newRecEnrollment(recAnna, "e1", recC1, "2026-12-10", recT0)
	b1 := newRecEnrollment(recBen, "e2", recC1, "2026-12-01", recT0)
	retry := training.Retry{Caller: "accounts/trainer", ID: "r1", Fingerprint: []byte("f1"), Time: recT0}
	created, skipped, err := s.CreateEnrollments(ctx, []*trainingv1.Enrollment{a1, b1}, retry)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]*trainingv1.Enrollment{a1, b1}, created, recIgnoreEtag); d != "" || len(skipped) != 0 {
		t.Fatalf("created (-want +got):\n%s\nskipped %v", d, skipped)
	}
	if created[0].GetEtag() == "" {
		t.Fatal("created enrollment has no etag")
	}

	t.Run("create", func(t *testing.T) {
		for _, tc := range []struct {
			name        string
			es          []*trainingv1.Enrollment
			retry       training.Retry
			wantCreated []string
			wantSkipped []string
			wantErr     error
		}{
			{name: "retry returns the first call's", es: []*trainingv1.Enrollment{newRecEnrollment(recAnna, "x1", recC1, "2026-12-10", recT0)},
				retry: retry, wantCreated: []string{a1.GetName(), b1.GetName()}},
			{name: "retry of another request", es: []*trainingv1.Enrollment{newRecEnrollment(recAnna, "x2", recC2, "2026-12-10", recT0)},
				retry: training.Retry{Caller: retry.Caller, ID: retry.ID, Fingerprint: []byte("other"), Time: recT0}, wantErr: training.ErrRetryReused},
			{name: "open enrollment is skipped", es: []*trainingv1.Enrollment{
				newRecEnrollment(recAnna, "x3", recC1, "2026-12-10", recT0), newRecEnrollment(recBen, "x4", recC2, "2026-12-10", recT0),
			}, wantCreated: []string{recBen + "/enrollments/x4"}, wantSkipped: []string{recAnna}},
			{name: "deactivated officer", es: []*trainingv1.Enrollment{
				newRecEnrollment(recAnna, "x5", recC2, "2026-12-10", recT0), newRecEnrollment(recGone, "x6", recC2, "2026-12-10", recT0),
			}, wantErr: errs.NotFound},
			{name: "unknown officer", es: []*trainingv1.Enrollment{newRecEnrollment("agencies/metro/officers/nobody", "x7", recC2, "2026-12-10", recT0)}, wantErr: errs.NotFound},
			{name: "retired course", es: []*trainingv1.Enrollment{newRecEnrollment(recAnna, "x8", recRetired, "2026-12-10", recT0)}, wantErr: errs.NotFound},
			{name: "unknown course", es: []*trainingv1.Enrollment{newRecEnrollment(recAnna, "x9", "agencies/metro/courses/none", "2026-12-10", recT0)}, wantErr: errs.NotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				created, skipped, err := s.CreateEnrollments(ctx, tc.es, tc.retry)
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				var names []string
				for _, e := range created {
					names = append(names, e.GetName())
				}
				if d := cmp.Diff(tc.wantCreated, names); d != "" {
					t.Fatalf("created (-want +got):\n%s", d)
				}
				if d := cmp.Diff(tc.wantSkipped, skipped); d != "" {
					t.Fatalf("skipped (-want +got):\n%s", d)
				}
				if tc.wantErr != nil {
					// Nothing of a failed call is stored.
					for _, e := range tc.es {
						if _, err := s.Enrollment(ctx, e.GetName()); !errors.Is(err, errs.NotFound) {
							t.Fatalf("%s after a failed create: %v", e.GetName(), err)
						}
					}
				}
			})
		}
	})

	t.Run("get", func(t *testing.T) {
		got, err := s.Enrollment(ctx, a1.GetName())
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(a1, got, recIgnoreEtag); d != "" {
			t.Fatalf("(-want +got):\n%s", d)
		}
		if _, err := s.Enrollment(ctx, recAnna+"/enrollments/none"); !errors.Is(err, errs.NotFound) {
			t.Fatalf("missing enrollment: %v", err)
		}
	})

	t.Run("list", func(t *testing.T) {
		for _, tc := range []struct {
			name, parent string
			size         int
			keep         func(*trainingv1.Enrollment) bool
			want         []string
		}{
			{"officer", recAnna, 10, nil, []string{a1.GetName()}},
			{"agency by due, then name", "agencies/metro/officers/-", 10, nil, []string{b1.GetName(), a1.GetName(), recBen + "/enrollments/x4"}},
			{"agency by pages", "agencies/metro/officers/-", 1, nil, []string{b1.GetName(), a1.GetName(), recBen + "/enrollments/x4"}},
			{"kept only", "agencies/metro/officers/-", 1, func(e *trainingv1.Enrollment) bool { return e.GetCourse() == recC1 }, []string{b1.GetName(), a1.GetName()}},
			{"other agency", "agencies/other/officers/-", 10, nil, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var got []string
				page := training.Page{Size: tc.size}
				for range 10 {
					es, next, err := s.ListEnrollments(ctx, tc.parent, page, tc.keep)
					if err != nil {
						t.Fatal(err)
					}
					if len(es) > tc.size {
						t.Fatalf("page of %d, want at most %d", len(es), tc.size)
					}
					for _, e := range es {
						got = append(got, e.GetName())
					}
					if next == nil {
						break
					}
					page.After = next
				}
				if d := cmp.Diff(tc.want, got); d != "" {
					t.Fatalf("(-want +got):\n%s", d)
				}
			})
		}
	})

	t.Run("update", func(t *testing.T) {
		before, err := s.Enrollment(ctx, b1.GetName())
		if err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		if _, err := s.UpdateEnrollment(ctx, b1.GetName(), func(e *trainingv1.Enrollment) error {
			e.State = trainingv1.Enrollment_STATE_CANCELLED
			return boom
		}); !errors.Is(err, boom) {
			t.Fatalf("failing mutate: %v", err)
		}
		if after, _ := s.Enrollment(ctx, b1.GetName()); !proto.Equal(before, after) {
			t.Fatal("a failing mutate changed the enrollment")
		}
		got, err := s.UpdateEnrollment(ctx, b1.GetName(), func(e *trainingv1.Enrollment) error {
			e.State = trainingv1.Enrollment_STATE_IN_PROGRESS
			e.CompletedModules = []string{"intro"}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.GetEtag() == before.GetEtag() || got.GetState() != trainingv1.Enrollment_STATE_IN_PROGRESS {
			t.Fatalf("updated: %v", got)
		}
		if _, err := s.UpdateEnrollment(ctx, recBen+"/enrollments/none", func(*trainingv1.Enrollment) error { return nil }); !errors.Is(err, errs.NotFound) {
			t.Fatalf("missing enrollment: %v", err)
		}
	})

	t.Run("cancelling reopens the course and restores the assignment", func(t *testing.T) {
		// Anna completes c2, is enrolled again later, and that enrollment
		// is cancelled: her assignment in c2 is the completed one again.
		first := newRecEnrollment(recAnna, "c2a", recC2, "2026-12-05", recT0)
		if _, _, err := s.CreateEnrollments(ctx, []*trainingv1.Enrollment{first}, training.Retry{}); err != nil {
			t.Fatal(err)
		}
		setState(t, s, first.GetName(), trainingv1.Enrollment_STATE_COMPLETED)
		second := newRecEnrollment(recAnna, "c2b", recC2, "2027-01-05", recT0.Add(time.Hour))
		if _, _, err := s.CreateEnrollments(ctx, []*trainingv1.Enrollment{second}, training.Retry{}); err != nil {
			t.Fatal(err)
		}
		wantAssignment(t, s, recAnna, recC2, &training.Assignment{DueDate: "2027-01-05", AssignTime: recT0.Add(time.Hour), Open: true})
		setState(t, s, second.GetName(), trainingv1.Enrollment_STATE_CANCELLED)
		wantAssignment(t, s, recAnna, recC2, &training.Assignment{DueDate: "2026-12-05", AssignTime: recT0, Open: false})
		third := newRecEnrollment(recAnna, "c2c", recC2, "2027-02-05", recT0.Add(2*time.Hour))
		created, skipped, err := s.CreateEnrollments(ctx, []*trainingv1.Enrollment{third}, training.Retry{})
		if err != nil || len(created) != 1 || len(skipped) != 0 {
			t.Fatalf("enrolling again after cancelling: %v, %v, %v", created, skipped, err)
		}
	})

	t.Run("retiring a course cancels its open enrollments", func(t *testing.T) {
		if _, err := s.UpdateCourse(ctx, recC1, func(c *trainingv1.Course) error {
			c.DeleteTime = timestamppb.New(recT0.Add(24 * time.Hour))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{a1.GetName(), b1.GetName()} {
			e, err := s.Enrollment(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			if e.GetState() != trainingv1.Enrollment_STATE_CANCELLED || e.GetCancelReason() != "course retired" {
				t.Fatalf("%s after retiring its course: %v", name, e)
			}
		}
		wantAssignment(t, s, recAnna, recC1, nil)
		if e, _ := s.Enrollment(ctx, recBen+"/enrollments/x4"); e.GetState() != trainingv1.Enrollment_STATE_ASSIGNED {
			t.Fatalf("an enrollment in another course: %v", e)
		}
	})
}

// setState changes an enrollment's state.
func setState(t *testing.T, s training.Store, name string, state trainingv1.Enrollment_State) {
	t.Helper()
	if _, err := s.UpdateEnrollment(t.Context(), name, func(e *trainingv1.Enrollment) error {
		e.State = state
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// wantAssignment checks an officer's assignment in a course as
// compliance reads it (nil for none).
func wantAssignment(t *testing.T, s training.Store, officer, course string, want *training.Assignment) {
	t.Helper()
	standings, _, err := s.Standings(t.Context(), "agencies/metro", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range standings {
		if st.Officer.GetName() != officer {
			continue
		}
		got, ok := st.Assignments[course]
		var gotp *training.Assignment
		if ok {
			gotp = &got
		}
		if d := cmp.Diff(want, gotp, cmpopts.EquateApproxTime(0)); d != "" {
			t.Fatalf("assignment of %s in %s (-want +got):\n%s", officer, course, d)
		}
		return
	}
	t.Fatalf("no standing of %s", officer)
}
