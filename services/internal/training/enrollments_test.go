package training_test

import (
	"testing"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/training"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
)

func TestEnrollmentFlow(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	e := w.enroll(t, anna, c1, "2026-12-31")
	_, err := w.records.CreateEnrollment(w.trainer.ctx(t), &trainingv1.CreateEnrollmentRequest{
		Parent: anna, Enrollment: &trainingv1.Enrollment{Course: c1, DueDate: "2027-01-31"},
	})
	wantCode(t, "a second open enrollment", err, codes.AlreadyExists)

	// Anna works through the course herself.
	progress := func(module, etag string) (*trainingv1.Enrollment, error) {
		return w.records.RecordEnrollmentProgress(w.anna.ctx(t), &trainingv1.RecordEnrollmentProgressRequest{Name: e.GetName(), Module: module, Etag: etag})
	}
	_, err = progress("intro", `"999"`)
	wantCode(t, "stale etag", err, codes.FailedPrecondition)
	got, err := progress("intro", e.GetEtag())
	must(t, "progress", err)
	if got.GetState() != trainingv1.Enrollment_STATE_IN_PROGRESS || !proto.Equal(got, mustProgress(t, progress, "intro")) {
		t.Fatalf("after intro, twice: %v", got)
	}
	complete := func(score int32, requestID string) (*trainingv1.Enrollment, error) {
		return w.records.CompleteEnrollment(w.anna.ctx(t), &trainingv1.CompleteEnrollmentRequest{Name: e.GetName(), Score: proto.Int32(score), RequestId: requestID})
	}
	_, err = complete(95, "")
	wantCode(t, "a module not done", err, codes.FailedPrecondition)
	got = mustProgress(t, progress, "practice")
	diff(t, "modules", got.GetCompletedModules(), []string{"intro", "practice"})

	// She fails, then passes; the passing call is retried.
	w.clock.Advance(time.Hour)
	got, err = complete(60, "")
	must(t, "fail", err)
	if got.GetState() != trainingv1.Enrollment_STATE_IN_PROGRESS || got.GetAttemptCount() != 1 || got.GetLastScore() != 60 || got.GetCertification() != "" {
		t.Fatalf("after failing: %v", got)
	}
	w.clock.Advance(time.Hour)
	const rid = "0f8d9a4e-4a43-4d2b-9f3e-3c6b2b8f9e11"
	passed, err := complete(85, rid)
	must(t, "pass", err)
	again, err := complete(85, rid)
	must(t, "retry", err)
	diff(t, "retry", again, passed)
	if passed.GetState() != trainingv1.Enrollment_STATE_COMPLETED || passed.GetAttemptCount() != 2 || passed.GetCertification() == "" || passed.GetCompleteTime() == nil {
		t.Fatalf("after passing: %v", passed)
	}
	_, err = complete(99, "")
	wantCode(t, "a completed enrollment", err, codes.FailedPrecondition)
	_, err = progress("intro", "")
	wantCode(t, "progress on a completed enrollment", err, codes.FailedPrecondition)

	cert, err := w.records.GetCertification(w.anna.ctx(t), &trainingv1.GetCertificationRequest{Name: passed.GetCertification()})
	must(t, "certification", err)
	diff(t, "certification", cert, &trainingv1.Certification{
		Course: c1, CourseTitle: "De-escalation", Score: proto.Int32(85), CreditHours: 4,
		CompletionDate: today, ExpireDate: "2027-11-23", State: trainingv1.Certification_STATE_CURRENT, Source: e.GetName(),
	}, ignoreGenerated)

	// Each attempt is a completion, counted once, with hours only when
	// passed.
	diff(t, "completions", w.completions(t), []training.Completion{
		{Officer: anna, Account: "accounts/anna", Course: c1, Title: "De-escalation", Source: e.GetName(),
			Score: 60, PassMark: 70, Date: today, Time: start.Add(time.Hour)},
		{Officer: anna, Account: "accounts/anna", Course: c1, Title: "De-escalation", Source: e.GetName(),
			Score: 85, PassMark: 70, Passed: true, CreditHours: 4, Date: today, Time: start.Add(2 * time.Hour)},
	}, cmpopts.IgnoreFields(training.Completion{}, "ID"), cmpopts.EquateApproxTime(0))

	// Completing opens the course to a new enrollment; cancelling closes
	// one for good.
	next := w.enroll(t, anna, c1, "2027-11-01")
	cancel := &trainingv1.CancelEnrollmentRequest{Name: next.GetName(), Reason: "duplicate", Etag: next.GetEtag()}
	cancelled, err := w.records.CancelEnrollment(w.trainer.ctx(t), cancel)
	must(t, "cancel", err)
	if cancelled.GetState() != trainingv1.Enrollment_STATE_CANCELLED || cancelled.GetCancelReason() != "duplicate" {
		t.Fatalf("cancelled: %v", cancelled)
	}
	_, err = w.records.CancelEnrollment(w.trainer.ctx(t), &trainingv1.CancelEnrollmentRequest{Name: next.GetName()})
	wantCode(t, "cancel twice", err, codes.FailedPrecondition)
	_, err = w.records.CancelEnrollment(w.anna.ctx(t), &trainingv1.CancelEnrollmentRequest{Name: e.GetName()})
	wantCode(t, "an officer cancelling", err, codes.PermissionDenied)
}

