package feedback

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Feedback statistics and the complaint summary, from the aggregates that
// CreateFeedback and UpdateFeedback maintain in the transactions that
// change what they count.
//
// Periods start at midnight in the agency's time zone (weeks on Monday),
// in the zone the agency had when the feedback was written: changing an
// agency's time zone changes the periods of later submissions only.

const (
	// defaultPeriods is how many periods a query without start_time
	// covers, ending with the one containing end_time.
	defaultPeriods = 12
	// maxStatsYears bounds a query's range.
	maxStatsYears = 5
)

// utcDay returns the UTC midnight starting t's UTC day.
func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// feedbackPeriods returns the cells feedback written at at counts in.
func feedbackPeriods(info AgencyInfo, at time.Time) FeedbackPeriods {
	loc := agencyLocation(info)
	return FeedbackPeriods{
		Week:  periodStart(loc, feedbackv1.Interval_INTERVAL_WEEK, at).UTC(),
		Month: periodStart(loc, feedbackv1.Interval_INTERVAL_MONTH, at).UTC(),
		Day:   utcDay(at),
	}
}

func agencyLocation(info AgencyInfo) *time.Location {
	if info.Location == nil {
		return time.UTC
	}
	return info.Location
}

// statsRange resolves a query's interval and range into the starts of the
// periods it covers: by default the 12 periods ending with the one
// containing end_time; at most 5 years. The range ends now at the latest:
// periods yet to begin have nothing to show, and a start in the future is
// INVALID_ARGUMENT. Only the last period can still be running
// (lastRunning).
func statsRange(loc *time.Location, interval feedbackv1.Interval, start, end time.Time, now time.Time) (feedbackv1.Interval, []time.Time, error) {
	if interval == feedbackv1.Interval_INTERVAL_UNSPECIFIED {
		interval = feedbackv1.Interval_INTERVAL_MONTH
	}
	if start.After(now) {
		return 0, nil, errs.Field("start_time", "must not be in the future")
	}
	if end.IsZero() || end.After(now) {
		end = now
	}
	last := periodStart(loc, interval, end)
	first := last
	if start.IsZero() {
		for range defaultPeriods - 1 {
			y, m, d := first.Date()
			if interval == feedbackv1.Interval_INTERVAL_WEEK {
				first = time.Date(y, m, d-7, 0, 0, 0, 0, loc)
			} else {
				first = time.Date(y, m-1, 1, 0, 0, 0, 0, loc)
			}
		}
	} else {
		if start.After(end) {
			return 0, nil, errs.Field("start_time", "must not be after end_time")
		}
		if start.AddDate(maxStatsYears, 0, 0).Before(end) {
			return 0, nil, errs.Field("end_time", "must be at most %d years after start_time", maxStatsYears)
		}
		first = periodStart(loc, interval, start)
	}
	var starts []time.Time
	for p := first; !p.After(last); p = periodAdd(loc, interval, p, 1) {
		starts = append(starts, p)
	}
	return interval, starts, nil
}

// lastRunning reports whether the last of starts, periods of interval from
// statsRange, has not ended at now.
func lastRunning(loc *time.Location, interval feedbackv1.Interval, starts []time.Time, now time.Time) bool {
	return len(starts) > 0 && periodAdd(loc, interval, starts[len(starts)-1], 1).After(now)
}

// GetFeedbackStats returns the public feedback statistics. A cell of fewer
// than k submissions is left out, and a mean rating is given only when at
// least k of the cell's submissions were rated.
//
// A small cell is not even listed as suppressed: its category and area
// are what submitters typed, so a row naming them would publish any
// anonymous submitter's words (a name, an accusation) and tell that 1 to
// k-1 people submitted it. Nor is a total of what was left out given:
// compared across areas and ranges, it would count the small cells.
//
// The cells of a period that has not ended are left out too, but for the
// agency's analysts (see seesLiveFigures): read before and after one
// submission, a cell's count, mean rating and mean sentiment would give
// that submission's rating and sentiment and when it arrived.
func (s *statsServer) GetFeedbackStats(ctx context.Context, req *feedbackv1.GetFeedbackStatsRequest) (*feedbackv1.FeedbackStats, error) {
	agency, err := parseStatsName("name", req.GetName(), "feedbackStats")
	if err != nil {
		return nil, err
	}
	info, err := s.agencies.Agency(ctx, agency)
	if err != nil {
		return nil, fmt.Errorf("feedback stats: %w", err)
	}
	loc := agencyLocation(info)
	start, err := requestTime("start_time", req.GetStartTime())
	if err != nil {
		return nil, err
	}
	end, err := requestTime("end_time", req.GetEndTime())
	if err != nil {
		return nil, err
	}
	now := s.now()
	interval, starts, err := statsRange(loc, req.GetInterval(), start, end, now)
	if err != nil {
		return nil, err
	}
	// The running period is read only for those who see it.
	running := lastRunning(loc, interval, starts, now)
	if running && !seesLiveFigures(auth.FromContext(ctx), agency) {
		starts, running = starts[:len(starts)-1], false
	}
	utcStarts := make([]time.Time, len(starts))
	for i, p := range starts {
		utcStarts[i] = p.UTC()
	}
	cells, err := s.store.FeedbackStats(ctx, FeedbackStatsQuery{
		Agency: agency, Interval: interval, Starts: utcStarts, Area: req.GetArea(), AllAreas: req.GetArea() == "",
	})
	if err != nil {
		return nil, fmt.Errorf("feedback stats: %w", err)
	}
	k := int64(s.cfg.MinCellSize)
	out := &feedbackv1.FeedbackStats{
		Name: req.GetName(), Interval: interval, TimeZone: loc.String(), MinCount: int32(k),
	}
	for _, c := range cells {
		if c.Count < k {
			continue
		}
		pc := &feedbackv1.FeedbackStatsCell{
			StartTime: pbTime(c.PeriodStart),
			EndTime:   pbTime(periodAdd(loc, interval, c.PeriodStart, 1).UTC()),
			Kind:      c.Kind, Category: c.Category, Area: c.Area,
			Count: c.Count, MeanSentiment: c.SentimentSum / float64(c.Count),
			Ongoing: running && c.PeriodStart.Equal(starts[len(starts)-1]),
		}
		if c.Rated >= k {
			mean := float64(c.RatingSum) / float64(c.Rated)
			pc.MeanRating = &mean
		}
		out.Cells = append(out.Cells, pc)
	}
	return out, nil
}

