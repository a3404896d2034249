package identity

import (
	"strings"
	"testing"
	"time"
)

func TestLockDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		level int
		want  time.Duration
	}{
		{1, 15 * time.Minute},
		{2, 30 * time.Minute},
		{3, time.Hour},
		{7, 16 * time.Hour},
		{8, 24 * time.Hour},
		{1000, 24 * time.Hour},
	}
	for _, tc := range tests {
		if got := lockDuration(tc.level); got != tc.want {
			t.Errorf("lockDuration(%d) = %s, want %s", tc.level, got, tc.want)
		}
	}
}

func TestPasswordHashes(t *testing.T) {
	t.Parallel()
	params := PasswordParams{Memory: 64, Time: 1, Threads: 1}
	h, err := newHasher(params, 1)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := h.hash(t.Context(), "tr0ub4dor & 3")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("encoded %q", enc)
	}
	again, _ := h.hash(t.Context(), "tr0ub4dor & 3")
	if again == enc {
		t.Fatal("two hashes of one password are equal: the salt is not fresh")
	}
	tests := []struct {
		name      string
		password  string
		encoded   string
		wantOK    bool
		wantStale bool
		wantErr   bool
	}{
		{"right password", "tr0ub4dor & 3", enc, true, false, false},
		{"wrong password", "tr0ub4dor & 4", enc, false, false, false},
		{"other parameters", "x", strings.Replace(enc, "t=1", "t=2", 1), false, true, false},
		{"not argon2id", "x", strings.Replace(enc, "argon2id", "argon2i", 1), false, false, true},
		{"absurd memory", "x", strings.Replace(enc, "m=64", "m=99999999", 1), false, false, true},
		{"truncated", "x", enc[:20], false, false, true},
		{"empty", "x", "", false, false, true},
	}
	for _, tc := range tests {
		ok, stale, err := h.verify(t.Context(), tc.password, tc.encoded)
		if ok != tc.wantOK || stale != tc.wantStale || (err != nil) != tc.wantErr {
			t.Errorf("%s: ok %v stale %v err %v", tc.name, ok, stale, err)
		}
	}
}

func TestBlocklist(t *testing.T) {
	t.Parallel()
	p := newPasswordPolicy()
	if len(p.blocked) < 500 {
		t.Fatalf("blocklist has %d entries", len(p.blocked))
	}
	for w := range p.blocked {
		if w != strings.ToLower(w) || strings.TrimSpace(w) != w {
			t.Fatalf("entry %q is not lowercase and trimmed", w)
		}
	}
}

func TestChainHashIsUnambiguous(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	base := AuditEvent{Chain: "metro", Sequence: 1, Actor: "ab", Method: "c", Outcome: "OK", Time: at, Service: "forum"}
	variants := map[string]AuditEvent{}
	add := func(name string, f func(*AuditEvent)) {
		e := base
		f(&e)
		variants[name] = e
	}
	add("base", func(*AuditEvent) {})
	add("moved boundary", func(e *AuditEvent) { e.Actor, e.Method = "a", "bc" })
	add("another chain", func(e *AuditEvent) { e.Chain = "county" })
	add("another sequence", func(e *AuditEvent) { e.Sequence = 2 })
	add("a nanosecond later", func(e *AuditEvent) { e.Time = at.Add(1) })
	add("another outcome", func(e *AuditEvent) { e.Outcome = "NOT_FOUND" })
	add("a correlation id", func(e *AuditEvent) { e.CorrelationID = "r" })
	add("a resource", func(e *AuditEvent) { e.Resource = "agencies/metro" })
	add("a detail", func(e *AuditEvent) { e.Details = map[string]string{"locked": "true"} })
	add("another detail value", func(e *AuditEvent) { e.Details = map[string]string{"locked": "false"} })
	add("detail boundary moved", func(e *AuditEvent) { e.Details = map[string]string{"lockedt": "rue"} })
	add("two details", func(e *AuditEvent) { e.Details = map[string]string{"locked": "true", "pinned": "true"} })
	add("a detail holding another", func(e *AuditEvent) {
		e.Details = map[string]string{"locked": "true\x00\x00\x00\x00\x00\x00\x00\x06pinned\x00\x00\x00\x00\x00\x00\x00\x04true"}
	})
	seen := map[string]string{}
	for name, e := range variants {
		h := ChainHash(ZeroHash, e)
		if other, dup := seen[h]; dup {
			t.Fatalf("%s and %s hash alike", name, other)
		}
		seen[h] = name
	}
	if ChainHash(ZeroHash, base) == ChainHash(strings.Repeat("1", 64), base) {
		t.Fatal("the previous hash is not hashed")
	}
	// The zone of the time does not matter, only the instant.
	local := base
	local.Time = at.In(time.FixedZone("x", 3600))
	if ChainHash(ZeroHash, local) != ChainHash(ZeroHash, base) {
		t.Fatal("the hash depends on the time zone")
	}
}

// TestChainHashV1Unchanged pins the hash of events without details to the
// values the encoding gave before details existed: chains written then
// must verify for ever.
func TestChainHashV1Unchanged(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	first := AuditEvent{Chain: "metro", Sequence: 1, Actor: "accounts/chief", Method: "/engage.forum.v1.ThreadService/LockThread",
		Resource: "agencies/metro/forums/f/threads/t", Outcome: "OK", Time: at, Service: "forum", CorrelationID: "req-1"}
	second := first
	second.Sequence, second.Time = 2, at.Add(time.Second)
	const (
		firstHash  = "00f3cc20889e3793ba77d19cf88019ce5939ce9cc94265431b339499cd4372c8"
		secondHash = "66d69f580b67b816dd383349ff324bd5db5142a39bfa2abe9e03a8ec43af0a48"
	)
	if got := ChainHash(ZeroHash, first); got != firstHash {
		t.Errorf("first event hashes to %s, want %s", got, firstHash)
	}
	if got := ChainHash(firstHash, second); got != secondHash {
		t.Errorf("second event hashes to %s, want %s", got, secondHash)
	}
	// An empty, non-nil map is no details at all.
	first.Details = map[string]string{}
	if got := ChainHash(ZeroHash, first); got != firstHash {
		t.Errorf("event with empty details hashes to %s, want the v1 %s", got, firstHash)
	}
	first.Details = map[string]string{"locked": "true"}
	if got := ChainHash(ZeroHash, first); got == firstHash {
		t.Error("details are not hashed")
	}
}

func TestChainOf(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"agencies/metro":              "metro",
		"agencies/metro/forums/f1":    "metro",
		"agencies/-/auditEvents/1":    "",
		"accounts/a1":                 "",
		"":                            "",
		"agencies/Bad Name/forums/f1": "",
		"agencies//forums":            "",
	}
	for resource, want := range tests {
		if got := ChainOf(resource); got != want {
			t.Errorf("ChainOf(%q) = %q, want %q", resource, got, want)
		}
	}
}

func TestETag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tag  string
		rev  int64
		want bool
	}{
		{`"3"`, 3, true},
		{"3", 3, true},
		{`W/"3"`, 3, true},
		{`"2"`, 3, false},
		{`"33"`, 3, false},
		{"", 3, false},
	}
	for _, tc := range tests {
		if got := etagMatches(tc.tag, tc.rev); got != tc.want {
			t.Errorf("etagMatches(%q, %d) = %v", tc.tag, tc.rev, got)
		}
	}
	if etagOf(7) != `"7"` {
		t.Fatalf("etagOf(7) = %s", etagOf(7))
	}
}
