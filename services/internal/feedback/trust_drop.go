package feedback

import (
	"context"
	"time"
)

// trustNoticeTimeout bounds one round of drop checks and notices.
const trustNoticeTimeout = 30 * time.Second

// checkTrustDrops looks, after an answer has committed, for sharp falls of
// the Trust Index in the cells it changed, and notifies each once. It
// runs apart from the answer, which never waits for it nor fails with
// it, and with a context of its own: nothing of the anonymous call (its
// metadata, its request id) reaches the notifier. Close waits for it.
func (s *Service) checkTrustDrops(cells []TrustCell, loc *time.Location) {
	if s.notifier == nil || len(cells) == 0 {
		return
	}
	s.sv.notices.Add(1)
	go func() {
		defer s.sv.notices.Done()
		ctx, cancel := context.WithTimeout(context.Background(), trustNoticeTimeout)
		defer cancel()
		for _, c := range cells {
			s.checkTrustDrop(ctx, c, loc)
		}
	}()
}

// checkTrustDrop notifies a drop ending in cell cur: both it and the period
// before have at least k respondents, the score fell by more than
// Config.TrustDropPoints, and the drop was not notified yet.
func (s *Service) checkTrustDrop(ctx context.Context, cur TrustCell, loc *time.Location) {
	k := s.cfg.MinCellSize
	score, ok := trustScore(cur, k)
	if !ok {
		return
	}
	prevKey := cur.TrustCellKey
	prevKey.Start = periodAdd(loc, cur.Interval, cur.Start, -1)
	prev, err := s.store.TrustCells(ctx, []TrustCellKey{prevKey})
	if err != nil {
		s.log.WarnContext(ctx, "trust drop check failed", "agency", cur.Agency, "area", cur.Area, "error", err)
		return
	}
	prevScore, ok := trustScore(prev[0], k)
	if !ok || prevScore-score <= s.cfg.TrustDropPoints {
		return
	}
	added, err := s.store.MarkTrustDrop(ctx, cur.TrustCellKey)
	if err != nil || !added {
		if err != nil {
			s.log.WarnContext(ctx, "trust drop mark failed", "agency", cur.Agency, "area", cur.Area, "error", err)
		}
		return
	}
	d := TrustDrop{
		Agency: agencyResource(cur.Agency), Area: cur.Area, Interval: cur.Interval,
		PeriodStart: cur.Start, PreviousStart: prevKey.Start,
		Score: score, PreviousScore: prevScore, Responses: cur.N,
	}
	if err := s.notifier.NotifyTrustDrop(ctx, d); err != nil {
		s.log.WarnContext(ctx, "trust drop notice failed", "agency", d.Agency, "area", d.Area,
			"interval", d.Interval.String(), "period_start", d.PeriodStart, "error", err)
	}
}