// requestTime returns a request's time, the zero time when it is unset. A
// time outside the years 1 to 9999 is INVALID_ARGUMENT naming field.
func requestTime(field string, ts *timestamppb.Timestamp) (time.Time, error) {
	if ts == nil {
		return time.Time{}, nil
	}
	if err := ts.CheckValid(); err != nil {
		return time.Time{}, errs.Field(field, "must be a time from year 1 to 9999")
	}
	return ts.AsTime(), nil
}

// GetComplaintSummary returns the complaints per category of an area (the
// whole agency when area is empty) in a window and in the window of equal
// length just before it, most complaints first. Complaints are counted per
// UTC day, so the window is widened to whole UTC days: its start rounded
// down to midnight UTC, its end rounded up; the response gives the window
// used. For the agency's analysts and trainers, and for other Engage
// services (Training).
func (s *statsServer) GetComplaintSummary(ctx context.Context, req *feedbackv1.GetComplaintSummaryRequest) (*feedbackv1.ComplaintSummary, error) {
	agency, err := parseStatsName("name", req.GetName(), "complaintSummary")
	if err != nil {
		return nil, err
	}
	p := auth.FromContext(ctx)
	if p.Kind != auth.Service && !(p.Kind == auth.Account && p.HasRole(agency, accessv1.Role_ROLE_ANALYST, accessv1.Role_ROLE_TRAINER)) {
		return nil, feedbackNotFound(req.GetName())
	}
	if req.GetStartTime() == nil {
		return nil, errs.Field("start_time", "is required")
	}
	if req.GetEndTime() == nil {
		return nil, errs.Field("end_time", "is required")
	}
	start, err := requestTime("start_time", req.GetStartTime())
	if err != nil {
		return nil, err
	}
	end, err := requestTime("end_time", req.GetEndTime())
	if err != nil {
		return nil, err
	}
	if !end.After(start) {
		return nil, errs.Field("end_time", "must be after start_time")
	}
	if start.AddDate(maxStatsYears, 0, 0).Before(end) {
		return nil, errs.Field("end_time", "must be at most %d years after start_time", maxStatsYears)
	}
	if _, err := s.agencies.Agency(ctx, agency); err != nil {
		return nil, fmt.Errorf("complaint summary: %w", err)
	}
	from, to := utcDay(start), utcDay(end)
	if to.Before(end) {
		to = to.AddDate(0, 0, 1)
	}
	days := int(to.Sub(from).Hours()/24 + 0.5)
	prevFrom := from.AddDate(0, 0, -days)
	cur, err := s.store.ComplaintCounts(ctx, agency, req.GetArea(), from, to)
	if err != nil {
		return nil, fmt.Errorf("complaint summary: %w", err)
	}
	prev, err := s.store.ComplaintCounts(ctx, agency, req.GetArea(), prevFrom, from)
	if err != nil {
		return nil, fmt.Errorf("complaint summary: %w", err)
	}
	byCategory := map[string]*feedbackv1.CategoryCount{}
	get := func(c string) *feedbackv1.CategoryCount {
		if byCategory[c] == nil {
			byCategory[c] = &feedbackv1.CategoryCount{Category: c}
		}
		return byCategory[c]
	}
	for c, n := range cur {
		get(c).Count = n
	}
	for c, n := range prev {
		get(c).PreviousCount = n
	}
	out := &feedbackv1.ComplaintSummary{Name: req.GetName(), Area: req.GetArea(), StartTime: pbTime(from), EndTime: pbTime(to)}
	for _, c := range byCategory {
		out.Categories = append(out.Categories, c)
	}
	slices.SortFunc(out.Categories, func(a, b *feedbackv1.CategoryCount) int {
		if a.Count != b.Count {
			return cmp.Compare(b.Count, a.Count)
		}
		return cmp.Compare(a.Category, b.Category)
	})
	return out, nil
}
