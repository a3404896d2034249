package feedback

import (
	"context"
	"fmt"
	"math"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/resname"
)

// The Trust Index, as docs/trust-index.md publishes it: a respondent's
// score is the mean of their ratings of questions carrying a dimension,
// × 10; a period's score is the mean of its respondents' scores, with the
// 95 % confidence interval mean ± 1.96·s/√n; every figure drawn from fewer
// than k respondents is suppressed.

const (
	// trustDefaultPeriods is how many periods a query without start_time
	// returns, ending with the one containing end_time.
	trustDefaultPeriods = 12
	// trustMaxRange is the longest range a query may span.
	trustMaxRange = 5 * 366 * 24 * time.Hour
	// z95 is the two-sided 95 % normal quantile.
	z95 = 1.96
)

// trustInterval applies the default interval, MONTH.
func trustInterval(i feedbackv1.Interval) feedbackv1.Interval {
	if i == feedbackv1.Interval_INTERVAL_WEEK {
		return i
	}
	return feedbackv1.Interval_INTERVAL_MONTH
}

// GetTrustIndex returns an area's (or the agency's) Trust Index per period,
// oldest first, reading one aggregate per period whatever the number of
// answers.
func (s *statsServer) GetTrustIndex(ctx context.Context, req *feedbackv1.GetTrustIndexRequest) (*feedbackv1.TrustIndex, error) {
	ids, err := resname.Split("name", req.GetName(), trustIndexPattern)
	if err != nil {
		return nil, err
	}
	agency := ids[0]
	area := req.GetArea()
	if area != "" && !surveyArea.MatchString(area) {
		return nil, errs.Field("area", "must be 1 to 40 lowercase letters, digits, _ and -")
	}
	interval := trustInterval(req.GetInterval())
	if v := req.GetInterval(); v != feedbackv1.Interval_INTERVAL_UNSPECIFIED && v != feedbackv1.Interval_INTERVAL_WEEK && v != feedbackv1.Interval_INTERVAL_MONTH {
		return nil, errs.Field("interval", "must be INTERVAL_WEEK or INTERVAL_MONTH")
	}
	loc, err := s.surveyAgencyLocation(ctx, agency)
	if err != nil {
		return nil, fmt.Errorf("trust index: %w", err)
	}
	starts, err := trustPeriods(req, s.now(), loc, interval)
	if err != nil {
		return nil, err
	}
	keys := make([]TrustCellKey, len(starts))
	for i, st := range starts {
		keys[i] = TrustCellKey{Agency: agency, Area: area, Interval: interval, Start: st}
	}
	cells, err := s.store.TrustCells(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("trust index: %w", err)
	}
	k := s.cfg.MinCellSize
	out := &feedbackv1.TrustIndex{
		Name: req.GetName(), Area: area, Interval: interval, TimeZone: loc.String(), MinResponses: int32(k),
	}
	for _, c := range cells {
		p := trustPeriodFigures(c, k)
		p.StartTime, p.EndTime = surveyTimestamp(c.Start), surveyTimestamp(periodAdd(loc, interval, c.Start, 1))
		out.Periods = append(out.Periods, p)
	}
	return out, nil
}

// trustPeriods returns the starts of the periods a query covers.
func trustPeriods(req *feedbackv1.GetTrustIndexRequest, now time.Time, loc *time.Location, interval feedbackv1.Interval) ([]time.Time, error) {
	end := now
	if req.GetEndTime() != nil {
		if err := req.GetEndTime().CheckValid(); err != nil {
			return nil, errs.Field("end_time", "is not a valid time")
		}
		end = req.GetEndTime().AsTime()
	}
	last := periodStart(loc, interval, end)
	first := periodAdd(loc, interval, last, -(trustDefaultPeriods - 1))
	if req.GetStartTime() != nil {
		if err := req.GetStartTime().CheckValid(); err != nil {
			return nil, errs.Field("start_time", "is not a valid time")
		}
		start := req.GetStartTime().AsTime()
		if start.After(end) {
			if req.GetEndTime() == nil {
				return nil, errs.Field("start_time", "must not be in the future when end_time is omitted")
			}
			return nil, errs.Field("end_time", "must not be before start_time")
		}
		if end.Sub(start) > trustMaxRange {
			return nil, errs.Field("end_time", "must be at most 5 years after start_time")
		}
		first = periodStart(loc, interval, start)
	}
	var out []time.Time
	for p := first; !p.After(last); p = periodAdd(loc, interval, p, 1) {
		out = append(out, p)
	}
	return out, nil
}

// trustScore is a cell's mean score and whether it has at least k
// respondents.
func trustScore(c TrustCell, k int) (float64, bool) {
	if c.N == 0 || c.N < int64(k) {
		return 0, false
	}
	return c.Sum / float64(c.N), true
}

// trustPeriodFigures computes the published figures of one cell,
// suppressing those drawn from fewer than k respondents.
func trustPeriodFigures(c TrustCell, k int) *feedbackv1.TrustIndexPeriod {
	p := &feedbackv1.TrustIndexPeriod{}
	mean, ok := trustScore(c, k)
	if !ok {
		p.Suppressed = true
	} else {
		p.ResponseCount, p.Score = c.N, mean
		p.ConfidenceInterval = trustInterval95(c)
	}
	for i, d := range c.Dimensions {
		ds := &feedbackv1.DimensionScore{Dimension: feedbackv1.TrustDimension(i + 1)}
		if !ok || d.N == 0 || d.N < int64(k) {
			ds.Suppressed = true
		} else {
			ds.ResponseCount, ds.Score = d.N, d.Sum/float64(d.N)*10
		}
		p.Dimensions = append(p.Dimensions, ds)
	}
	return p
}

// trustInterval95 is mean ± 1.96·s/√n with s the sample standard
// deviation, clamped to 0–100; nil for fewer than two respondents.
func trustInterval95(c TrustCell) *feedbackv1.ConfidenceInterval {
	if c.N < 2 {
		return nil
	}
	n := float64(c.N)
	mean := c.Sum / n
	variance := math.Max(0, (c.SumSq-n*mean*mean)/(n-1))
	half := z95 * math.Sqrt(variance) / math.Sqrt(n)
	return &feedbackv1.ConfidenceInterval{
		Lower: math.Max(0, mean-half),
		Upper: math.Min(100, mean+half),
	}
}
