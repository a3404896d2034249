package feedback

import (
	"context"
	"fmt"
	"math"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/resname"
)

// The Trust Index, as docs/trust-index.md publishes it: a respondent's
// score is the mean of their ratings of questions carrying a dimension,
// × 10; a period's score is the mean of its respondents' scores, with the
// 95 % confidence interval mean ± 1.96·s/√n; every figure drawn from fewer
// than k respondents is suppressed; and a period's figures are published
// once it has ended (see seesLiveFigures).

// z95 is the two-sided 95 % normal quantile.
const z95 = 1.96

// GetTrustIndex returns an area's (or the agency's) Trust Index per period,
// oldest first, reading one aggregate per period whatever the number of
// answers. A period that has not ended is in progress: it has figures for
// the agency's analysts only.
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
	loc, err := s.surveyAgencyLocation(ctx, agency)
	if err != nil {
		return nil, fmt.Errorf("trust index: %w", err)
	}
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
	// The running period is read only for those who see it; the others
	// get it without figures.
	running := lastRunning(loc, interval, starts, now)
	hidden := running && !seesLiveFigures(auth.FromContext(ctx), agency)
	read := starts
	if hidden {
		read = starts[:len(starts)-1]
	}
	keys := make([]TrustCellKey, len(read))
	for i, st := range read {
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
	if running {
		last := starts[len(starts)-1]
		if hidden {
			out.Periods = append(out.Periods, &feedbackv1.TrustIndexPeriod{StartTime: surveyTimestamp(last)})
		}
		p := out.Periods[len(out.Periods)-1]
		p.Ongoing, p.EndTime = true, surveyTimestamp(periodAdd(loc, interval, last, 1))
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
