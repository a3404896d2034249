package gateway

import (
	"crypto/hmac"
	"crypto/sha256"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/durationpb"
)

// RateLimit is the budget of requests without credentials (no Authorization,
// no X-Api-Key) from one client address. Requests with credentials are
// limited per principal by the services, which can tell who is calling;
// credentials that do not check out are rejected there, so sending junk
// credentials does not escape a limit.
type RateLimit struct {
	// PerSecond is the sustained rate and Burst the bucket size. Defaults:
	// 10 per second, bursts of 40 (an app screen loads several resources at
	// once, and carrier-grade NAT puts many phones behind one address).
	PerSecond float64
	Burst     int
	// Disabled turns the limit off, for example behind a proxy that limits.
	Disabled bool
	// TrustedProxies is how many reverse proxies in front of the gateway
	// append the client address to X-Forwarded-For; the client address is
	// then that many entries from the right. 0 uses the connection's peer.
	TrustedProxies int
	// MaxClients bounds the addresses tracked at once. Default 100 000.
	MaxClients int
}

func (l RateLimit) withDefaults() RateLimit {
	if l.PerSecond <= 0 {
		l.PerSecond = 10
	}
	if l.Burst <= 0 {
		l.Burst = 40
	}
	if l.MaxClients <= 0 {
		l.MaxClients = 100_000
	}
	return l
}

// clientKey is a truncated HMAC of a client address. The HMAC key is made
// per process and never leaves memory, so the map holds nothing that could
// be turned back into an address.
type clientKey [16]byte

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// limiter keeps one token bucket per client key.
type limiter struct {
	cfg     RateLimit
	key     []byte
	now     func() time.Time
	mu      sync.Mutex
	buckets map[clientKey]*bucket
}

func newLimiter(cfg RateLimit, key []byte, now func() time.Time) *limiter {
	return &limiter{cfg: cfg, key: key, now: now, buckets: make(map[clientKey]*bucket)}
}

// allow takes a token for addr; when there is none it returns how long
// until there is.
func (l *limiter) allow(addr string) (bool, time.Duration) {
	mac := hmac.New(sha256.New, l.key)
	mac.Write([]byte(addr))
	var k clientKey
	copy(k[:], mac.Sum(nil))

	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[k]
	if !ok {
		l.makeRoom(now)
		b = &bucket{lim: rate.NewLimiter(rate.Limit(l.cfg.PerSecond), l.cfg.Burst)}
		l.buckets[k] = b
	}
	b.seen = now
	res := b.lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// makeRoom keeps the map under MaxClients. A bucket idle long enough to be
// full again is no different from a new one, so forgetting it loses
// nothing. If that is not enough (a flood of fresh addresses), arbitrary
// buckets go: bounded memory matters more than an exact limit then.
func (l *limiter) makeRoom(now time.Time) {
	if len(l.buckets) < l.cfg.MaxClients {
		return
	}
	refill := time.Duration(float64(l.cfg.Burst) / l.cfg.PerSecond * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.seen) >= refill {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < l.cfg.MaxClients*9/10 {
			break
		}
		delete(l.buckets, k)
	}
}

// rateLimit answers 429 with Retry-After to anonymous clients over budget.
func (g *gateway) rateLimit(next http.Handler) http.Handler {
	if g.cfg.AnonymousLimit.Disabled {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" || r.Header.Get("X-Api-Key") != "" {
			next.ServeHTTP(w, r)
			return
		}
		ok, wait := g.limiter.allow(clientAddr(r, g.cfg.AnonymousLimit.TrustedProxies))
		if ok {
			next.ServeHTTP(w, r)
			return
		}
		g.metrics.limited.Inc()
		wait = time.Duration(math.Ceil(wait.Seconds())) * time.Second
		g.writeStatus(w, r, http.StatusTooManyRequests, gatewayStatus(
			codes.ResourceExhausted, "RATE_LIMITED", "too many requests from this network; retry later",
			&errdetails.RetryInfo{RetryDelay: durationpb.New(wait)}))
	})
}

// clientAddr returns the address a client is limited by: the peer, or the
// X-Forwarded-For entry the trusted proxies vouch for. IPv6 addresses count
// by /64, the block one subscriber usually holds, so that rotating through
// it gains nothing.
func clientAddr(r *http.Request, trustedProxies int) string {
	addr := r.RemoteAddr
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	if trustedProxies > 0 {
		var hops []string
		for _, v := range r.Header.Values("X-Forwarded-For") {
			for _, h := range strings.Split(v, ",") {
				hops = append(hops, strings.TrimSpace(h))
			}
		}
		if len(hops) >= trustedProxies {
			addr = hops[len(hops)-trustedProxies]
		}
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		return netip.PrefixFrom(ip, 64).Masked().String()
	}
	return ip.String()
}
