package forum

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
)

// abuseClock is a clock that tests move by hand.
type abuseClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *abuseClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *abuseClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var abuseEpoch = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

// Callers of the guard tests, all in agency "metro".
var (
	guardNewcomer   = auth.Principal{Kind: auth.Account, Name: "accounts/new", AccountCreateTime: abuseEpoch.Add(-24 * time.Hour)}
	guardUnknownAge = auth.Principal{Kind: auth.Account, Name: "accounts/unknown-age"}
	guardRegular    = auth.Principal{Kind: auth.Account, Name: "accounts/regular", AccountCreateTime: abuseEpoch.Add(-30 * 24 * time.Hour)}
	guardStaff      = auth.Principal{Kind: auth.Account, Name: "accounts/officer", AccountCreateTime: abuseEpoch,
		Roles: map[string][]accessv1.Role{"metro": {accessv1.Role_ROLE_MODERATOR}}}
	guardOtherStaff = auth.Principal{Kind: auth.Account, Name: "accounts/elsewhere", AccountCreateTime: abuseEpoch,
		Roles: map[string][]accessv1.Role{"riverside": {accessv1.Role_ROLE_MODERATOR}}}
	guardService = auth.Principal{Kind: auth.Service, Name: "services/seed"}
)

func newTestGuard(cfg AbuseConfig) (*abuseGuard, *abuseClock) {
	c := &abuseClock{now: abuseEpoch}
	return newAbuseGuard(cfg, c.Now), c
}

// guardPost checks and, when allowed, records a post; it returns check's error.
func guardPost(g *abuseGuard, p auth.Principal, text string) error {
	if err := g.check(p, "metro", "post.body", text); err != nil {
		return err
	}
	g.record(p, "metro", text)
	return nil
}

// wantGuardThrottled fails unless err is a rate limit asking to wait exactly
// retry.
func wantGuardThrottled(t *testing.T, err error, retry time.Duration) {
	t.Helper()
	var te *errs.ThrottledError
	if !errors.As(err, &te) {
		t.Fatalf("error %v, want a rate limit", err)
	}
	if te.RetryAfter != retry {
		t.Fatalf("retry after %s, want %s (%v)", te.RetryAfter, retry, err)
	}
}

func wantGuardDuplicate(t *testing.T, err error) {
	t.Helper()
	var re *errs.ReasonError
	if !errors.As(err, &re) || re.Reason != "DUPLICATE_POST" || !errors.Is(err, errs.AlreadyExists) {
		t.Fatalf("error %v, want ALREADY_EXISTS with reason DUPLICATE_POST", err)
	}
}

func TestAbuseRateLimitNewAccount(t *testing.T) {
	t.Parallel()
	g, c := newTestGuard(AbuseConfig{})
	for i := range 3 {
		if err := guardPost(g, guardNewcomer, fmt.Sprintf("post %d", i)); err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
		c.Advance(10 * time.Second)
	}
	// Posts at 0s, 10s and 20s; now 30s: the first leaves the minute at 60s.
	wantGuardThrottled(t, guardPost(g, guardNewcomer, "fourth"), 30*time.Second)
	c.Advance(29 * time.Second)
	wantGuardThrottled(t, guardPost(g, guardNewcomer, "fourth"), time.Second)
	c.Advance(time.Second)
	if err := guardPost(g, guardNewcomer, "fourth"); err != nil {
		t.Fatalf("a slot should be free at 60s: %v", err)
	}
	// Posts at 10s, 20s, 60s: the next slot frees when the 10s post leaves.
	wantGuardThrottled(t, guardPost(g, guardNewcomer, "fifth"), 10*time.Second)
}

func TestAbuseRateLimitUnknownAgeIsNew(t *testing.T) {
	t.Parallel()
	g, _ := newTestGuard(AbuseConfig{})
	for i := range 3 {
		if err := guardPost(g, guardUnknownAge, fmt.Sprintf("post %d", i)); err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
	}
	wantGuardThrottled(t, guardPost(g, guardUnknownAge, "fourth"), time.Minute)
	if err := g.check(guardUnknownAge, "metro", "post.body", "see https://a.example https://b.example https://c.example"); err == nil {
		t.Fatal("an account of unknown age may post three links")
	}
}