// mustProgress records a module done and returns the enrollment.
func mustProgress(t *testing.T, progress func(module, etag string) (*trainingv1.Enrollment, error), module string) *trainingv1.Enrollment {
	t.Helper()
	e, err := progress(module, "")
	must(t, "progress "+module, err)
	return e
}

func TestEnrollmentAccess(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	annas := w.enroll(t, anna, c1, "2026-12-31")
	bens := w.enroll(t, ben, c2, "2026-12-31")
	olgas, err := w.records.CreateEnrollment(w.otherTrainer.ctx(t), &trainingv1.CreateEnrollmentRequest{
		Parent: olga, Enrollment: &trainingv1.Enrollment{Course: "agencies/other/courses/oc", DueDate: "2026-12-31"},
	})
	must(t, "enroll olga", err)

	for _, tc := range []struct {
		name string
		u    *user
		enr  *trainingv1.Enrollment
		code codes.Code
	}{
		{"own", w.anna, annas, codes.OK},
		{"a colleague's", w.anna, bens, codes.NotFound},
		{"trainer", w.trainer, bens, codes.OK},
		{"trainer of another agency", w.otherTrainer, annas, codes.NotFound},
		{"trainer of another agency, their own", w.otherTrainer, olgas, codes.OK},
		{"resident", w.resident, annas, codes.NotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.records.GetEnrollment(tc.u.ctx(t), &trainingv1.GetEnrollmentRequest{Name: tc.enr.GetName()})
			wantCode(t, "get", err, tc.code)
			_, err = w.records.RecordEnrollmentProgress(tc.u.ctx(t), &trainingv1.RecordEnrollmentProgressRequest{Name: tc.enr.GetName(), Module: "intro"})
			if tc.code != codes.OK {
				wantCode(t, "progress", err, tc.code)
			}
			_, err = w.records.CompleteEnrollment(tc.u.ctx(t), &trainingv1.CompleteEnrollmentRequest{Name: tc.enr.GetName(), Score: proto.Int32(100)})
			if tc.code != codes.OK {
				wantCode(t, "complete", err, tc.code)
			}
		})
	}

	for _, tc := range []struct {
		name, parent string
		u            *user
		want         []string
		code         codes.Code
	}{
		{"own", anna, w.anna, []string{annas.GetName()}, codes.OK},
		{"a colleague's", ben, w.anna, nil, codes.NotFound},
		{"the agency's, as an officer", allMetro, w.anna, nil, codes.NotFound},
		{"the agency's, as a trainer", allMetro, w.trainer, []string{annas.GetName(), bens.GetName()}, codes.OK},
		{"another agency's", allMetro, w.otherTrainer, nil, codes.NotFound},
		{"resident", anna, w.resident, nil, codes.NotFound},
	} {
		t.Run("list "+tc.name, func(t *testing.T) {
			resp, err := w.records.ListEnrollments(tc.u.ctx(t), &trainingv1.ListEnrollmentsRequest{Parent: tc.parent})
			wantCode(t, "list", err, tc.code)
			var got []string
			for _, e := range resp.GetEnrollments() {
				got = append(got, e.GetName())
			}
			diff(t, "enrollments", got, tc.want, cmpopts.SortSlices(func(a, b string) bool { return a < b }))
		})
	}
}

