package app

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/feedback"
)

// The public Trust Index publishes a period once it has ended, and the
// API stamps every answer with the current hour: answers given over the
// API during the seed all fall in the running week and month, which only
// staff see. So that the public sees a Trust Index in the demo, the weeks
// before this one get answers too, written through the feedback store as
// CreateSurveyResponse writes them but at past hours. Their ratings are
// fixed, so every demo shows the same history: District 1 around 70 and
// District 2 around 50 in the last four weeks, ten points lower in the five
// before (trust is rising: no drop notice), and District 3 a single
// answer a week, too few to be published.

// historyWeeks is how many weeks before this one get answers: enough to
// cover the whole previous month, whatever today's date (its first day
// can be 60 days before this week's Monday, as 1 September is before
// Monday 31 October).
const historyWeeks = 9

// trustHistory writes the history of the general survey sv (its name)
// into the store, week by week, in the agency's time zone loc.
func (f *feedbackSeeder) trustHistory(ctx context.Context, sv string, loc *time.Location) error {
	parts := strings.Split(sv, "/") // agencies/{agency}/surveys/{survey}
	if len(parts) != 4 {
		return fmt.Errorf("survey name %q", sv)
	}
	key := feedback.SurveyKey{Agency: parts[1], Survey: parts[3]}
	survey, err := f.store.Survey(ctx, key)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	now := time.Now().In(loc)
	thisWeek := time.Date(now.Year(), now.Month(), now.Day()-(int(now.Weekday())+6)%7, 0, 0, 0, 0, loc)
	areas := []struct {
		area string
		n    int
		base int32
	}{{"d1", f.minCell + 1, 7}, {"d2", f.minCell, 5}, {"d3", 1, 6}}
	open := func(s feedback.Survey) error {
		if s.State != feedbackv1.Survey_STATE_OPEN {
			return fmt.Errorf("survey %s is not open", sv)
		}
		return nil
	}
	for w := historyWeeks; w >= 1; w-- {
		week := time.Date(thisWeek.Year(), thisWeek.Month(), thisWeek.Day()-7*w, 0, 0, 0, 0, loc)
		shift := int32(0)
		if w > historyWeeks/2 {
			shift = -1
		}
		for ai, a := range areas {
			for i := range a.n {
				// Spread over the week's hours, a few each day.
				hours := (i*29 + ai*11 + w*5 + 7) % (7 * 24)
				at := time.Date(week.Year(), week.Month(), week.Day(), hours, 0, 0, 0, loc)
				var answers []feedback.Answer
				for j, q := range []string{"safe", "trust", "respect", "listen", "fair"} {
					r := min(10, max(0, a.base+shift+int32((i+j+w)%5)-2))
					answers = append(answers, feedback.Answer{QuestionID: q, Rating: &r})
				}
				answers = append(answers, feedback.Answer{QuestionID: "contact", Choices: []string{[]string{"Yes", "No"}[(i+w)%2]}})
				r := feedback.SurveyResponse{
					Agency: key.Agency, Survey: key.Survey, ID: historyID(), Area: a.area, Answers: answers,
					Trust: feedback.TrustContributionOf(survey, answers), CreateTime: at.UTC(),
				}
				proof := feedback.ResponseProof{DeviceToken: fmt.Sprintf("demo-history-%s-w%d-%02d", a.area, w, i), Now: at}
				if _, _, err := f.store.CreateSurveyResponse(ctx, r, proof, feedback.TrustPeriodsAt(loc, at), open, nil); err != nil {
					return fmt.Errorf("history of %s, %d weeks ago: %w", a.area, w, err)
				}
			}
		}
	}
	return nil
}

// historyID is an answer id as the service makes them: 128 random bits,
// which tell nothing of when the answer was given.
func historyID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics instead)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}
