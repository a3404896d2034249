package boltstore

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/feedback"
)

// The stored forms of surveys, answers, contact events, invitations and
// retries. They are separate from the domain types so that renaming a Go
// field never changes the file format. Enums are stored by name.

type questionRecord struct {
	ID        string   `json:"id"`
	Text      string   `json:"text"`
	Type      string   `json:"type"`
	Choices   []string `json:"choices,omitempty"`
	Required  bool     `json:"required,omitempty"`
	Dimension string   `json:"dimension,omitempty"`
}

type surveyRecord struct {
	Agency      string           `json:"agency"`
	ID          string           `json:"id"`
	Title       string           `json:"title"`
	Description string           `json:"description,omitempty"`
	Kind        string           `json:"kind"`
	Questions   []questionRecord `json:"questions"`
	State       string           `json:"state"`
	// ResponseCount is read from surveys stored before the count moved
	// to its own key (responseCountKey), and never written.
	ResponseCount int64     `json:"response_count,omitempty"`
	CreateTime    time.Time `json:"create_time"`
	UpdateTime    time.Time `json:"update_time,omitzero"`
	OpenTime      time.Time `json:"open_time,omitzero"`
	CloseTime     time.Time `json:"close_time,omitzero"`
	Revision      int64     `json:"revision"`
}

func toSurveyRecord(s feedback.Survey) surveyRecord {
	r := surveyRecord{
		Agency: s.Agency, ID: s.ID, Title: s.Title, Description: s.Description,
		Kind: s.Kind.String(), State: s.State.String(),
		CreateTime: s.CreateTime, UpdateTime: s.UpdateTime, OpenTime: s.OpenTime, CloseTime: s.CloseTime,
		Revision: s.Revision,
	}
	for _, q := range s.Questions {
		qr := questionRecord{ID: q.ID, Text: q.Text, Type: q.Type.String(), Choices: q.Choices, Required: q.Required}
		if q.Dimension != feedbackv1.TrustDimension_TRUST_DIMENSION_UNSPECIFIED {
			qr.Dimension = q.Dimension.String()
		}
		r.Questions = append(r.Questions, qr)
	}
	return r
}

func (r surveyRecord) domain() feedback.Survey {
	s := feedback.Survey{
		Agency: r.Agency, ID: r.ID, Title: r.Title, Description: r.Description,
		Kind:          feedbackv1.Survey_Kind(feedbackv1.Survey_Kind_value[r.Kind]),
		State:         feedbackv1.Survey_State(feedbackv1.Survey_State_value[r.State]),
		ResponseCount: r.ResponseCount,
		CreateTime:    r.CreateTime, UpdateTime: r.UpdateTime, OpenTime: r.OpenTime, CloseTime: r.CloseTime,
		Revision: r.Revision,
	}
	for _, q := range r.Questions {
		s.Questions = append(s.Questions, feedback.Question{
			ID: q.ID, Text: q.Text, Type: feedbackv1.Question_Type(feedbackv1.Question_Type_value[q.Type]),
			Choices: q.Choices, Required: q.Required,
			Dimension: feedbackv1.TrustDimension(feedbackv1.TrustDimension_value[q.Dimension]),
		})
	}
	return s
}

type answerRecord struct {
	Question string   `json:"q"`
	Rating   *int32   `json:"rating,omitempty"`
	Choices  []string `json:"choices,omitempty"`
	Text     string   `json:"text,omitempty"`
}

// responseRecord is an answer to a survey. It has no field for an account,
// a device, an invitation or a precise time.
type responseRecord struct {
	Agency     string         `json:"agency"`
	Survey     string         `json:"survey"`
	ID         string         `json:"id"`
	Area       string         `json:"area,omitempty"`
	Answers    []answerRecord `json:"answers"`
	TrustScore *float64       `json:"trust_score,omitempty"`
	// Hour is the time rounded down to the hour.
	Hour time.Time `json:"hour"`
}

func toResponseRecord(r feedback.SurveyResponse) responseRecord {
	rec := responseRecord{Agency: r.Agency, Survey: r.Survey, ID: r.ID, Area: r.Area, Hour: r.CreateTime.Truncate(time.Hour)}
	for _, a := range r.Answers {
		rec.Answers = append(rec.Answers, answerRecord{Question: a.QuestionID, Rating: a.Rating, Choices: a.Choices, Text: a.Text})
	}
	if r.Trust != nil {
		score := r.Trust.Score
		rec.TrustScore = &score
	}
	return rec
}

