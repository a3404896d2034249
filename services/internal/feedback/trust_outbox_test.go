package feedback_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	feedbackv1 "github.com/engagehq/engage/api/gen/engage/feedback/v1"
	"github.com/engagehq/engage/services/internal/feedback"
	"github.com/google/go-cmp/cmp"
)

// flakyNotifier fails while down, and keeps the notices it took.
type flakyNotifier struct {
	mu    sync.Mutex
	down  bool
	calls int
	drops []feedback.TrustDrop
}

func (n *flakyNotifier) NotifyTrustDrop(_ context.Context, d feedback.TrustDrop) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.calls++
	if n.down {
		return errors.New("alerts unavailable")
	}
	n.drops = append(n.drops, d)
	return nil
}

func (n *flakyNotifier) setDown(down bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.down = down
}

// state returns the attempts so far and the notices taken.
func (n *flakyNotifier) state() (int, []feedback.TrustDrop) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.calls, append([]feedback.TrustDrop(nil), n.drops...)
}

// logRecords keeps the records logged at a level or above.
type logRecords struct {
	mu      sync.Mutex
	records []slog.Record
}

func (l *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecords) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, r.Clone())
	return nil
}
func (l *logRecords) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecords) WithGroup(string) slog.Handler      { return l }

// messages returns the messages logged at level.
func (l *logRecords) messages(level slog.Level) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.records {
		if r.Level == level {
			out = append(out, r.Message)
		}
	}
	return out
}

// agencyDrop is the drop the tests cause: the agency's index fell from 80
// last week to 60 this week, among three respondents.
func agencyDrop() feedback.TrustDrop {
	return feedback.TrustDrop{
		Agency: "agencies/metro", Interval: feedbackv1.Interval_INTERVAL_WEEK,
		PeriodStart:   time.Date(2026, 3, 9, 4, 0, 0, 0, time.UTC),
		PreviousStart: time.Date(2026, 3, 2, 5, 0, 0, 0, time.UTC),
		Score:         60, PreviousScore: 80, Responses: 3,
	}
}

// causeDrop answers the agency's survey three times last week at 80 and
// three times this week at 60 (see rateTwoWeeks).
func (e *svEnv) causeDrop(t *testing.T) string {
	t.Helper()
	return e.rateTwoWeeks(t, 8, 6)
}

// rateTwoWeeks makes a survey of the agency, answers it three times last
// week rating lastWeek and three times this week rating thisWeek, leaving
// the clock at svStart, and waits for the first attempt at a notice. It
// returns the survey's name.
func (e *svEnv) rateTwoWeeks(t *testing.T, lastWeek, thisWeek int32) string {
	t.Helper()
	sv := e.mustSurvey(t, e.analyst("ana", "metro"), "metro", feedbackv1.Survey_KIND_GENERAL, true)
	e.setClock(svStart.AddDate(0, 0, -7))
	for range 3 {
		e.rate(t, sv.GetName(), "", lastWeek, -1)
	}
	e.setClock(svStart)
	for range 3 {
		e.rate(t, sv.GetName(), "", thisWeek, -1)
	}
	e.svc.WaitTrustNotices()
	return sv.GetName()
}

// retry runs one round of retries at the clock's time.
func (e *svEnv) retry(t *testing.T) {
	t.Helper()
	must(t, "retry trust notices", e.svc.RetryTrustNotices(t.Context()))
}