func TestAbuseRateLimitPerDay(t *testing.T) {
	t.Parallel()
	g, c := newTestGuard(AbuseConfig{})
	// 30 posts, one every 20 minutes: never three in a minute.
	for i := range 30 {
		if err := guardPost(g, guardNewcomer, fmt.Sprintf("post %d", i)); err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
		c.Advance(20 * time.Minute)
	}
	// The first was 600 minutes ago; it leaves the day in 14 hours.
	wantGuardThrottled(t, guardPost(g, guardNewcomer, "one more"), 14*time.Hour)
	c.Advance(14 * time.Hour)
	if err := guardPost(g, guardNewcomer, "one more"); err != nil {
		t.Fatalf("after the first post left the day: %v", err)
	}
}

func TestAbuseRateLimitBothWindowsReportTheLonger(t *testing.T) {
	t.Parallel()
	g, c := newTestGuard(AbuseConfig{NewPerMinute: 2, NewPerDay: 2})
	if err := guardPost(g, guardNewcomer, "a"); err != nil {
		t.Fatal(err)
	}
	c.Advance(10 * time.Second)
	if err := guardPost(g, guardNewcomer, "b"); err != nil {
		t.Fatal(err)
	}
	err := guardPost(g, guardNewcomer, "c")
	wantGuardThrottled(t, err, 24*time.Hour-10*time.Second)
	if !strings.Contains(err.Error(), "2 times a minute and 2 times a day") {
		t.Fatalf("message %q names neither limit", err)
	}
}

func TestAbuseRateLimitEstablished(t *testing.T) {
	t.Parallel()
	g, c := newTestGuard(AbuseConfig{})
	for i := range 10 {
		if err := guardPost(g, guardRegular, fmt.Sprintf("post %d", i)); err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
		c.Advance(time.Second)
	}
	err := guardPost(g, guardRegular, "eleventh")
	wantGuardThrottled(t, err, 50*time.Second)
	if !strings.HasPrefix(err.Error(), "accounts may post at most 10 times a minute") {
		t.Fatalf("message %q", err)
	}
	// An established account may post many links.
	links := "https://a.example https://b.example www.c.example http://d.example"
	c.Advance(time.Minute)
	if err := guardPost(g, guardRegular, links); err != nil {
		t.Fatalf("links by an established account: %v", err)
	}
}

