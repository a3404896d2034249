package gateway

import (
	"net/http/httptest"
	"testing"
	"time"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestLimiter(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newLimiter(RateLimit{PerSecond: 1, Burst: 2, MaxClients: 100}, []byte("key"), clock.now)

	steps := []struct {
		name     string
		addr     string
		advance  time.Duration
		wantOK   bool
		wantWait time.Duration
	}{
		{name: "first of the burst", addr: "192.0.2.1", wantOK: true},
		{name: "second of the burst", addr: "192.0.2.1", wantOK: true},
		{name: "over the burst", addr: "192.0.2.1", wantOK: false, wantWait: time.Second},
		{name: "refused requests take no token", addr: "192.0.2.1", wantOK: false, wantWait: time.Second},
		{name: "another address has its own bucket", addr: "192.0.2.2", wantOK: true},
		{name: "a token comes back", addr: "192.0.2.1", advance: time.Second, wantOK: true},
		{name: "and is spent", addr: "192.0.2.1", wantOK: false, wantWait: time.Second},
	}
	for _, s := range steps {
		clock.t = clock.t.Add(s.advance)
		ok, wait := l.allow(s.addr)
		if ok != s.wantOK || wait != s.wantWait {
			t.Errorf("%s: allow = %v, %v; want %v, %v", s.name, ok, wait, s.wantOK, s.wantWait)
		}
	}
}

func TestLimiterStaysBounded(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newLimiter(RateLimit{PerSecond: 1, Burst: 1, MaxClients: 10}, []byte("key"), clock.now)
	// Idle buckets (full again) are forgotten first: the busy address
	// keeps its empty bucket.
	if ok, _ := l.allow("198.51.100.1"); !ok {
		t.Fatal("first request refused")
	}
	for i := range 9 {
		clock.t = clock.t.Add(-time.Hour) // make these look long idle
		l.allow("192.0.2." + string(rune('a'+i)))
		clock.t = clock.t.Add(time.Hour)
	}
	l.allow("203.0.113.1") // at the bound: the idle ones go
	if n := len(l.buckets); n > 10 {
		t.Errorf("%d buckets, want at most 10", n)
	}
	if ok, _ := l.allow("198.51.100.1"); ok {
		t.Error("the busy address got a fresh bucket")
	}
	// A flood of fresh addresses cannot grow the map past the bound.
	for i := range 1000 {
		l.allow(string(rune(0x4e00 + i)))
	}
	if n := len(l.buckets); n > 10 {
		t.Errorf("%d buckets after a flood, want at most 10", n)
	}
}

func TestLimiterKeysAreNotAddresses(t *testing.T) {
	t.Parallel()
	l := newLimiter(RateLimit{PerSecond: 1, Burst: 1, MaxClients: 10}, []byte("k1"), time.Now)
	l.allow("192.0.2.1")
	other := newLimiter(RateLimit{PerSecond: 1, Burst: 1, MaxClients: 10}, []byte("k2"), time.Now)
	other.allow("192.0.2.1")
	for k := range l.buckets {
		if _, same := other.buckets[k]; same {
			t.Error("two processes derive the same key for an address")
		}
		if string(k[:9]) == "192.0.2.1" {
			t.Error("the key holds the address")
		}
	}
}

func TestClientAddr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		remote  string
		xff     []string
		proxies int
		want    string
	}{
		{name: "peer address", remote: "192.0.2.7:5555", want: "192.0.2.7"},
		{name: "X-Forwarded-For ignored without trusted proxies", remote: "192.0.2.7:5555", xff: []string{"203.0.113.1"}, want: "192.0.2.7"},
		{name: "one trusted proxy", remote: "10.0.0.2:80", xff: []string{"203.0.113.1, 198.51.100.9"}, proxies: 1, want: "198.51.100.9"},
		{name: "two trusted proxies over two headers", remote: "10.0.0.2:80", xff: []string{"6.6.6.6, 198.51.100.9", "10.0.0.1"}, proxies: 2, want: "198.51.100.9"},
		{name: "too few entries falls back to the peer", remote: "10.0.0.2:80", xff: []string{"198.51.100.9"}, proxies: 2, want: "10.0.0.2"},
		{name: "IPv6 counts by /64", remote: "[2001:db8:1:2:aaaa::1]:443", want: "2001:db8:1:2::/64"},
		{name: "IPv4-mapped IPv6 is IPv4", remote: "[::ffff:192.0.2.9]:443", want: "192.0.2.9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := clientAddr(r, tc.proxies); got != tc.want {
				t.Errorf("clientAddr = %q, want %q", got, tc.want)
			}
		})
	}
}
