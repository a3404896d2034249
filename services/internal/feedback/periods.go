package feedback

import (
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
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
