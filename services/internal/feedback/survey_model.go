package feedback

import (
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
)

// SurveyKey identifies a survey.
type SurveyKey struct{ Agency, Survey string }

// Name returns the survey's resource name.
func (k SurveyKey) Name() string { return "agencies/" + k.Agency + "/surveys/" + k.Survey }

// SurveyResponseKey identifies an answer to a survey.
type SurveyResponseKey struct {
	SurveyKey
	Response string
}

// Name returns the answer's resource name.
func (k SurveyResponseKey) Name() string { return k.SurveyKey.Name() + "/responses/" + k.Response }

// ContactEventKey identifies a contact event.
type ContactEventKey struct{ Agency, Event string }

// Name returns the contact event's resource name.
func (k ContactEventKey) Name() string { return "agencies/" + k.Agency + "/contactEvents/" + k.Event }

// Survey is a survey an agency asks residents to answer.
type Survey struct {
	Agency, ID    string
	Title         string
	Description   string
	Kind          feedbackv1.Survey_Kind
	Questions     []Question
	State         feedbackv1.Survey_State
	ResponseCount int64
	CreateTime    time.Time
	UpdateTime    time.Time
	OpenTime      time.Time
	CloseTime     time.Time
	Revision      int64
}

// Key returns the survey's key.
func (s Survey) Key() SurveyKey { return SurveyKey{Agency: s.Agency, Survey: s.ID} }

// Question is a question of a survey.
type Question struct {
	ID        string
	Text      string
	Type      feedbackv1.Question_Type
	Choices   []string
	Required  bool
	Dimension feedbackv1.TrustDimension
}

// Answer is the answer to one question; only the field of the question's
// type is set.
type Answer struct {
	QuestionID string
	Rating     *int32
	Choices    []string
	Text       string
}

// SurveyResponse is an anonymous answer to a survey. It holds nothing that
// identifies the respondent: its ID is 128 random bits and its CreateTime
// is rounded down to the hour.
type SurveyResponse struct {
	Agency, Survey, ID string
	Answers            []Answer
	Area               string
	// Trust is the respondent's Trust-Index contribution; nil when they
	// rated no question that carries a dimension. Only its Score is
	// stored with the answer.
	Trust      *TrustContribution
	CreateTime time.Time
}

// Key returns the answer's key.
func (r SurveyResponse) Key() SurveyResponseKey {
	return SurveyResponseKey{SurveyKey: SurveyKey{Agency: r.Agency, Survey: r.Survey}, Response: r.ID}
}

// TrustContribution is what one respondent adds to the Trust Index.
type TrustContribution struct {
	// Score is the mean of their dimension ratings × 10 (0–100).
	Score float64
	// Rated tells which dimensions they rated and Dimensions their mean
	// rating of each (0–10), indexed by dimension - 1.
	Rated      [TrustDimensions]bool
	Dimensions [TrustDimensions]float64
}

// ContactEvent is a contact between an agency and a resident, reported by a
// partner. It holds no reference to its invitation.
type ContactEvent struct {
	Agency, ID        string
	Survey            string // the survey's id, in the same agency
	ContactType       feedbackv1.ContactEvent_ContactType
	Ongoing           bool
	Area              string
	Outcome           feedbackv1.ContactEvent_Outcome
	SuppressionReason string
	// InvitationExpireTime is when its invitation stops working; zero
	// when suppressed.
	InvitationExpireTime time.Time
	Reporter             string
	CreateTime           time.Time
}

// Key returns the contact event's key.
func (e ContactEvent) Key() ContactEventKey { return ContactEventKey{Agency: e.Agency, Event: e.ID} }

// Invitation is a post-contact survey invitation as issued. The store keeps
// it by a hash of Token, with the survey, area and expiry only.
type Invitation struct {
	Token      string
	Agency     string
	Survey     string // the survey's id
	Area       string
	ExpireTime time.Time
}