func TestAbuseAccountBecomesEstablished(t *testing.T) {
	t.Parallel()
	young := auth.Principal{Kind: auth.Account, Name: "accounts/young", AccountCreateTime: abuseEpoch.Add(-7*24*time.Hour + 30*time.Second)}
	g, c := newTestGuard(AbuseConfig{})
	for i := range 3 {
		if err := guardPost(g, young, fmt.Sprintf("post %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	wantGuardThrottled(t, guardPost(g, young, "fourth"), time.Minute)
	c.Advance(30 * time.Second) // now a week old: 10 a minute
	if err := guardPost(g, young, "fourth"); err != nil {
		t.Fatalf("established account: %v", err)
	}
}

func TestAbuseDuplicate(t *testing.T) {
	t.Parallel()
	g, c := newTestGuard(AbuseConfig{})
	if err := guardPost(g, guardRegular, "Is the  community meeting\non Tuesday?"); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Minute)
	tests := []struct {
		name string
		p    auth.Principal
		text string
		dup  bool
	}{
		{"same text", guardRegular, "Is the  community meeting\non Tuesday?", true},
		{"other case and spacing", guardRegular, "  is the community MEETING on tuesday? ", true},
		{"other words", guardRegular, "Is the community meeting on Wednesday?", false},
		{"other account", guardNewcomer, "Is the community meeting on Tuesday?", false},
		{"staff", guardStaff, "Is the community meeting on Tuesday?", false},
	}
	for _, tc := range tests {
		err := g.check(tc.p, "metro", "post.body", tc.text)
		if tc.dup {
			wantGuardDuplicate(t, err)
		} else if err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	c.Advance(9*time.Minute - time.Nanosecond)
	wantGuardDuplicate(t, g.check(guardRegular, "metro", "post.body", "is the community meeting on tuesday?"))
	c.Advance(time.Nanosecond)
	if err := g.check(guardRegular, "metro", "post.body", "is the community meeting on tuesday?"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestAbuseDuplicateCheckedBeforeRate(t *testing.T) {
	t.Parallel()
	g, _ := newTestGuard(AbuseConfig{})
	for i := range 3 {
		if err := guardPost(g, guardNewcomer, fmt.Sprintf("post %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	wantGuardDuplicate(t, guardPost(g, guardNewcomer, "post 0"))
}

func TestAbuseLinks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want int
	}{
		{"none", "the meeting is at the library", 0},
		{"one https", "see https://example.org/agenda for the agenda", 1},
		{"http and https, any case", "HTTP://a.example and Https://b.example", 2},
		{"www host", "go to www.example.org", 1},
		{"www inside a url counts once", "https://www.example.org/x", 1},
		{"glued urls", "https://a.example,https://b.example;http://c.example", 3},
		{"www after punctuation", "(www.a.example) www.b.example.", 2},
		{"www inside a word", "awww.cute", 0},
		{"www without a host", "www. is not a link", 0},
		{"no scheme, no www", "example.org", 0},
	}
	for _, tc := range tests {
		if got := countLinks(tc.text); got != tc.want {
			t.Errorf("%s: countLinks(%q) = %d, want %d", tc.name, tc.text, got, tc.want)
		}
	}

	g, _ := newTestGuard(AbuseConfig{})
	two := "https://a.example and www.b.example"
	three := two + " and http://c.example"
	if err := g.check(guardNewcomer, "metro", "thread.body", two); err != nil {
		t.Fatalf("two links: %v", err)
	}
	err := g.check(guardNewcomer, "metro", "thread.body", three)
	var br *errs.BadRequestError
	if !errors.As(err, &br) || len(br.Violations) != 1 || br.Violations[0].Field != "thread.body" {
		t.Fatalf("three links: %v, want a violation of thread.body", err)
	}
	if err := g.check(guardRegular, "metro", "thread.body", three); err != nil {
		t.Fatalf("established account: %v", err)
	}
}

func TestAbuseExempt(t *testing.T) {
	t.Parallel()
	many := "https://a.example https://b.example https://c.example https://d.example"
	tests := []struct {
		name   string
		p      auth.Principal
		exempt bool
	}{
		{"staff of the agency", guardStaff, true},
		{"platform administrator", auth.Principal{Kind: auth.Account, Name: "accounts/root", PlatformAdmin: true}, true},
		{"engage service", guardService, true},
		{"staff of another agency", guardOtherStaff, false},
		{"resident", guardNewcomer, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g, _ := newTestGuard(AbuseConfig{})
			var err error
			for range 40 {
				if err = guardPost(g, tc.p, many); err != nil {
					break
				}
			}
			if tc.exempt && err != nil {
				t.Fatalf("exempt caller refused: %v", err)
			}
			if !tc.exempt && err == nil {
				t.Fatal("40 identical posts with four links passed")
			}
			if tc.exempt && g.lru.Len() != 0 {
				t.Fatalf("exempt caller remembered: %d accounts", g.lru.Len())
			}
		})
	}
}

func TestAbuseDisabledLimits(t *testing.T) {
	t.Parallel()
	g, _ := newTestGuard(AbuseConfig{NewPerMinute: -1, NewPerDay: -1, DuplicateWindow: -1, NewMaxLinks: -1})
	for range 100 {
		if err := guardPost(g, guardNewcomer, "same https://a.example https://b.example https://c.example"); err != nil {
			t.Fatalf("every limit is off: %v", err)
		}
	}
}

func TestAbuseBoundedMemory(t *testing.T) {
	t.Parallel()
	g, c := newTestGuard(AbuseConfig{MaxTrackedAccounts: 3})
	for i := range 5 {
		p := auth.Principal{Kind: auth.Account, Name: fmt.Sprintf("accounts/a%d", i)}
		if err := guardPost(g, p, "hello"); err != nil {
			t.Fatal(err)
		}
		c.Advance(time.Second)
	}
	var names []string
	for el := g.lru.Front(); el != nil; el = el.Next() {
		names = append(names, el.Value.(*accountActivity).name)
	}
	if d := cmp.Diff([]string{"accounts/a4", "accounts/a3", "accounts/a2"}, names); d != "" {
		t.Fatalf("tracked accounts (-want +got):\n%s", d)
	}
	if len(g.accounts) != 3 {
		t.Fatalf("map holds %d accounts", len(g.accounts))
	}
	// A forgotten account starts over.
	if err := g.check(auth.Principal{Kind: auth.Account, Name: "accounts/a0"}, "metro", "post.body", "hello"); err != nil {
		t.Fatalf("forgotten account: %v", err)
	}

	// Posting again moves an account to the front; an idle day forgets
	// everyone but the one who posts.
	c.Advance(24 * time.Hour)
	if err := guardPost(g, auth.Principal{Kind: auth.Account, Name: "accounts/a2"}, "again"); err != nil {
		t.Fatal(err)
	}
	if g.lru.Len() != 1 || len(g.accounts) != 1 {
		t.Fatalf("after a day %d accounts tracked, want 1", g.lru.Len())
	}
}

func TestAbuseRemembersBoundedHistory(t *testing.T) {
	t.Parallel()
	g, c := newTestGuard(AbuseConfig{PerMinute: -1, PerDay: -1})
	for i := range 1000 {
		if err := guardPost(g, guardRegular, fmt.Sprintf("post %d", i)); err != nil {
			t.Fatal(err)
		}
		c.Advance(time.Millisecond)
	}
	a := g.accounts[guardRegular.Name].Value.(*accountActivity)
	if len(a.texts) > maxRemembered || len(a.times) > g.keep {
		t.Fatalf("remembers %d texts and %d times", len(a.texts), len(a.times))
	}
	wantGuardDuplicate(t, g.check(guardRegular, "metro", "post.body", "post 999"))
}

func TestAbuseConcurrent(t *testing.T) {
	t.Parallel()
	g, c := newTestGuard(AbuseConfig{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 200 {
				p := auth.Principal{Kind: auth.Account, Name: fmt.Sprintf("accounts/w%d-%d", w, i%20)}
				_ = guardPost(g, p, fmt.Sprintf("text %d", i))
				if i%50 == 0 {
					c.Advance(time.Second)
				}
			}
		})
	}
	wg.Wait()
	if g.lru.Len() != 160 || len(g.accounts) != 160 {
		t.Fatalf("%d accounts in the list, %d in the map, want 160", g.lru.Len(), len(g.accounts))
	}
}

func TestAbuseErrorsTranslate(t *testing.T) {
	t.Parallel()
	g, _ := newTestGuard(AbuseConfig{})
	for i := range 3 {
		if err := guardPost(g, guardNewcomer, fmt.Sprintf("post %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		err    error
		code   codes.Code
		reason string
	}{
		{"rate", g.check(guardNewcomer, "metro", "post.body", "new text"), codes.ResourceExhausted, "RESOURCE_EXHAUSTED"},
		{"duplicate", g.check(guardNewcomer, "metro", "post.body", "POST 1"), codes.AlreadyExists, "DUPLICATE_POST"},
		{"links", g.check(guardNewcomer, "metro", "post.body", "https://a https://b https://c"), codes.InvalidArgument, "INVALID_ARGUMENT"},
	}
	for _, tc := range tests {
		st, internal := errs.ToStatus(tc.err)
		if internal || st.Code() != tc.code {
			t.Errorf("%s: %v (internal %v), want %v", tc.name, st, internal, tc.code)
			continue
		}
		var reason string
		var retry bool
		for _, d := range st.Details() {
			switch d := d.(type) {
			case *errdetails.ErrorInfo:
				reason = d.GetReason()
			case *errdetails.RetryInfo:
				retry = d.GetRetryDelay().AsDuration() == time.Minute
			}
		}
		if reason != tc.reason {
			t.Errorf("%s: reason %q, want %q", tc.name, reason, tc.reason)
		}
		if retry != (tc.code == codes.ResourceExhausted) {
			t.Errorf("%s: retry info of one minute present: %v", tc.name, retry)
		}
	}
}
