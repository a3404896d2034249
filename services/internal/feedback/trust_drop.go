package feedback

import (
	"context"
	"time"
)

// trustNoticeTimeout bounds the first attempt at the notices of one answer.
const trustNoticeTimeout = 30 * time.Second

// TrustNotice is the notice of one drop, kept until it is sent. It holds
// what the published Trust Index shows and nothing of the answers: the
// cell, the two scores, the sample size, and when the drop was found,
// rounded down to the hour so that it cannot point at the answer that
// tipped the index.
type TrustNotice struct {
	// Cell is the cell of the period the index fell in.
	Cell TrustCellKey
	Drop TrustDrop
	// Since is when the drop was found, rounded down to the hour (UTC).
	Since time.Time
}

// TrustNoticeStore keeps the notices of Trust-Index drops: a cell takes
// one notice ever, recorded as pending by the answer that found the drop
// (SurveyStore.CreateSurveyResponse) and pending until it is sent or given
// up.
type TrustNoticeStore interface {
	// PendingTrustNotices returns the notices recorded and not done.
	PendingTrustNotices(ctx context.Context) ([]TrustNotice, error)
	// TrustNoticeDone records that the notice of cell k was sent or given
	// up: it is no longer pending, its figures are forgotten, and the cell
	// takes no notice again.
	TrustNoticeDone(ctx context.Context, k TrustCellKey) error
}

// trustDropRule is the rule an answer's transaction applies to each cell
// it changed, or nil when there is no one to notify: a cell and the period
// before it both have at least k respondents and the score fell by more
// than Config.TrustDropPoints. now is when the answer came.
func (s *Service) trustDropRule(now time.Time) TrustDropRule {
	if s.notifier == nil {
		return nil
	}
	k, points := s.cfg.MinCellSize, s.cfg.TrustDropPoints
	since := now.UTC().Truncate(time.Hour)
	return func(cur, prev TrustCell) (TrustNotice, bool) {
		score, ok := trustScore(cur, k)
		if !ok {
			return TrustNotice{}, false
		}
		prevScore, ok := trustScore(prev, k)
		if !ok || prevScore-score <= points {
			return TrustNotice{}, false
		}
		return TrustNotice{
			Cell: cur.TrustCellKey,
			Drop: TrustDrop{
				Agency: agencyResource(cur.Agency), Area: cur.Area, Interval: cur.Interval,
				PeriodStart: cur.Start, PreviousStart: prev.Start,
				Score: score, PreviousScore: prevScore, Responses: cur.N,
			},
			Since: since,
		}, true
	}
}

// sendTrustNotices makes the first attempt at the notices an answer
// recorded. It runs apart from the answer, which never waits for it nor
// fails with it, and with a context of its own: nothing of the anonymous
// call (its metadata, its request id) reaches the notifier. A notice that
// fails (Alerts down or slow) stays pending, and RetryTrustNotices sends
// it later, in this process or the next. Close waits for it.
func (s *Service) sendTrustNotices(notices []TrustNotice) {
	if len(notices) == 0 {
		return
	}
	s.sv.notices.Add(1)
	go func() {
		defer s.sv.notices.Done()
		ctx, cancel := context.WithTimeout(context.Background(), trustNoticeTimeout)
		defer cancel()
		for _, n := range notices {
			s.sendTrustNotice(ctx, n)
		}
	}()
}
