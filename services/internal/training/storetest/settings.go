package storetest

import (
	"errors"
	"testing"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// testSettings checks that settings start absent, start from the base the
// first time they change, and get a new etag with every change.
func testSettings(t *testing.T, open Opener) {
	s := open(t)
	const agency = "agencies/metro"
	got, err := s.Settings(t.Context(), agency)
	if err != nil || got != nil {
		t.Fatalf("settings before any: %v, %v; want nil", got, err)
	}
	base := &trainingv1.TrainingSettings{Name: agency + "/trainingSettings", AnnualCreditHoursTarget: 40}
	var seen *trainingv1.TrainingSettings
	first, err := s.UpdateSettings(t.Context(), agency, base, func(st *trainingv1.TrainingSettings) error {
		seen = st
		if st.GetAnnualCreditHoursTarget() != 40 {
			t.Errorf("mutate got %v, want the base", st)
		}
		st.AnnualCreditHoursTarget, st.UpdateTime = 24, timestamppb.New(catT0)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen == base || base.GetAnnualCreditHoursTarget() != 40 {
		t.Fatal("mutate changed the base instead of a copy")
	}
	want := &trainingv1.TrainingSettings{Name: base.GetName(), AnnualCreditHoursTarget: 24, UpdateTime: timestamppb.New(catT0), Etag: first.GetEtag()}
	if first.GetEtag() == "" {
		t.Fatal("stored settings have no etag")
	}
	read, err := s.Settings(t.Context(), agency)
	if err != nil {
		t.Fatal(err)
	}
	for what, got := range map[string]*trainingv1.TrainingSettings{"updated": first, "read": read} {
		if d := cmp.Diff(want, got, protocmp.Transform()); d != "" {
			t.Fatalf("%s (-want +got):\n%s", what, d)
		}
	}

	refuse := errors.New("refused")
	if _, err := s.UpdateSettings(t.Context(), agency, base, func(st *trainingv1.TrainingSettings) error {
		st.AnnualCreditHoursTarget = 1
		return refuse
	}); !errors.Is(err, refuse) {
		t.Fatalf("refused update: %v, want the mutate error", err)
	}
	second, err := s.UpdateSettings(t.Context(), agency, base, func(st *trainingv1.TrainingSettings) error {
		if st.GetAnnualCreditHoursTarget() != 24 {
			t.Errorf("second mutate got %v, want the stored settings", st)
		}
		st.AnnualCreditHoursTarget = 30
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if second.GetEtag() == first.GetEtag() {
		t.Fatalf("etag %s did not change", second.GetEtag())
	}
	if other, err := s.Settings(t.Context(), "agencies/other"); err != nil || other != nil {
		t.Fatalf("another agency's settings: %v, %v; want nil", other, err)
	}
}
