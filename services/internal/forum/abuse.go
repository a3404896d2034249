package forum

import (
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
)

// Defaults of AbuseConfig, after Discourse's site settings for new users
// (rate_limit_new_user_create_post, max_replies_in_first_day,
// newuser_max_links, unique_posts_mins), adapted to per-minute and per-day
// sliding windows.
const (
	// DefaultNewAccountAge is how long an account counts as new. Discourse
	// promotes users to trust level 1 after a few days of reading; a week
	// is as long as it usually takes.
	DefaultNewAccountAge = 7 * 24 * time.Hour
	// DefaultNewPerMinute and DefaultNewPerDay limit new accounts: a person
	// answering a thread rarely posts more than three times a minute, and a
	// newcomer who posts thirty times on the first day is almost always a
	// spammer.
	DefaultNewPerMinute = 3
	DefaultNewPerDay    = 30
	// DefaultPerMinute limits established accounts, enough for a lively
	// conversation and too few for a flood.
	DefaultPerMinute = 10
	// DefaultPerDay limits established accounts per day: generous, so that
	// only scripts reach it.
	DefaultPerDay = 500
	// DefaultDuplicateWindow is how long the same text by the same account
	// is refused as a duplicate (Discourse: unique_posts_mins, 5; doubled,
	// because a double submission from a phone often comes minutes later).
	DefaultDuplicateWindow = 10 * time.Minute
	// DefaultNewMaxLinks is how many links a new account may put in one
	// post (Discourse: newuser_max_links).
	DefaultNewMaxLinks = 2
	// DefaultMaxTrackedAccounts bounds the accounts the guard remembers.
	DefaultMaxTrackedAccounts = 100_000
)

// maxRemembered bounds the posts remembered per account for the duplicate
// check, however the limits are configured.
const maxRemembered = 256

// AbuseConfig sets the limits against spam and floods that apply to the
// creation of threads and posts. Staff of the agency are exempt, as are
// platform administrators and other Engage services. A zero field takes its
// default; a negative one turns that limit off.
//
// Rate limits are sliding windows: a post counts against a window until
// exactly a minute (or a day) after it was made, and a refused caller is
// told precisely when the oldest post in the full window leaves it.
type AbuseConfig struct {
	// NewAccountAge: accounts created less than this long ago are new (an
	// account whose creation time is unknown counts as new).
	NewAccountAge time.Duration
	// NewPerMinute and NewPerDay limit the posts of new accounts.
	NewPerMinute int
	NewPerDay    int
	// PerMinute and PerDay limit the posts of established accounts.
	PerMinute int
	PerDay    int
	// DuplicateWindow: the same text (compared case-insensitively and with
	// runs of white space collapsed) posted again by the same account
	// within it is refused as DUPLICATE_POST.
	DuplicateWindow time.Duration
	// NewMaxLinks is how many links (http:// and https:// URLs, and hosts
	// starting with www.) a new account may put in one post, also when it
	// edits one: the only limit that applies to edits.
	NewMaxLinks int
	// MaxTrackedAccounts bounds memory: beyond it, the accounts that posted
	// least recently are forgotten first.
	MaxTrackedAccounts int
}

// withDefaults fills zero fields with the defaults.
func (c AbuseConfig) withDefaults() AbuseConfig {
	setInt := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	setDur := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	setDur(&c.NewAccountAge, DefaultNewAccountAge)
	setInt(&c.NewPerMinute, DefaultNewPerMinute)
	setInt(&c.NewPerDay, DefaultNewPerDay)
	setInt(&c.PerMinute, DefaultPerMinute)
	setInt(&c.PerDay, DefaultPerDay)
	setDur(&c.DuplicateWindow, DefaultDuplicateWindow)
	setInt(&c.NewMaxLinks, DefaultNewMaxLinks)
	setInt(&c.MaxTrackedAccounts, DefaultMaxTrackedAccounts)
	return c
}

// abuseGuard remembers, per account, when it recently posted and hashes of
// what, and refuses a new thread or post that would exceed a limit. It is
// in memory: a restart forgets it, which only ever lets a spammer start
// over once, and several processes serving one agency each count alone.
//
// check and record are separate steps, so that a create refused for another
// reason (a bad field, a locked thread) costs nothing. Creates of one
// account that run at the same moment may therefore all pass check; the
// windows then hold more posts than the limit, and the account waits
// correspondingly longer afterwards.
type abuseGuard struct {
	cfg AbuseConfig
	now func() time.Time
	// horizon is the longest window anything is remembered for.
	horizon time.Duration
	// keep is how many post times an account needs remembered.
	keep int

	mu sync.Mutex
	// accounts maps an account name to its element in lru, whose front is
	// the account that posted last.
	accounts map[string]*list.Element
	lru      *list.List
}

