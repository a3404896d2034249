package training_test

import (
	"testing"
	"time"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestTrainingSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	trainer := e.trainer("trainer", "metro")
	const name = "agencies/metro/trainingSettings"

	defaults, err := e.reports.GetTrainingSettings(trainer.ctx(t), &trainingv1.GetTrainingSettingsRequest{Name: name})
	must(t, "get the defaults", err)
	if defaults.GetAnnualCreditHoursTarget() != 40 || defaults.GetUpdateTime() != nil || defaults.GetEtag() == "" {
		t.Fatalf("defaults: %v", defaults)
	}
	officer := e.officerAccount("anna", "metro")
	read, err := e.reports.GetTrainingSettings(officer.ctx(t), &trainingv1.GetTrainingSettingsRequest{Name: name})
	must(t, "an officer reads the settings", err)
	diff(t, "the officer's read", read, defaults)

	e.clock.Advance(time.Hour)
	update := func(u *user, target float64, etag string) (*trainingv1.TrainingSettings, error) {
		return e.reports.UpdateTrainingSettings(u.ctx(t), &trainingv1.UpdateTrainingSettingsRequest{
			TrainingSettings: &trainingv1.TrainingSettings{Name: name, AnnualCreditHoursTarget: target, Etag: etag},
			UpdateMask:       &fieldmaskpb.FieldMask{Paths: []string{"annual_credit_hours_target"}},
		})
	}
	changed, err := update(trainer, 24, defaults.GetEtag())
	must(t, "update from the defaults' etag", err)
	diff(t, "updated", changed, &trainingv1.TrainingSettings{
		Name: name, AnnualCreditHoursTarget: 24, UpdateTime: timestamppb.New(start.Add(time.Hour)), Etag: changed.GetEtag(),
	})
	if changed.GetEtag() == defaults.GetEtag() {
		t.Fatal("the etag did not change")
	}
	_, err = update(trainer, 30, defaults.GetEtag())
	wantCode(t, "a stale etag", err, codes.FailedPrecondition)
	cleared, err := update(trainer, 0, "")
	must(t, "a target of zero", err)
	if cleared.GetAnnualCreditHoursTarget() != 0 {
		t.Fatalf("cleared to %v", cleared.GetAnnualCreditHoursTarget())
	}

	// The compliance report measures credit hours against the target.
	_, err = update(trainer, 12, "")
	must(t, "set 12", err)
	report, err := e.reports.GetTrainingCompliance(trainer.ctx(t), &trainingv1.GetTrainingComplianceRequest{Name: "agencies/metro/trainingCompliance"})
	must(t, "compliance", err)
	if report.GetCreditHoursTarget() != 12 {
		t.Fatalf("the report's target is %v, want 12", report.GetCreditHoursTarget())
	}
	// Another agency keeps its defaults.
	otherTrainer := e.trainer("ot", "other")
	other, err := e.reports.GetTrainingSettings(otherTrainer.ctx(t), &trainingv1.GetTrainingSettingsRequest{Name: "agencies/other/trainingSettings"})
	must(t, "other agency's settings", err)
	if other.GetAnnualCreditHoursTarget() != 40 {
		t.Fatalf("other agency's target %v", other.GetAnnualCreditHoursTarget())
	}

	for _, tc := range []struct {
		name   string
		target float64
		paths  []string
		field  string
	}{
		{"negative", -1, []string{"annual_credit_hours_target"}, "training_settings.annual_credit_hours_target"},
		{"too many", 1001, []string{"annual_credit_hours_target"}, "training_settings.annual_credit_hours_target"},
		{"unknown path", 10, []string{"target"}, "update_mask"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.reports.UpdateTrainingSettings(trainer.ctx(t), &trainingv1.UpdateTrainingSettingsRequest{
				TrainingSettings: &trainingv1.TrainingSettings{Name: name, AnnualCreditHoursTarget: tc.target},
				UpdateMask:       &fieldmaskpb.FieldMask{Paths: tc.paths},
			})
			wantField(t, tc.name, err, tc.field)
		})
	}
	now, err := e.reports.GetTrainingSettings(trainer.ctx(t), &trainingv1.GetTrainingSettingsRequest{Name: name})
	must(t, "get", err)
	if now.GetAnnualCreditHoursTarget() != 12 {
		t.Fatalf("refused updates changed the target to %v", now.GetAnnualCreditHoursTarget())
	}

	for _, tc := range []struct {
		name string
		u    *user
		want codes.Code
	}{
		{"officer updates", officer, codes.PermissionDenied},
		{"resident updates", e.resident("res"), codes.PermissionDenied},
		{"other agency's trainer updates", otherTrainer, codes.PermissionDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := update(tc.u, 1, "")
			wantCode(t, tc.name, err, tc.want)
		})
	}
	_, err = e.reports.GetTrainingSettings(e.resident("res").ctx(t), &trainingv1.GetTrainingSettingsRequest{Name: name})
	wantCode(t, "a resident reads", err, codes.PermissionDenied)
	_, err = e.reports.GetTrainingSettings(otherTrainer.ctx(t), &trainingv1.GetTrainingSettingsRequest{Name: name})
	wantCode(t, "another agency's trainer reads", err, codes.PermissionDenied)
}