func TestEnrollmentBadInput(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	e := w.enroll(t, anna, c1, "2026-12-31")
	tr := w.trainer.ctx(t)
	for _, tc := range []struct {
		name  string
		call  func() error
		field string
	}{
		{"no such due day", func() error {
			_, err := w.records.CreateEnrollment(tr, &trainingv1.CreateEnrollmentRequest{Parent: ben, Enrollment: &trainingv1.Enrollment{Course: c1, DueDate: "2026-02-30"}})
			return err
		}, "enrollment.due_date"},
		{"no course", func() error {
			_, err := w.records.CreateEnrollment(tr, &trainingv1.CreateEnrollmentRequest{Parent: ben, Enrollment: &trainingv1.Enrollment{DueDate: today}})
			return err
		}, "enrollment.course"},
		{"a course of another agency", func() error {
			_, err := w.records.CreateEnrollment(tr, &trainingv1.CreateEnrollmentRequest{Parent: ben, Enrollment: &trainingv1.Enrollment{Course: "agencies/other/courses/oc", DueDate: today}})
			return err
		}, "enrollment.course"},
		{"score 101", func() error {
			_, err := w.records.CompleteEnrollment(tr, &trainingv1.CompleteEnrollmentRequest{Name: e.GetName(), Score: proto.Int32(101)})
			return err
		}, "score"},
		{"no score", func() error {
			_, err := w.records.CompleteEnrollment(tr, &trainingv1.CompleteEnrollmentRequest{Name: e.GetName()})
			return err
		}, "score"},
		{"unknown module", func() error {
			_, err := w.records.RecordEnrollmentProgress(tr, &trainingv1.RecordEnrollmentProgressRequest{Name: e.GetName(), Module: "advanced"})
			return err
		}, "module"},
		{"bad filter", func() error {
			_, err := w.records.ListEnrollments(tr, &trainingv1.ListEnrollmentsRequest{Parent: allMetro, Filter: "due_date = 1"})
			return err
		}, "filter"},
	} {
		wantField(t, tc.name, tc.call(), tc.field)
	}
	got, err := w.records.GetEnrollment(tr, &trainingv1.GetEnrollmentRequest{Name: e.GetName()})
	must(t, "get", err)
	diff(t, "enrollment after bad requests", got, e)
	diff(t, "enrollments", w.allEnrollments(t), []string{e.GetName()})
}

func TestEnrollmentOverdue(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	dueToday := w.enroll(t, anna, c1, today)
	dueLater := w.enroll(t, ben, c2, "2026-11-30")
	check := func(what string, wantOverdue []string) {
		t.Helper()
		got, err := w.records.GetEnrollment(w.trainer.ctx(t), &trainingv1.GetEnrollmentRequest{Name: dueToday.GetName()})
		must(t, what, err)
		if got.GetOverdue() != (len(wantOverdue) > 0) {
			t.Fatalf("%s: overdue %v", what, got.GetOverdue())
		}
		resp, err := w.records.ListEnrollments(w.trainer.ctx(t), &trainingv1.ListEnrollmentsRequest{
			Parent: allMetro, Filter: "overdue = true",
		})
		must(t, what, err)
		var names []string
		for _, e := range resp.GetEnrollments() {
			names = append(names, e.GetName())
		}
		diff(t, what, names, wantOverdue, cmpopts.EquateEmpty())
	}
	check("due today", nil)
	w.advanceTo(t, "2026-11-24")
	check("due yesterday", []string{dueToday.GetName()})
	// A completed enrollment is never overdue.
	_, err := w.records.CompleteEnrollment(w.trainer.ctx(t), &trainingv1.CompleteEnrollmentRequest{Name: dueLater.GetName(), Score: proto.Int32(10)})
	must(t, "complete", err)
	w.advanceTo(t, "2026-12-01")
	check("a week later, only the open one", []string{dueToday.GetName()})
}
