package feedback

import (
	"context"
	"time"
)

// trustNoticeTimeout bounds one round of drop checks and notices.
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
// one notice ever, pending until it is sent or given up.
type TrustNoticeStore interface {
	// AddTrustNotice records n as pending and reports true, unless a
	// notice of n.Cell was recorded before (pending or done): then it
	// stores nothing and reports false.
	AddTrustNotice(ctx context.Context, n TrustNotice) (bool, error)
	// PendingTrustNotices returns the notices recorded and not done.
	PendingTrustNotices(ctx context.Context) ([]TrustNotice, error)
	// TrustNoticeDone records that the notice of cell k was sent or given
	// up: it is no longer pending, its figures are forgotten, and the cell
	// takes no notice again.
	TrustNoticeDone(ctx context.Context, k TrustCellKey) error
}

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
// more than Config.TrustDropPoints, and no notice of the cell was
// recorded yet. The periods before are read at once, and only for cells
// with a score.
//
// Each notice is recorded as pending before it is sent, and marked done
// only once the notifier took it: one that fails (Alerts down or slow)
// stays pending, and RetryTrustNotices sends it later, in this process or
// the next.
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
		n := TrustNotice{
			Cell: cur.TrustCellKey,
			Drop: TrustDrop{
				Agency: agencyResource(cur.Agency), Area: cur.Area, Interval: cur.Interval,
				PeriodStart: cur.Start, PreviousStart: prevKeys[i].Start,
				Score: score, PreviousScore: prevScore, Responses: cur.N,
			},
			Since: s.now().UTC().Truncate(time.Hour),
		}
		added, err := s.store.AddTrustNotice(ctx, n)
		if err != nil {
			s.log.WarnContext(ctx, "trust drop notice not recorded", "agency", cur.Agency, "area", cur.Area, "error", err)
		}
		if err != nil || !added {
			continue
		}
		s.sendTrustNotice(ctx, n)
	}
}
