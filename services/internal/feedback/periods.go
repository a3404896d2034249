package feedback

import (
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/auth"
)

// Statistics and the Trust Index group by calendar periods in the agency's
// time zone: WEEK from Monday 00:00, MONTH (the default for any other
// interval) from the 1st 00:00.

// periodStart returns the start of the period of interval that contains t,
// in loc.
func periodStart(loc *time.Location, interval feedbackv1.Interval, t time.Time) time.Time {
	t = t.In(loc)
	y, m, d := t.Date()
	if interval == feedbackv1.Interval_INTERVAL_WEEK {
		monday := (int(t.Weekday()) + 6) % 7 // days since Monday
		return time.Date(y, m, d-monday, 0, 0, 0, 0, loc)
	}
	return time.Date(y, m, 1, 0, 0, 0, 0, loc)
}

// periodAdd returns the start of the period n periods after the one
// starting at start (n may be negative), computed in loc so that a period
// that spans a daylight-saving change still ends at local midnight.
func periodAdd(loc *time.Location, interval feedbackv1.Interval, start time.Time, n int) time.Time {
	y, m, d := start.In(loc).Date()
	if interval == feedbackv1.Interval_INTERVAL_WEEK {
		return time.Date(y, m, d+7*n, 0, 0, 0, 0, loc)
	}
	return time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, loc)
}

// seesLiveFigures reports whether p sees the figures of periods that have
// not ended: only the analysts and administrators of agency (an id) do.
//
// The public figures are aggregates updated with every answer and
// submission. Were the running period's published, anyone could read a
// cell, wait for one anonymous answer, read it again and subtract (n+1
// times the new mean less n times the old), and have that answer's exact
// score and the time it arrived, whatever k. Answers and submissions
// count in the period of the moment they are written, so a period that
// has ended gets no more of them and two reads of it agree. The agency's
// analysts (and its administrators) see the running period: they read
// each answer already. Other staff do not: an officer whose contact set
// off a survey could subtract that resident's answer. Partners act for
// organizations and see what the public sees.
func seesLiveFigures(p auth.Principal, agency string) bool {
	return isAnalyst(p, agency)
}
