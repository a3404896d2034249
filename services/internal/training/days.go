package training

import (
	"time"

	"github.com/engagehq/engage/services/internal/errs"
)

// Calendar days. A day is `YYYY-MM-DD` in the agency's time zone; days
// compare as strings. A certification is valid through its expire day
// (inclusive): as of day D it is
//
//   - EXPIRED when expire < D (it expired yesterday or before),
//   - EXPIRING when D <= expire <= D+30 (it expires today or in at most 30
//     days, "exactly 30 days" included),
//   - CURRENT when expire > D+30 or it never expires.
//
// An enrollment is overdue as of D when it is open and due < D: due today
// is not overdue.

// dayLayout is the layout of a day.
const dayLayout = time.DateOnly

// ExpiringWindowDays is how close to its expire day a certification is
// EXPIRING.
const ExpiringWindowDays = 30

// parseDay parses a day, as INVALID_ARGUMENT naming field when it is no
// real date (2026-02-30).
func parseDay(field, s string) (time.Time, error) {
	t, err := time.Parse(dayLayout, s)
	if err != nil {
		return time.Time{}, errs.Field(field, "must be a date as YYYY-MM-DD")
	}
	return t, nil
}

// dayOf returns the day t falls on in loc.
func dayOf(t time.Time, loc *time.Location) string { return t.In(loc).Format(dayLayout) }

// addDays returns day d plus n days. d must be valid.
func addDays(d string, n int) string {
	t, _ := time.Parse(dayLayout, d)
	return t.AddDate(0, 0, n).Format(dayLayout)
}

// expireDay returns the last valid day of a certification completed on day
// d for a course recertified every months months: the same day of the
// month, months later (the last day of the month when that day does not
// exist: 31 January + 1 month is 28 or 29 February). Empty when months is
// 0: it never expires.
func expireDay(d string, months int32) string {
	if months <= 0 {
		return ""
	}
	t, _ := time.Parse(dayLayout, d)
	y, m, day := t.Date()
	first := time.Date(y, m+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(day, last), 0, 0, 0, 0, time.UTC).Format(dayLayout)
}

// certState is the standing as of day asOf of a certification whose last
// valid day is expire ("" for never).
func certState(expire, asOf string) CertStanding {
	switch {
	case expire == "":
		return StandingCurrent
	case expire < asOf:
		return StandingExpired
	case expire <= addDays(asOf, ExpiringWindowDays):
		return StandingExpiring
	default:
		return StandingCurrent
	}
}

// CertStanding is a certification's standing on a day.
type CertStanding int

// The standings.
const (
	StandingCurrent CertStanding = iota + 1
	StandingExpiring
	StandingExpired
)

// overdue reports whether an open enrollment due on day due is overdue as
// of day asOf.
func overdue(due, asOf string) bool { return due != "" && due < asOf }