// accountActivity is what the guard remembers of one account.
type accountActivity struct {
	name string
	// times are the times of its recent posts, oldest first.
	times []time.Time
	// texts are the hashes of its recent posts' normalized texts, oldest
	// first.
	texts []postedText
	// last is the time of its last recorded post.
	last time.Time
}

type postedText struct {
	hash uint64
	at   time.Time
}

// newAbuseGuard returns a guard with cfg's limits (defaults for zero
// fields), reading time from now.
func newAbuseGuard(cfg AbuseConfig, now func() time.Time) *abuseGuard {
	cfg = cfg.withDefaults()
	if now == nil {
		now = time.Now
	}
	horizon := max(time.Minute, cfg.DuplicateWindow)
	if cfg.NewPerDay > 0 || cfg.PerDay > 0 {
		horizon = max(horizon, 24*time.Hour)
	}
	return &abuseGuard{
		cfg:      cfg,
		now:      now,
		horizon:  horizon,
		keep:     max(cfg.NewPerMinute, cfg.NewPerDay, cfg.PerMinute, cfg.PerDay, 1),
		accounts: make(map[string]*list.Element),
		lru:      list.New(),
	}
}

// exempt reports whether p is not limited in agency (an id): its staff,
// platform administrators and Engage services, and callers without a name,
// whom the access policies of every create refuse anyway.
func (g *abuseGuard) exempt(p auth.Principal, agency string) bool {
	return p.Name == "" || p.Kind == auth.Service || p.PlatformAdmin || p.IsStaff(agency)
}

// isNew reports whether p's account counts as new at now.
func (g *abuseGuard) isNew(p auth.Principal, now time.Time) bool {
	return p.AccountCreateTime.IsZero() || now.Sub(p.AccountCreateTime) < g.cfg.NewAccountAge
}

// check returns why p may not create a thread or post with text in agency
// (an id) now, or nil. field names the text in errors ("post.body"). The
// checks run in this order: the link limit (errs.Field naming field), the
// duplicate check (ALREADY_EXISTS with reason DUPLICATE_POST), the rate
// limits (errs.Throttled with the time until a post is allowed again).
func (g *abuseGuard) check(p auth.Principal, agency, field, text string) error {
	if g.exempt(p, agency) {
		return nil
	}
	now := g.now()
	isNew := g.isNew(p, now)
	if err := g.checkLinks(isNew, field, text); err != nil {
		return err
	}
	hash := textHash(text)

	g.mu.Lock()
	defer g.mu.Unlock()
	el, ok := g.accounts[p.Name]
	if !ok {
		return nil
	}
	a := el.Value.(*accountActivity)
	if g.cfg.DuplicateWindow > 0 {
		for _, t := range a.texts {
			if t.hash == hash && now.Sub(t.at) < g.cfg.DuplicateWindow {
				return errs.WithReason(errs.Public(errs.AlreadyExists,
					"you posted the same text less than %s ago", formatWindow(g.cfg.DuplicateWindow)), "DUPLICATE_POST")
			}
		}
	}
	perMinute, perDay, who := g.cfg.PerMinute, g.cfg.PerDay, "accounts"
	if isNew {
		perMinute, perDay, who = g.cfg.NewPerMinute, g.cfg.NewPerDay, "new accounts"
	}
	var wait time.Duration
	var reasons []string
	if d, full := windowWait(a.times, now, time.Minute, perMinute); full {
		wait = max(wait, d)
		reasons = append(reasons, fmt.Sprintf("%d times a minute", perMinute))
	}
	if d, full := windowWait(a.times, now, 24*time.Hour, perDay); full {
		wait = max(wait, d)
		reasons = append(reasons, fmt.Sprintf("%d times a day", perDay))
	}
	if len(reasons) > 0 {
		return errs.Throttled(wait, who+" may post at most "+strings.Join(reasons, " and "))
	}
	return nil
}

// checkEdit returns why p may not change the text of a thread or post to
// text in agency (an id), or nil: an edit is not a new post, so only the
// link limit applies, which an edit would otherwise get around.
func (g *abuseGuard) checkEdit(p auth.Principal, agency, field, text string) error {
	if g.exempt(p, agency) {
		return nil
	}
	return g.checkLinks(g.isNew(p, g.now()), field, text)
}

// checkLinks applies the link limit of new accounts to text.
func (g *abuseGuard) checkLinks(isNew bool, field, text string) error {
	if !isNew || g.cfg.NewMaxLinks < 0 {
		return nil
	}
	if n := countLinks(text); n > g.cfg.NewMaxLinks {
		return errs.Field(field, "has %d links; new accounts may post at most %d links at a time", n, g.cfg.NewMaxLinks)
	}
	return nil
}

