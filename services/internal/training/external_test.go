package training_test

import (
	"testing"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/training"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/grpc/codes"
)

// submit submits external training for an officer as u.
func (w *world) submit(t *testing.T, u *user, officer, course string) *trainingv1.ExternalTraining {
	t.Helper()
	x, err := w.records.CreateExternalTraining(u.ctx(t), &trainingv1.CreateExternalTrainingRequest{
		Parent: officer,
		ExternalTraining: &trainingv1.ExternalTraining{
			Title: "Crisis intervention", Provider: "State academy", CompletionDate: "2026-01-31",
			CreditHours: 6.5, Course: course, EvidenceUri: "https://academy.example/cert/1",
		},
	})
	must(t, "submit", err)
	return x
}

func TestExternalTrainingApprove(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	x := w.submit(t, w.anna, anna, c2)
	diff(t, "submitted", x, &trainingv1.ExternalTraining{
		Title: "Crisis intervention", Provider: "State academy", CompletionDate: "2026-01-31", CreditHours: 6.5,
		Course: c2, EvidenceUri: "https://academy.example/cert/1", State: trainingv1.ExternalTraining_STATE_PENDING,
		Submitter: w.anna.name(),
	}, ignoreGenerated)

	w.clock.Advance(time.Hour)
	approved, err := w.records.ApproveExternalTraining(w.trainer.ctx(t), &trainingv1.ApproveExternalTrainingRequest{
		Name: x.GetName(), Note: "welcome", Etag: x.GetEtag(),
	})
	must(t, "approve", err)
	if approved.GetState() != trainingv1.ExternalTraining_STATE_APPROVED || approved.GetReviewer() != w.trainer.name() ||
		approved.GetReviewNote() != "welcome" || approved.GetCertification() == "" {
		t.Fatalf("approved: %v", approved)
	}
	_, err = w.records.ApproveExternalTraining(w.trainer.ctx(t), &trainingv1.ApproveExternalTrainingRequest{Name: x.GetName()})
	wantCode(t, "approve twice", err, codes.FailedPrecondition)

	// The certification dates from the training, expires on the course's
	// interval (31 January + 1 month) and carries the claimed hours.
	cert, err := w.records.GetCertification(w.anna.ctx(t), &trainingv1.GetCertificationRequest{Name: approved.GetCertification()})
	must(t, "certification", err)
	diff(t, "certification", cert, &trainingv1.Certification{
		Course: c2, CourseTitle: "Courtesy", CreditHours: 6.5, CompletionDate: "2026-01-31", ExpireDate: "2026-02-28",
		State: trainingv1.Certification_STATE_EXPIRED, Source: x.GetName(),
	}, ignoreGenerated)
	diff(t, "completions", w.completions(t), []training.Completion{{
		Officer: anna, Account: "accounts/anna", Course: c2, Title: "Crisis intervention", Source: x.GetName(),
		Score: -1, Passed: true, CreditHours: 6.5, Date: "2026-01-31", Time: start.Add(time.Hour),
	}}, cmpopts.IgnoreFields(training.Completion{}, "ID"), cmpopts.EquateApproxTime(0))

	// Training that names no course counts its hours without a
	// certification.
	y := w.submit(t, w.trainer, ben, "")
	approved, err = w.records.ApproveExternalTraining(w.trainer.ctx(t), &trainingv1.ApproveExternalTrainingRequest{Name: y.GetName()})
	must(t, "approve without a course", err)
	if approved.GetCertification() != "" || len(w.completions(t)) != 2 {
		t.Fatalf("approved without a course: %v, %d completions", approved, len(w.completions(t)))
	}
}

func TestExternalTrainingReject(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	x := w.submit(t, w.anna, anna, "")
	_, err := w.records.RejectExternalTraining(w.trainer.ctx(t), &trainingv1.RejectExternalTrainingRequest{Name: x.GetName()})
	wantField(t, "no reason", err, "reason")
	_, err = w.records.RejectExternalTraining(w.trainer.ctx(t), &trainingv1.RejectExternalTrainingRequest{Name: x.GetName(), Reason: "no", Etag: `"41"`})
	wantCode(t, "stale etag", err, codes.FailedPrecondition)
	rejected, err := w.records.RejectExternalTraining(w.trainer.ctx(t), &trainingv1.RejectExternalTrainingRequest{Name: x.GetName(), Reason: "no evidence"})
	must(t, "reject", err)
	if rejected.GetState() != trainingv1.ExternalTraining_STATE_REJECTED || rejected.GetReviewNote() != "no evidence" {
		t.Fatalf("rejected: %v", rejected)
	}
	_, err = w.records.ApproveExternalTraining(w.trainer.ctx(t), &trainingv1.ApproveExternalTrainingRequest{Name: x.GetName()})
	wantCode(t, "approve a rejected one", err, codes.FailedPrecondition)
	if n := len(w.completions(t)); n != 0 {
		t.Fatalf("%d completions after a rejection", n)
	}

	resp, err := w.records.ListExternalTrainings(w.anna.ctx(t), &trainingv1.ListExternalTrainingsRequest{Parent: anna, Filter: "state = REJECTED"})
	must(t, "list rejected", err)
	diff(t, "rejected", resp.GetExternalTrainings(), []*trainingv1.ExternalTraining{rejected})
	resp, err = w.records.ListExternalTrainings(w.anna.ctx(t), &trainingv1.ListExternalTrainingsRequest{Parent: anna, Filter: "state = PENDING"})
	must(t, "list pending", err)
	if len(resp.GetExternalTrainings()) != 0 {
		t.Fatalf("pending: %v", resp.GetExternalTrainings())
	}
}

