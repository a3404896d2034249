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
		s.checkTrustDropsNow(ctx, cells, loc)
	}()
}

// checkTrustDropsNow notifies the drops ending in cells: a cell and the
// period before it both have at least k respondents, the score fell by
// more than Config.TrustDropPoints, and the drop was not notified yet.
// The periods before are read at once, and only for cells with a score.
func (s *Service) checkTrustDropsNow(ctx context.Context, cells []TrustCell, loc *time.Location) {
	k := s.cfg.MinCellSize
	var scored []TrustCell
	var prevKeys []TrustCellKey
	for _, c := range cells {
		if _, ok := trustScore(c, k); ok {
			prev := c.TrustCellKey
			prev.Start = periodAdd(loc, c.Interval, c.Start, -1)
			scored, prevKeys = append(scored, c), append(prevKeys, prev)
		}
	}
	if len(scored) == 0 {
		return
	}
	prevs, err := s.store.TrustCells(ctx, prevKeys)
	if err != nil {
		s.log.WarnContext(ctx, "trust drop check failed", "agency", scored[0].Agency, "error", err)
		return
	}
	for i, cur := range scored {
		score, _ := trustScore(cur, k)
		prevScore, ok := trustScore(prevs[i], k)
		if !ok || prevScore-score <= s.cfg.TrustDropPoints {
			continue
		}
		added, err := s.store.MarkTrustDrop(ctx, cur.TrustCellKey)
		if err != nil {
			s.log.WarnContext(ctx, "trust drop mark failed", "agency", cur.Agency, "area", cur.Area, "error", err)
		}
		if err != nil || !added {
			continue
		}
		d := TrustDrop{
			Agency: agencyResource(cur.Agency), Area: cur.Area, Interval: cur.Interval,
			PeriodStart: cur.Start, PreviousStart: prevKeys[i].Start,
			Score: score, PreviousScore: prevScore, Responses: cur.N,
		}
		if err := s.notifier.NotifyTrustDrop(ctx, d); err != nil {
			s.log.WarnContext(ctx, "trust drop notice failed", "agency", d.Agency, "area", d.Area,
				"interval", d.Interval.String(), "period_start", d.PeriodStart, "error", err)
		}
	}
}
