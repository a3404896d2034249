package feedback

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Retrying the notices of Trust-Index drops. A notice is recorded as
// pending in the transaction of the answer that found the drop, before it
// is first sent, so that neither a crash nor a notifier that fails (Alerts
// down, slow or refusing) loses it: the process retries it with backoff,
// and a process started later sends what the last one left. The
// notifier's request id makes a notice sent twice (sent, then its
// acknowledgement lost) raise one alert.

// TrustNoticeRetryInterval is how often RetryTrustNotices should run.
const TrustNoticeRetryInterval = time.Minute

// TrustNoticeLifetime is how long a notice is retried: one still unsent
// this long after its drop was found is given up, with an error in the
// log.
const TrustNoticeLifetime = 7 * 24 * time.Hour

// The backoff between two attempts at one notice: doubling from the
// first, up to the last.
const (
	trustRetryFirst = time.Minute
	trustRetryMax   = time.Hour
)

// trustRetries is when each failed notice may be tried again. It is kept
// in memory only: a stored time of the first failure would tell, to the
// minute, when the answer that tipped the index came. A new process tries
// every pending notice at once. The zero value is ready.
type trustRetries struct {
	mu   sync.Mutex
	next map[string]trustAttempt
}

// trustAttempt is the state of one notice's retries.
type trustAttempt struct {
	failures int
	at       time.Time // not before
}

// trustRetryKey identifies a cell in trustRetries.
func trustRetryKey(k TrustCellKey) string {
	return strings.Join([]string{k.Agency, k.Area, intervalOf(k.Interval).String(), fmt.Sprint(k.Start.Unix())}, "\x00")
}

// due reports whether the notice of k may be tried at now.
func (r *trustRetries) due(k TrustCellKey, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, ok := r.next[trustRetryKey(k)]
	return !ok || !now.Before(a.at)
}

// start records an attempt at the notice of k beginning at now, so that
// the loop leaves it alone while it runs; it returns the number of
// failures so far.
func (r *trustRetries) start(k TrustCellKey, now time.Time) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.next == nil {
		r.next = make(map[string]trustAttempt)
	}
	key := trustRetryKey(k)
	a := r.next[key]
	a.at = now.Add(trustBackoff(a.failures + 1))
	r.next[key] = a
	return a.failures
}

// failed records a failed attempt at the notice of k ending at now.
func (r *trustRetries) failed(k TrustCellKey, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := trustRetryKey(k)
	a := r.next[key]
	a.failures++
	a.at = now.Add(trustBackoff(a.failures))
	r.next[key] = a
}

// forget drops the state of k's notice, done or given up.
func (r *trustRetries) forget(k TrustCellKey) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.next, trustRetryKey(k))
}

// trustBackoff is the wait after the n-th failure (n ≥ 1).
func trustBackoff(n int) time.Duration {
	d := trustRetryFirst
	for i := 1; i < n && d < trustRetryMax; i++ {
		d *= 2
	}
	return min(d, trustRetryMax)
}

// sendTrustNotice gives n to the notifier and, once it took it, marks the
// notice done. A failure is logged and leaves the notice pending for
// RetryTrustNotices.
func (s *Service) sendTrustNotice(ctx context.Context, n TrustNotice) {
	failures := s.retries.start(n.Cell, s.now())
	d := n.Drop
	err := s.notifier.NotifyTrustDrop(ctx, d)
	if err != nil {
		s.retries.failed(n.Cell, s.now())
		s.log.WarnContext(ctx, "trust drop notice failed, will retry", "agency", d.Agency, "area", d.Area,
			"interval", d.Interval.String(), "period_start", d.PeriodStart, "failures", failures+1, "error", err)
		return
	}
	if err := s.store.TrustNoticeDone(ctx, n.Cell); err != nil {
		// Sent but still pending: a retry sends it again, and its request
		// id keeps it one notice.
		s.log.WarnContext(ctx, "trust drop notice sent but not marked", "agency", d.Agency, "area", d.Area, "error", err)
		return
	}
	s.retries.forget(n.Cell)
}

// RetryTrustNotices sends the pending notices of Trust-Index drops whose
// backoff has passed, and gives up those found more than
// TrustNoticeLifetime ago. The process runs it every
// TrustNoticeRetryInterval. It returns the store's errors; a notifier's
// failures are logged, and retried at a later call.
func (s *Service) RetryTrustNotices(ctx context.Context) error {
	if s.notifier == nil {
		return nil
	}
	pending, err := s.store.PendingTrustNotices(ctx)
	if err != nil {
		return fmt.Errorf("pending trust notices: %w", err)
	}
	var errsOut []error
	for _, n := range pending {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		now := s.now()
		d := n.Drop
		if now.Sub(n.Since) > TrustNoticeLifetime {
			s.log.ErrorContext(ctx, "trust drop notice given up", "agency", d.Agency, "area", d.Area,
				"interval", d.Interval.String(), "period_start", d.PeriodStart, "since", n.Since)
			if err := s.store.TrustNoticeDone(ctx, n.Cell); err != nil {
				errsOut = append(errsOut, fmt.Errorf("give up trust notice: %w", err))
				continue
			}
			s.retries.forget(n.Cell)
			continue
		}
		if !s.retries.due(n.Cell, now) {
			continue
		}
		callCtx, cancel := context.WithTimeout(ctx, trustNoticeTimeout)
		s.sendTrustNotice(callCtx, n)
		cancel()
	}
	return errors.Join(errsOut...)
}