func TestExternalTrainingOwnApproval(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// Tina is a trainer and, on the roster, an officer.
	x := w.submit(t, w.tina, tina, c2)
	_, err := w.records.ApproveExternalTraining(w.tina.ctx(t), &trainingv1.ApproveExternalTrainingRequest{Name: x.GetName()})
	wantCode(t, "approve own", err, codes.PermissionDenied)
	got, err := w.records.GetExternalTraining(w.tina.ctx(t), &trainingv1.GetExternalTrainingRequest{Name: x.GetName()})
	must(t, "get", err)
	diff(t, "after a refused approval", got, x)
	_, err = w.records.ApproveExternalTraining(w.trainer.ctx(t), &trainingv1.ApproveExternalTrainingRequest{Name: x.GetName()})
	must(t, "another trainer approves", err)
}

func TestExternalTrainingAccessAndInput(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	x := w.submit(t, w.anna, anna, "")
	for _, tc := range []struct {
		name string
		u    *user
		code codes.Code
	}{
		{"own", w.anna, codes.OK},
		{"a colleague", w.ben, codes.NotFound},
		{"trainer", w.trainer, codes.OK},
		{"trainer of another agency", w.otherTrainer, codes.NotFound},
		{"resident", w.resident, codes.NotFound},
	} {
		_, err := w.records.GetExternalTraining(tc.u.ctx(t), &trainingv1.GetExternalTrainingRequest{Name: x.GetName()})
		wantCode(t, "get "+tc.name, err, tc.code)
		_, err = w.records.ListExternalTrainings(tc.u.ctx(t), &trainingv1.ListExternalTrainingsRequest{Parent: anna})
		wantCode(t, "list "+tc.name, err, tc.code)
	}
	for _, u := range []*user{w.ben, w.resident} {
		_, err := w.records.CreateExternalTraining(u.ctx(t), &trainingv1.CreateExternalTrainingRequest{
			Parent:           anna,
			ExternalTraining: &trainingv1.ExternalTraining{Title: "t", Provider: "p", CompletionDate: today, CreditHours: 1},
		})
		wantCode(t, "submit for someone else as "+u.name(), err, codes.NotFound)
	}
	_, err := w.records.ApproveExternalTraining(w.anna.ctx(t), &trainingv1.ApproveExternalTrainingRequest{Name: x.GetName()})
	wantCode(t, "an officer approving", err, codes.PermissionDenied)

	for _, tc := range []struct {
		name  string
		x     *trainingv1.ExternalTraining
		field string
	}{
		{"tomorrow", &trainingv1.ExternalTraining{Title: "t", Provider: "p", CompletionDate: "2026-11-24", CreditHours: 1}, "external_training.completion_date"},
		{"no such day", &trainingv1.ExternalTraining{Title: "t", Provider: "p", CompletionDate: "2026-02-30", CreditHours: 1}, "external_training.completion_date"},
		{"a course of another agency", &trainingv1.ExternalTraining{Title: "t", Provider: "p", CompletionDate: today, CreditHours: 1, Course: "agencies/other/courses/oc"}, "external_training.course"},
		{"an unknown course", &trainingv1.ExternalTraining{Title: "t", Provider: "p", CompletionDate: today, CreditHours: 1, Course: "agencies/metro/courses/none"}, "external_training.course"},
		{"no hours", &trainingv1.ExternalTraining{Title: "t", Provider: "p", CompletionDate: today}, "external_training.credit_hours"},
	} {
		_, err := w.records.CreateExternalTraining(w.anna.ctx(t), &trainingv1.CreateExternalTrainingRequest{Parent: anna, ExternalTraining: tc.x})
		wantField(t, tc.name, err, tc.field)
	}
	resp, err := w.records.ListExternalTrainings(w.trainer.ctx(t), &trainingv1.ListExternalTrainingsRequest{Parent: allMetro})
	must(t, "list", err)
	diff(t, "stored", resp.GetExternalTrainings(), []*trainingv1.ExternalTraining{x})
}
