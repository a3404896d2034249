package training_test

import (
	"slices"
	"testing"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"google.golang.org/grpc/codes"
)

func TestAssignCourse(t *testing.T) {
	t.Parallel()

	t.Run("a unit, then officers, then a retry", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		ctx := w.trainer.ctx(t)
		resp, err := w.courses.AssignCourse(ctx, &trainingv1.AssignCourseRequest{
			Name: c1, Unit: "north", DueDate: "2026-12-31", Reason: "annual",
		})
		must(t, "assign north", err)
		// Every active officer of north, and only them.
		var officers []string
		for _, e := range resp.GetEnrollments() {
			officers = append(officers, officerOf(e.GetName()))
			diff(t, "enrollment", e, &trainingv1.Enrollment{
				Course: c1, CourseTitle: "De-escalation", DueDate: "2026-12-31", Reason: "annual",
				State: trainingv1.Enrollment_STATE_ASSIGNED, Assigner: w.trainer.name(),
			}, ignoreGenerated)
		}
		slices.Sort(officers)
		diff(t, "officers", officers, []string{anna, ben, tina})
		if len(resp.GetSkippedOfficers()) != 0 {
			t.Fatalf("skipped %v", resp.GetSkippedOfficers())
		}

		req := &trainingv1.AssignCourseRequest{
			Name: c1, Officers: []string{anna, carl}, DueDate: today, RequestId: "5b0f6f3e-1f7b-4c1a-9a55-6d5c7b3f1a10",
		}
		first, err := w.courses.AssignCourse(ctx, req)
		must(t, "assign officers", err)
		if len(first.GetEnrollments()) != 1 || officerOf(first.GetEnrollments()[0].GetName()) != carl {
			t.Fatalf("created %v, want Carl's only", first.GetEnrollments())
		}
		diff(t, "skipped", first.GetSkippedOfficers(), []string{anna})
		again, err := w.courses.AssignCourse(ctx, req)
		must(t, "retry", err)
		diff(t, "retry", again, first)
		if n := len(w.allEnrollments(t)); n != 4 {
			t.Fatalf("%d enrollments, want 4", n)
		}
	})

	t.Run("bad requests store nothing", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		for _, tc := range []struct {
			name  string
			req   *trainingv1.AssignCourseRequest
			field string
		}{
			{"officers and unit", &trainingv1.AssignCourseRequest{Name: c1, Officers: []string{anna}, Unit: "north", DueDate: today}, "unit"},
			{"neither", &trainingv1.AssignCourseRequest{Name: c1, DueDate: today}, "officers"},
			{"no such day", &trainingv1.AssignCourseRequest{Name: c1, Unit: "north", DueDate: "2026-02-30"}, "due_date"},
			{"due yesterday", &trainingv1.AssignCourseRequest{Name: c1, Unit: "north", DueDate: "2026-11-22"}, "due_date"},
			{"officer of another agency", &trainingv1.AssignCourseRequest{Name: c1, Officers: []string{anna, olga}, DueDate: today}, "officers"},
		} {
			_, err := w.courses.AssignCourse(w.trainer.ctx(t), tc.req)
			wantField(t, tc.name, err, tc.field)
		}
		for _, tc := range []struct {
			name string
			req  *trainingv1.AssignCourseRequest
			code codes.Code
		}{
			{"unknown course", &trainingv1.AssignCourseRequest{Name: "agencies/metro/courses/none", Unit: "north", DueDate: today}, codes.NotFound},
			{"retired course", &trainingv1.AssignCourseRequest{Name: retired, Unit: "north", DueDate: today}, codes.FailedPrecondition},
			{"deactivated officer", &trainingv1.AssignCourseRequest{Name: c1, Officers: []string{anna, gone}, DueDate: today}, codes.NotFound},
			{"unknown officer", &trainingv1.AssignCourseRequest{Name: c1, Officers: []string{"agencies/metro/officers/nobody"}, DueDate: today}, codes.NotFound},
		} {
			_, err := w.courses.AssignCourse(w.trainer.ctx(t), tc.req)
			wantCode(t, tc.name, err, tc.code)
		}
		if got := w.allEnrollments(t); len(got) != 0 {
			t.Fatalf("stored %v", got)
		}
	})

	t.Run("only the agency's trainers", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		req := &trainingv1.AssignCourseRequest{Name: c1, Unit: "north", DueDate: today}
		for _, u := range []*user{w.anna, w.resident, w.otherTrainer} {
			_, err := w.courses.AssignCourse(u.ctx(t), req)
			wantCode(t, u.name(), err, codes.PermissionDenied)
		}
		if got := w.allEnrollments(t); len(got) != 0 {
			t.Fatalf("stored %v", got)
		}
	})
}
