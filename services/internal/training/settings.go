package training

import (
	"context"
	"fmt"

	trainingv1 "github.com/engagehq/engage/api/gen/engage/training/v1"
	"github.com/engagehq/engage/services/internal/etag"
	"github.com/engagehq/engage/services/internal/fieldmask"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// An agency's training settings. Until a trainer changes them the defaults
// apply: they are shown with no update time and the etag of revision 0,
// which an update may send back like any other.

// settingsSingleton is the last segment of the settings' name.
const settingsSingleton = "trainingSettings"

// settingsFields are the settings' writable fields.
var settingsFields = []string{"annual_credit_hours_target"}

// defaultSettings are the settings of an agency that never changed them.
func defaultSettings(agency string) *trainingv1.TrainingSettings {
	return &trainingv1.TrainingSettings{
		Name:                    agencyName(agency) + "/" + settingsSingleton,
		AnnualCreditHoursTarget: DefaultAnnualCreditHoursTarget,
		Etag:                    etag.Format(0),
	}
}

// settings returns an agency's settings, the defaults when none are
// stored.
func (s *Service) settings(ctx context.Context, agency string) (*trainingv1.TrainingSettings, error) {
	st, err := s.store.Settings(ctx, agencyName(agency))
	if err != nil {
		return nil, fmt.Errorf("training settings of %s: %w", agency, err)
	}
	if st == nil {
		return defaultSettings(agency), nil
	}
	return st, nil
}

// creditHoursTarget returns the credit hours each officer of an agency
// (its id) should earn per calendar year.
func (s *Service) creditHoursTarget(ctx context.Context, agency string) (float64, error) {
	st, err := s.settings(ctx, agency)
	if err != nil {
		return 0, err
	}
	return st.GetAnnualCreditHoursTarget(), nil
}

// GetTrainingSettings returns the agency's training settings.
func (s *reportServer) GetTrainingSettings(ctx context.Context, req *trainingv1.GetTrainingSettingsRequest) (*trainingv1.TrainingSettings, error) {
	agency, err := parseSingleton("name", req.GetName(), settingsSingleton)
	if err != nil {
		return nil, err
	}
	if _, err := s.callerOf(ctx, agency); err != nil {
		return nil, err
	}
	return s.settings(ctx, agency)
}

// UpdateTrainingSettings changes the agency's training settings.
func (s *reportServer) UpdateTrainingSettings(ctx context.Context, req *trainingv1.UpdateTrainingSettingsRequest) (*trainingv1.TrainingSettings, error) {
	in := req.GetTrainingSettings()
	agency, err := parseSingleton("training_settings.name", in.GetName(), settingsSingleton)
	if err != nil {
		return nil, err
	}
	if _, err := s.callerOf(ctx, agency); err != nil {
		return nil, err
	}
	u, err := fieldmask.Resolve(req.GetUpdateMask(), in, settingsFields)
	if err != nil {
		return nil, err
	}
	now := timestamppb.New(s.now())
	st, err := s.store.UpdateSettings(ctx, agencyName(agency), defaultSettings(agency), func(st *trainingv1.TrainingSettings) error {
		if err := etag.CheckCurrent("training_settings.etag", in.GetEtag(), st.GetEtag()); err != nil {
			return err
		}
		if err := u.CheckImmutable(in, func() proto.Message { return st }); err != nil {
			return err
		}
		fieldmask.Copy(st, in, u.Paths)
		st.UpdateTime = now
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update training settings of %s: %w", agency, err)
	}
	return st, nil
}
