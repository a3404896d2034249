package feedback

import (
	"context"
	"fmt"
	"sync"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
)

// feedbackState is what the FeedbackService handlers keep in memory: the
// live watchers of each agency and the failed tracking-code attempts.
type feedbackState struct {
	hub   *watchHub
	locks *codeLocks
	codes retryCodes
}

func newFeedbackState(s *Service, codeSecret []byte) *feedbackState {
	return &feedbackState{hub: newWatchHub(), locks: newCodeLocks(s.now), codes: newRetryCodes(codeSecret)}
}

// close ends every watcher.
func (st *feedbackState) close() { st.hub.close() }

// Who may do what. The auth interceptor enforces each RPC's declared
// policy; these checks are per object and repeat what matters, so that a
// mistake in a policy cannot expose feedback. What a caller may not see is
// NOT_FOUND, never PERMISSION_DENIED.
//
// Analysts are signed-in people holding ROLE_ANALYST (or
// ROLE_AGENCY_ADMIN) in the feedback's agency; a partner's API key never
// reads residents' feedback, whatever roles it carries.

// isAnalyst reports whether p triages agency's feedback.
func isAnalyst(p auth.Principal, agency string) bool {
	return p.Kind == auth.Account && p.HasRole(agency, accessv1.Role_ROLE_ANALYST)
}

// isOwner reports whether p submitted f with their identity.
func isOwner(p auth.Principal, f Feedback) bool {
	return p.Kind == auth.Account && !f.Anonymous && f.Submitter != "" && f.Submitter == p.Name
}

// feedbackNotFound is what a caller who may not see name is told.
func feedbackNotFound(name string) error { return fmt.Errorf("%s: %w", name, errs.NotFound) }

// requireAnalyst returns errs.NotFound about what unless the caller is an
// analyst of agency.
func requireAnalyst(ctx context.Context, agency, what string) (auth.Principal, error) {
	p := auth.FromContext(ctx)
	if !isAnalyst(p, agency) {
		return p, feedbackNotFound(what)
	}
	return p, nil
}

// Throttling of tracking-code attempts.
const (
	// maxCodeFailures wrong attempts on a code lock it.
	maxCodeFailures = 5
	// codeLockout is the first lock's length; each further lock of the
	// same code doubles it, up to maxCodeLockout.
	codeLockout    = 15 * time.Minute
	maxCodeLockout = 24 * time.Hour
	// maxCodeLockEntries bounds the codes remembered; past it, codes
	// neither locked nor failed within the last lock period are forgotten
	// first.
	maxCodeLockEntries = 100_000
)

// codeLocks counts failed attempts per tracking code, in memory only and
// keyed by the code's index hash, never by anything of the caller. Five
// failures lock the code for 15 minutes, doubling with every further lock.
type codeLocks struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]*codeLock
}

type codeLock struct {
	failures    int
	locks       int
	lockedUntil time.Time
	last        time.Time
}

func newCodeLocks(now func() time.Time) *codeLocks {
	return &codeLocks{now: now, m: map[string]*codeLock{}}
}

// check returns a throttling error while the code is locked.
func (c *codeLocks) check(key []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.m[string(key)]
	if l == nil {
		return nil
	}
	if wait := l.lockedUntil.Sub(c.now()); wait > 0 {
		return errs.Throttled(wait, "too many wrong attempts for this tracking code")
	}
	return nil
}

// fail records a failed attempt, locking the code at the fifth.
func (c *codeLocks) fail(key []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	l := c.m[string(key)]
	if l == nil {
		if len(c.m) >= maxCodeLockEntries {
			c.prune(now)
		}
		l = &codeLock{}
		c.m[string(key)] = l
	}
	l.failures++
	l.last = now
	if l.failures >= maxCodeFailures {
		d := codeLockout << min(l.locks, 7)
		l.lockedUntil = now.Add(min(d, maxCodeLockout))
		l.locks++
		l.failures = 0
	}
}

// succeed forgets the failures of a code, keeping how often it was locked.
func (c *codeLocks) succeed(key []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if l := c.m[string(key)]; l != nil {
		l.failures = 0
	}
}

// prune forgets codes that are not locked and have not failed recently,
// and, if that is not enough, the least recently failed ones.
func (c *codeLocks) prune(now time.Time) {
	for k, l := range c.m {
		if now.After(l.lockedUntil) && now.Sub(l.last) > codeLockout {
			delete(c.m, k)
		}
	}
	for k := range c.m {
		if len(c.m) < maxCodeLockEntries {
			break
		}
		if now.After(c.m[k].lockedUntil) {
			delete(c.m, k)
		}
	}
}