// windowWait reports whether limit posts of times (oldest first) fall in
// the window that ends at now, and if so how long until enough of them
// have left it for one more. A limit below 1 is off.
func windowWait(times []time.Time, now time.Time, window time.Duration, limit int) (time.Duration, bool) {
	if limit <= 0 {
		return 0, false
	}
	start := len(times)
	for start > 0 && now.Sub(times[start-1]) < window {
		start--
	}
	inWindow := times[start:]
	if len(inWindow) < limit {
		return 0, false
	}
	// One more post fits once all but limit-1 posts have left the window,
	// that is when the post limit places from the newest leaves it.
	oldest := inWindow[len(inWindow)-limit]
	return oldest.Add(window).Sub(now), true
}

// record remembers that p created a thread or post with text in agency (an
// id); call it after the create succeeded.
func (g *abuseGuard) record(p auth.Principal, agency, text string) {
	if g.exempt(p, agency) {
		return
	}
	now := g.now()
	hash := textHash(text)

	g.mu.Lock()
	defer g.mu.Unlock()
	g.sweep(now)
	var a *accountActivity
	if el, ok := g.accounts[p.Name]; ok {
		a = el.Value.(*accountActivity)
		g.lru.MoveToFront(el)
	} else {
		a = &accountActivity{name: p.Name}
		g.accounts[p.Name] = g.lru.PushFront(a)
		for g.lru.Len() > g.cfg.MaxTrackedAccounts {
			g.forget(g.lru.Back())
		}
	}
	a.last = now
	a.times = appendBounded(a.times, now, g.keep)
	if g.cfg.DuplicateWindow > 0 {
		a.texts = appendBounded(a.texts, postedText{hash: hash, at: now}, maxRemembered)
		for len(a.texts) > 0 && now.Sub(a.texts[0].at) >= g.cfg.DuplicateWindow {
			a.texts = a.texts[1:]
		}
	}
	for len(a.times) > 0 && now.Sub(a.times[0]) >= g.horizon {
		a.times = a.times[1:]
	}
}

// sweep forgets the accounts whose last post is older than every window.
// The list is ordered by last post, so it stops at the first one still
// needed and costs nothing when nothing expired.
func (g *abuseGuard) sweep(now time.Time) {
	for el := g.lru.Back(); el != nil; el = g.lru.Back() {
		if now.Sub(el.Value.(*accountActivity).last) < g.horizon {
			return
		}
		g.forget(el)
	}
}

func (g *abuseGuard) forget(el *list.Element) {
	delete(g.accounts, el.Value.(*accountActivity).name)
	g.lru.Remove(el)
}

// appendBounded appends v to s and drops the oldest elements beyond n,
// reusing the array so that a busy account does not allocate per post.
func appendBounded[T any](s []T, v T, n int) []T {
	s = append(s, v)
	if len(s) > n {
		s = append(s[:0], s[len(s)-n:]...)
	}
	return s
}

// countLinks returns how many links text contains, counted the way a
// reader's app would make them clickable: every http:// or https:// URL,
// and every host starting with www. that is not part of such a URL. Links
// run together without spaces ("https://a.example,https://b.example")
// count one by one.
func countLinks(text string) int {
	lower := strings.ToLower(text)
	n := strings.Count(lower, "http://") + strings.Count(lower, "https://")
	for i := 0; ; {
		j := strings.Index(lower[i:], "www.")
		if j < 0 {
			return n
		}
		at := i + j
		i = at + len("www.")
		inURL := strings.HasSuffix(lower[:at], "://")
		glued := at > 0 && isWordByte(lower[at-1])
		if !inURL && !glued && i < len(lower) && isWordByte(lower[i]) {
			n++
		}
	}
}

// isWordByte reports whether b is an ASCII letter or digit.
func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// normalizeText is the form in which texts are compared for the duplicate
// check: lower case, white space runs collapsed, no surrounding space, so
// that re-submitting a post with a changed line break or capital letter is
// still a duplicate.
func normalizeText(text string) string {
	return strings.Join(strings.Fields(strings.ToLower(text)), " ")
}

// textHash returns 64 bits of SHA-256 of the normalized text: the guard
// keeps no text, and a collision can only refuse the poster's own post.
func textHash(text string) uint64 {
	sum := sha256.Sum256([]byte(normalizeText(text)))
	return binary.BigEndian.Uint64(sum[:8])
}

// formatWindow renders a window for people: "10 minutes", "1 hour".
func formatWindow(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour")
	case d%time.Minute == 0:
		return plural(int(d/time.Minute), "minute")
	default:
		return d.String()
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