func TestTrustNoticeRetriedUntilSent(t *testing.T) {
	t.Parallel()
	n := &flakyNotifier{down: true}
	e := newSvEnv(t, feedback.Config{MinCellSize: 3, TrustDropPoints: 10, Notifier: n})
	survey := e.causeDrop(t)
	if calls, drops := n.state(); calls != 1 || len(drops) != 0 {
		t.Fatalf("first attempt: %d calls, %d notices; want 1 failed call", calls, len(drops))
	}
	pending, err := e.store.PendingTrustNotices(t.Context())
	must(t, "pending", err)
	if len(pending) != 1 || !pending[0].Since.Equal(svStart.Truncate(time.Hour)) {
		t.Fatalf("pending after a failure: %+v, want the notice found at %v", pending, svStart.Truncate(time.Hour))
	}

	// The backoff doubles from a minute: retries at +1, +3 and +7 minutes.
	steps := []struct {
		advance   time.Duration
		wantCalls int
	}{
		{0, 1},
		{time.Minute - time.Second, 1},
		{time.Second, 2},
		{time.Minute, 2},
		{time.Minute, 3},
		{3 * time.Minute, 3},
	}
	for i, st := range steps {
		e.clock.Advance(st.advance)
		e.retry(t)
		if calls, _ := n.state(); calls != st.wantCalls {
			t.Fatalf("step %d: %d calls, want %d", i, calls, st.wantCalls)
		}
	}

	// Alerts is back: the next due retry sends the notice, once.
	n.setDown(false)
	e.clock.Advance(time.Minute)
	e.retry(t)
	for range 3 {
		e.clock.Advance(2 * time.Hour)
		e.retry(t)
	}
	e.rate(t, survey, "", 5, -1)
	e.svc.WaitTrustNotices()
	calls, drops := n.state()
	if d := cmp.Diff([]feedback.TrustDrop{agencyDrop()}, drops); d != "" || calls != 4 {
		t.Fatalf("after recovery: %d calls, notices (-want +got):\n%s", calls, d)
	}
	if pending, err := e.store.PendingTrustNotices(t.Context()); err != nil || len(pending) != 0 {
		t.Fatalf("pending after the notice was sent: %v %v", pending, err)
	}
}

func TestTrustNoticeSentByNextProcess(t *testing.T) {
	t.Parallel()
	down := &flakyNotifier{down: true}
	e := newSvEnv(t, feedback.Config{MinCellSize: 3, TrustDropPoints: 10, Notifier: down})
	e.causeDrop(t)
	e.svc.Close()

	// A process started later over the same file sends the notice at its
	// first round, whatever the backoff of the one before.
	up := &flakyNotifier{}
	next, err := feedback.New(e.store, feedback.Config{
		Agencies: directory{"metro": e.newYork}, MinCellSize: 3, TrustDropPoints: 10,
		Notifier: up, Now: e.clock.Now,
	})
	must(t, "new service", err)
	t.Cleanup(next.Close)
	for range 2 {
		must(t, "retry", next.RetryTrustNotices(t.Context()))
	}
	if calls, drops := up.state(); calls != 1 || cmp.Diff([]feedback.TrustDrop{agencyDrop()}, drops) != "" {
		t.Fatalf("next process: %d calls, notices %+v; want the one notice", calls, drops)
	}
}

func TestTrustNoticeGivenUp(t *testing.T) {
	t.Parallel()
	n := &flakyNotifier{down: true}
	logs := &logRecords{}
	e := newSvEnv(t, feedback.Config{MinCellSize: 3, TrustDropPoints: 10, Notifier: n, Logger: slog.New(logs)})
	e.causeDrop(t)

	// Still tried at the end of its lifetime (counted from the hour it was
	// found), given up after.
	e.setClock(svStart.Truncate(time.Hour).Add(feedback.TrustNoticeLifetime))
	e.retry(t)
	if calls, _ := n.state(); calls != 2 {
		t.Fatalf("at the end of the lifetime: %d calls, want 2", calls)
	}
	if got := logs.messages(slog.LevelError); len(got) != 0 {
		t.Fatalf("errors logged before giving up: %v", got)
	}
	e.clock.Advance(time.Second)
	e.retry(t)
	if got := logs.messages(slog.LevelError); len(got) != 1 {
		t.Fatalf("errors logged on giving up: %v, want one", got)
	}
	n.setDown(false)
	e.clock.Advance(time.Hour)
	e.retry(t)
	if calls, drops := n.state(); calls != 2 || len(drops) != 0 {
		t.Fatalf("after giving up: %d calls, notices %v; want no more", calls, drops)
	}
	if pending, err := e.store.PendingTrustNotices(t.Context()); err != nil || len(pending) != 0 {
		t.Fatalf("pending after giving up: %v %v", pending, err)
	}
}
