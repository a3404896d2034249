package feedback

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/errs"
)

// Limits of the survey contract. The protovalidate rules check most of
// them before a handler runs; these checks keep the domain safe when it is
// called otherwise, and add the rules protovalidate cannot express.
const (
	maxSurveyTitle       = 200
	maxSurveyDescription = 2000
	maxQuestions         = 50
	maxQuestionText      = 500
	minChoices           = 2
	maxChoices           = 20
	maxChoiceText        = 200
	maxAnswerText        = 2000
	maxRating            = 10
)

// questionID is the contract's rule for question ids.
var questionID = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// surveyArea is the contract's rule for areas.
var surveyArea = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// surveyText trims s and checks it is valid UTF-8 of min to max characters
// without control characters other than newlines and tabs.
func surveyText(field, s string, min, max int) (string, error) {
	if !utf8.ValidString(s) {
		return "", errs.Field(field, "must be valid UTF-8")
	}
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case n < min && min == 1:
		return "", errs.Field(field, "is required")
	case n < min:
		return "", errs.Field(field, "must be at least %d characters", min)
	case n > max:
		return "", errs.Field(field, "must be at most %d characters", max)
	}
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }) >= 0 {
		return "", errs.Field(field, "must not contain control characters")
	}
	return s, nil
}

// The updatable fields of a survey, by their field-mask paths.
const (
	surveyFieldTitle       = "title"
	surveyFieldDescription = "description"
	surveyFieldKind        = "kind"
	surveyFieldQuestions   = "questions"
)

// allSurveyFields are what UpdateSurvey may change (see fieldmask for the
// rules); the store keeps the kind and questions of a survey that is no
// longer a draft.
var allSurveyFields = []string{surveyFieldTitle, surveyFieldDescription, surveyFieldKind, surveyFieldQuestions}

