package feedback

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/resname"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The resource name patterns of the survey contract.
const (
	surveyAgencyPattern   = "agencies/{agency}"
	surveyPattern         = "agencies/{agency}/surveys/{survey}"
	surveyResponsePattern = "agencies/{agency}/surveys/{survey}/responses/{response}"
	contactEventPattern   = "agencies/{agency}/contactEvents/{contact_event}"
	trustIndexPattern     = "agencies/{agency}/trustIndex"
)

func parseSurveyAgency(field, name string) (string, error) {
	ids, err := resname.Split(field, name, surveyAgencyPattern)
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

func parseSurvey(field, name string) (SurveyKey, error) {
	ids, err := resname.Split(field, name, surveyPattern)
	if err != nil {
		return SurveyKey{}, err
	}
	return SurveyKey{Agency: ids[0], Survey: ids[1]}, nil
}

func parseSurveyResponse(field, name string) (SurveyResponseKey, error) {
	ids, err := resname.Split(field, name, surveyResponsePattern)
	if err != nil {
		return SurveyResponseKey{}, err
	}
	return SurveyResponseKey{SurveyKey: SurveyKey{Agency: ids[0], Survey: ids[1]}, Response: ids[2]}, nil
}

func parseContactEvent(field, name string) (ContactEventKey, error) {
	ids, err := resname.Split(field, name, contactEventPattern)
	if err != nil {
		return ContactEventKey{}, err
	}
	return ContactEventKey{Agency: ids[0], Event: ids[1]}, nil
}

// anonymousID returns 128 random bits as 26 lowercase base32 characters:
// an id that, unlike a UUIDv7, tells nothing of when it was made.
func anonymousID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics instead)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// surveyTimestamp converts t, leaving the zero time unset.
func surveyTimestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func surveyToProto(s Survey) *feedbackv1.Survey {
	out := &feedbackv1.Survey{
		Name: s.Key().Name(), Title: s.Title, Description: s.Description, Kind: s.Kind, State: s.State,
		ResponseCount: s.ResponseCount,
		CreateTime:    surveyTimestamp(s.CreateTime), UpdateTime: surveyTimestamp(s.UpdateTime),
		OpenTime: surveyTimestamp(s.OpenTime), CloseTime: surveyTimestamp(s.CloseTime),
		Etag: etagOf(s.Revision),
	}
	for _, q := range s.Questions {
		out.Questions = append(out.Questions, &feedbackv1.Question{
			Id: q.ID, Text: q.Text, Type: q.Type, Choices: q.Choices, Required: q.Required, Dimension: q.Dimension,
		})
	}
	return out
}

func responseToProto(r SurveyResponse) *feedbackv1.SurveyResponse {
	out := &feedbackv1.SurveyResponse{
		Name: r.Key().Name(), Area: r.Area, CreateTime: surveyTimestamp(r.CreateTime),
	}
	if r.Trust != nil {
		score := r.Trust.Score
		out.TrustScore = &score
	}
	for _, a := range r.Answers {
		pa := &feedbackv1.Answer{QuestionId: a.QuestionID, Choices: a.Choices, Text: a.Text}
		if a.Rating != nil {
			v := *a.Rating
			pa.Rating = &v
		}
		out.Answers = append(out.Answers, pa)
	}
	return out
}

// contactToProto converts a contact event; the token and link are set only
// by CreateContactEvent.
func contactToProto(e ContactEvent) *feedbackv1.ContactEvent {
	return &feedbackv1.ContactEvent{
		Name: e.Key().Name(), Survey: SurveyKey{Agency: e.Agency, Survey: e.Survey}.Name(),
		ContactType: e.ContactType, Ongoing: e.Ongoing, Area: e.Area, Outcome: e.Outcome,
		SuppressionReason:    e.SuppressionReason,
		InvitationExpireTime: surveyTimestamp(e.InvitationExpireTime),
		Reporter:             e.Reporter, CreateTime: surveyTimestamp(e.CreateTime),
	}
}