func (r responseRecord) domain() feedback.SurveyResponse {
	out := feedback.SurveyResponse{Agency: r.Agency, Survey: r.Survey, ID: r.ID, Area: r.Area, CreateTime: r.Hour}
	for _, a := range r.Answers {
		out.Answers = append(out.Answers, feedback.Answer{QuestionID: a.Question, Rating: a.Rating, Choices: a.Choices, Text: a.Text})
	}
	if r.TrustScore != nil {
		out.Trust = &feedback.TrustContribution{Score: *r.TrustScore}
	}
	return out
}

type contactRecord struct {
	Agency               string    `json:"agency"`
	ID                   string    `json:"id"`
	Survey               string    `json:"survey"`
	ContactType          string    `json:"contact_type"`
	Ongoing              bool      `json:"ongoing,omitempty"`
	Area                 string    `json:"area,omitempty"`
	Outcome              string    `json:"outcome"`
	SuppressionReason    string    `json:"suppression_reason,omitempty"`
	InvitationExpireTime time.Time `json:"invitation_expire_time,omitzero"`
	Reporter             string    `json:"reporter"`
	CreateTime           time.Time `json:"create_time"`
}

func toContactRecord(e feedback.ContactEvent) contactRecord {
	return contactRecord{
		Agency: e.Agency, ID: e.ID, Survey: e.Survey, ContactType: e.ContactType.String(), Ongoing: e.Ongoing,
		Area: e.Area, Outcome: e.Outcome.String(), SuppressionReason: e.SuppressionReason,
		InvitationExpireTime: e.InvitationExpireTime, Reporter: e.Reporter, CreateTime: e.CreateTime,
	}
}

func (r contactRecord) domain() feedback.ContactEvent {
	return feedback.ContactEvent{
		Agency: r.Agency, ID: r.ID, Survey: r.Survey,
		ContactType: feedbackv1.ContactEvent_ContactType(feedbackv1.ContactEvent_ContactType_value[r.ContactType]),
		Ongoing:     r.Ongoing, Area: r.Area,
		Outcome:           feedbackv1.ContactEvent_Outcome(feedbackv1.ContactEvent_Outcome_value[r.Outcome]),
		SuppressionReason: r.SuppressionReason, InvitationExpireTime: r.InvitationExpireTime,
		Reporter: r.Reporter, CreateTime: r.CreateTime,
	}
}

// invitationRecord is an invitation, kept by the hash of its token. It
// names neither its contact event nor, once used, its answer.
type invitationRecord struct {
	Agency     string    `json:"agency"`
	Survey     string    `json:"survey"`
	Area       string    `json:"area,omitempty"`
	ExpireTime time.Time `json:"expire_time"`
	Used       bool      `json:"used,omitempty"`
}

// requestRecord is a retry: what it created, and for a contact event its
// sealed invitation token.
type requestRecord struct {
	Name        string    `json:"name"`
	Sealed      []byte    `json:"sealed,omitempty"`
	Fingerprint []byte    `json:"fingerprint,omitempty"`
	Time        time.Time `json:"time"`
}

// cellSize is the length of an encoded trust cell: N, Sum, SumSq and per
// dimension N and Sum, 8 bytes each.
const cellSize = 8 * (3 + 2*feedback.TrustDimensions)

func encodeCell(c feedback.TrustCell) []byte {
	b := make([]byte, 0, cellSize)
	b = binary.BigEndian.AppendUint64(b, uint64(c.N))
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(c.Sum))
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(c.SumSq))
	for _, d := range c.Dimensions {
		b = binary.BigEndian.AppendUint64(b, uint64(d.N))
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(d.Sum))
	}
	return b
}

// decodeCell reads an encoded cell into c's sums; nil leaves them zero.
func decodeCell(raw []byte, c *feedback.TrustCell) error {
	if raw == nil {
		return nil
	}
	if len(raw) != cellSize {
		return fmt.Errorf("trust cell: %d bytes, want %d", len(raw), cellSize)
	}
	u := func(i int) uint64 { return binary.BigEndian.Uint64(raw[8*i:]) }
	c.N, c.Sum, c.SumSq = int64(u(0)), math.Float64frombits(u(1)), math.Float64frombits(u(2))
	for i := range c.Dimensions {
		c.Dimensions[i] = feedback.DimensionSum{N: int64(u(3 + 2*i)), Sum: math.Float64frombits(u(4 + 2*i))}
	}
	return nil
}
