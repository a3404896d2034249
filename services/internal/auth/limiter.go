package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimit is a token bucket: Rate calls per second on average, bursts of
// up to Burst. Rate rate.Inf disables the limit.
type RateLimit struct {
	Rate  rate.Limit
	Burst int
}

// orDefault returns l, or def when l is unset or unusable (a zero rate or
// burst would refuse every call).
func (l RateLimit) orDefault(def RateLimit) RateLimit {
	if l.Rate == rate.Inf {
		return l
	}
	if l.Rate <= 0 || l.Burst <= 0 {
		return def
	}
	return l
}

// limiter keeps one token bucket per key (a principal name or a keyed hash
// of an address), bounded in number.
type limiter struct {
	limit RateLimit
	max   int

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(limit RateLimit, max int) *limiter {
	return &limiter{limit: limit, max: max, buckets: make(map[string]*bucket)}
}

// allow takes one token for key at now. When none is left it returns false
// and how long until one will be.
func (l *limiter) allow(key string, now time.Time) (wait time.Duration, ok bool) {
	if l.limit.Rate == rate.Inf {
		return 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= l.max {
			l.evict(now)
		}
		b = &bucket{lim: rate.NewLimiter(l.limit.Rate, l.limit.Burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return time.Second, false
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// evict first drops buckets idle long enough to have refilled, which
// forgets nothing. If the map is still full (many keys active at once, as
// in a flood of addresses) it drops arbitrary buckets down to three
// quarters of the bound, so the cost of eviction is amortised; a dropped
// key merely starts again with a full bucket.
func (l *limiter) evict(now time.Time) {
	refill := time.Second
	if l.limit.Rate > 0 {
		refill = time.Duration(float64(l.limit.Burst) / float64(l.limit.Rate) * float64(time.Second))
	}
	for k, b := range l.buckets {
		if now.Sub(b.seen) >= refill {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) < l.max {
		return
	}
	for k := range l.buckets {
		if len(l.buckets) < l.max*3/4 {
			break
		}
		delete(l.buckets, k)
	}
}

// size returns the number of buckets held, for tests.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