// applySurvey validates the named fields of in and copies them into s.
func applySurvey(s *Survey, in *feedbackv1.Survey, fields []string) error {
	for _, field := range fields {
		var err error
		switch field {
		case surveyFieldTitle:
			s.Title, err = surveyText("survey.title", in.GetTitle(), 1, maxSurveyTitle)
		case surveyFieldDescription:
			s.Description, err = surveyText("survey.description", in.GetDescription(), 0, maxSurveyDescription)
		case surveyFieldKind:
			switch k := in.GetKind(); k {
			case feedbackv1.Survey_KIND_UNSPECIFIED, feedbackv1.Survey_KIND_GENERAL:
				s.Kind = feedbackv1.Survey_KIND_GENERAL
			case feedbackv1.Survey_KIND_POST_CONTACT:
				s.Kind = k
			default:
				return errs.Field("survey.kind", "must be KIND_GENERAL or KIND_POST_CONTACT")
			}
		case surveyFieldQuestions:
			s.Questions, err = validQuestions(in.GetQuestions())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// validQuestions checks a survey's questions: 1 to 50 with distinct ids;
// 2 to 20 distinct choices for choice questions and none otherwise; a
// dimension only on RATING questions.
func validQuestions(in []*feedbackv1.Question) ([]Question, error) {
	if len(in) < 1 || len(in) > maxQuestions {
		return nil, errs.Field("survey.questions", "must hold 1 to %d questions", maxQuestions)
	}
	out := make([]Question, 0, len(in))
	seen := map[string]bool{}
	for i, q := range in {
		field := fmt.Sprintf("survey.questions[%d]", i)
		if !questionID.MatchString(q.GetId()) {
			return nil, errs.Field(field+".id", "must be a lowercase letter followed by up to 39 lowercase letters, digits and underscores")
		}
		if seen[q.GetId()] {
			return nil, errs.Field(field+".id", "repeats the id %q of an earlier question", q.GetId())
		}
		seen[q.GetId()] = true
		text, err := surveyText(field+".text", q.GetText(), 1, maxQuestionText)
		if err != nil {
			return nil, err
		}
		typ := q.GetType()
		if _, ok := feedbackv1.Question_Type_name[int32(typ)]; !ok || typ == feedbackv1.Question_TYPE_UNSPECIFIED {
			return nil, errs.Field(field+".type", "must be TYPE_RATING, TYPE_SINGLE_CHOICE, TYPE_MULTIPLE_CHOICE or TYPE_FREE_TEXT")
		}
		choices, err := validChoices(field+".choices", typ, q.GetChoices())
		if err != nil {
			return nil, err
		}
		dim := q.GetDimension()
		if _, ok := feedbackv1.TrustDimension_name[int32(dim)]; !ok {
			return nil, errs.Field(field+".dimension", "is not a Trust-Index dimension")
		}
		if dim != feedbackv1.TrustDimension_TRUST_DIMENSION_UNSPECIFIED && typ != feedbackv1.Question_TYPE_RATING {
			return nil, errs.Field(field+".dimension", "may be set only on a TYPE_RATING question")
		}
		out = append(out, Question{ID: q.GetId(), Text: text, Type: typ, Choices: choices, Required: q.GetRequired(), Dimension: dim})
	}
	return out, nil
}

func validChoices(field string, typ feedbackv1.Question_Type, in []string) ([]string, error) {
	if typ != feedbackv1.Question_TYPE_SINGLE_CHOICE && typ != feedbackv1.Question_TYPE_MULTIPLE_CHOICE {
		if len(in) > 0 {
			return nil, errs.Field(field, "must be empty unless the question is a choice question")
		}
		return nil, nil
	}
	if len(in) < minChoices || len(in) > maxChoices {
		return nil, errs.Field(field, "must hold %d to %d choices", minChoices, maxChoices)
	}
	out := make([]string, 0, len(in))
	for j, c := range in {
		c, err := surveyText(fmt.Sprintf("%s[%d]", field, j), c, 1, maxChoiceText)
		if err != nil {
			return nil, err
		}
		if slices.Contains(out, c) {
			return nil, errs.Field(fmt.Sprintf("%s[%d]", field, j), "repeats the choice %q", c)
		}
		out = append(out, c)
	}
	return out, nil
}

// validAnswers checks answers against a survey's questions and returns
// them in the domain's form: each answers a question of the survey once,
// with the value its type takes; every required question is answered.
func validAnswers(sv Survey, in []*feedbackv1.Answer) ([]Answer, error) {
	const field = "survey_response.answers"
	if len(in) == 0 {
		return nil, errs.Field(field, "must answer at least one question")
	}
	if len(in) > len(sv.Questions) {
		return nil, errs.Field(field, "must hold at most one answer per question")
	}
	byID := make(map[string]Question, len(sv.Questions))
	for _, q := range sv.Questions {
		byID[q.ID] = q
	}
	answered := map[string]bool{}
	out := make([]Answer, 0, len(in))
	for i, a := range in {
		f := fmt.Sprintf("%s[%d]", field, i)
		q, ok := byID[a.GetQuestionId()]
		if !ok {
			return nil, errs.Field(f+".question_id", "names no question of the survey")
		}
		if answered[q.ID] {
			return nil, errs.Field(f+".question_id", "answers question %q a second time", q.ID)
		}
		answered[q.ID] = true
		ans, err := validAnswer(f, q, a)
		if err != nil {
			return nil, err
		}
		out = append(out, ans)
	}
	for _, q := range sv.Questions {
		if q.Required && !answered[q.ID] {
			return nil, errs.Field(field, "must answer the required question %q", q.ID)
		}
	}
	return out, nil
}

// validAnswer checks one answer to q.
func validAnswer(f string, q Question, a *feedbackv1.Answer) (Answer, error) {
	out := Answer{QuestionID: q.ID}
	isRating, isChoice := q.Type == feedbackv1.Question_TYPE_RATING, q.Type != feedbackv1.Question_TYPE_RATING && q.Type != feedbackv1.Question_TYPE_FREE_TEXT
	switch {
	case a.Rating != nil && !isRating:
		return out, errs.Field(f+".rating", "must be empty: question %q is not a rating question", q.ID)
	case len(a.GetChoices()) > 0 && !isChoice:
		return out, errs.Field(f+".choices", "must be empty: question %q is not a choice question", q.ID)
	case a.GetText() != "" && q.Type != feedbackv1.Question_TYPE_FREE_TEXT:
		return out, errs.Field(f+".text", "must be empty: question %q is not a free-text question", q.ID)
	}
	switch q.Type {
	case feedbackv1.Question_TYPE_RATING:
		if a.Rating == nil {
			return out, errs.Field(f+".rating", "is required for the rating question %q", q.ID)
		}
		if r := a.GetRating(); r < 0 || r > maxRating {
			return out, errs.Field(f+".rating", "must be 0 to %d", maxRating)
		}
		r := a.GetRating()
		out.Rating = &r
	case feedbackv1.Question_TYPE_SINGLE_CHOICE, feedbackv1.Question_TYPE_MULTIPLE_CHOICE:
		n := len(a.GetChoices())
		switch {
		case n == 0:
			return out, errs.Field(f+".choices", "is required for the choice question %q", q.ID)
		case q.Type == feedbackv1.Question_TYPE_SINGLE_CHOICE && n != 1:
			return out, errs.Field(f+".choices", "must hold exactly one choice for the single-choice question %q", q.ID)
		}
		for j, c := range a.GetChoices() {
			cf := fmt.Sprintf("%s.choices[%d]", f, j)
			if !slices.Contains(q.Choices, c) {
				return out, errs.Field(cf, "is not a choice of question %q", q.ID)
			}
			if slices.Contains(out.Choices, c) {
				return out, errs.Field(cf, "repeats the choice %q", c)
			}
			out.Choices = append(out.Choices, c)
		}
	case feedbackv1.Question_TYPE_FREE_TEXT:
		text, err := surveyText(f+".text", a.GetText(), 1, maxAnswerText)
		if err != nil {
			return out, err
		}
		out.Text = text
	}
	return out, nil
}

// TrustContributionOf is a respondent's Trust-Index contribution: the mean
// of their ratings of questions that carry a dimension, × 10, and their
// mean rating per dimension; nil when they rated none.
func TrustContributionOf(sv Survey, answers []Answer) *TrustContribution {
	dims := make(map[string]feedbackv1.TrustDimension, len(sv.Questions))
	for _, q := range sv.Questions {
		if q.Type == feedbackv1.Question_TYPE_RATING && q.Dimension != feedbackv1.TrustDimension_TRUST_DIMENSION_UNSPECIFIED {
			dims[q.ID] = q.Dimension
		}
	}
	var c TrustContribution
	var counts [TrustDimensions]int
	total, n := 0, 0
	for _, a := range answers {
		d, ok := dims[a.QuestionID]
		if !ok || a.Rating == nil || d < 1 || int(d) > TrustDimensions {
			continue
		}
		r := int(*a.Rating)
		total += r
		n++
		c.Rated[d-1] = true
		c.Dimensions[d-1] += float64(r)
		counts[d-1]++
	}
	if n == 0 {
		return nil
	}
	c.Score = float64(total) * 10 / float64(n)
	for i := range c.Dimensions {
		if counts[i] > 0 {
			c.Dimensions[i] /= float64(counts[i])
		}
	}
	return &c
}
