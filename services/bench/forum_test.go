package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestParseFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		wantSuite string
		wantErr   bool
	}{
		{"identity by default", nil, suiteIdentity, false},
		{"forum", []string{"-suite", "forum"}, suiteForum, false},
		{"all", []string{"-suite", "all"}, suiteAll, false},
		{"unknown suite", []string{"-suite", "weather"}, "", true},
		{"no search posts", []string{"-suite", "forum", "-search-posts", "0"}, "", true},
		{"no search workers", []string{"-search-concurrency", "0"}, "", true},
		{"stray argument", []string{"forum"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, err := parseFlags(tt.args, io.Discard)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseFlags(%q) error = %v, want error: %v", tt.args, err, tt.wantErr)
			}
			if err == nil && o.suite != tt.wantSuite {
				t.Errorf("suite = %q, want %q", o.suite, tt.wantSuite)
			}
		})
	}
}

func TestSuitesOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want []string
	}{
		{suiteIdentity, []string{suiteIdentity}},
		{suiteForum, []string{suiteForum}},
		{suiteAll, []string{suiteIdentity, suiteForum, suiteFeedback, suiteTraining, suiteAlerts}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ss, err := suitesOf(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range ss {
				got = append(got, s.name)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("suites (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTextGen checks the search corpus: reproducible, a vocabulary of
// distinct words that the domain words are part of, and queries a resident
// would type.
func TestTextGen(t *testing.T) {
	t.Parallel()
	const vocab = 1000
	a, b := newTextGen(7, vocab), newTextGen(7, vocab)
	if len(a.vocab) != vocab {
		t.Fatalf("vocabulary of %d words, want %d", len(a.vocab), vocab)
	}
	seen := map[string]bool{}
	for _, w := range a.vocab {
		if seen[w] {
			t.Errorf("word %q twice in the vocabulary", w)
		}
		seen[w] = true
	}
	for _, w := range domainWords() {
		if !seen[w] {
			t.Errorf("domain word %q is not in the vocabulary", w)
		}
	}
	counts := map[string]int{}
	for range 2000 {
		ta, tb := a.text(20, 80), b.text(20, 80)
		if ta != tb {
			t.Fatalf("same seed, different text:\n%s\n%s", ta, tb)
		}
		n := len(strings.Fields(ta))
		if n < 20 || n > 80 {
			t.Fatalf("text of %d words, want 20-80", n)
		}
		for _, w := range strings.Fields(ta) {
			counts[w]++
		}
	}
	// Zipf: the top-ranked word is far more frequent than a domain word,
	// which is far more frequent than a word from the tail.
	top, domain, tail := counts[a.vocab[0]], counts["patrol"], counts[a.vocab[vocab-1]]
	if top <= 10*domain || domain <= tail {
		t.Errorf("counts of top word %d, patrol %d, last word %d: not Zipf-like", top, domain, tail)
	}
	for range 500 {
		q := a.query()
		words := strings.Fields(q)
		if len(words) < 1 || len(words) > 3 {
			t.Fatalf("query %q has %d words, want 1-3", q, len(words))
		}
		for _, w := range words {
			if a.function[w] {
				t.Errorf("query %q has the function word %q", q, w)
			}
			if len(w) < 3 {
				t.Errorf("query %q has the fragment %q, shorter than 3 letters", q, w)
			}
		}
	}
}

// TestPostBodiesUnique checks that concurrent workers never send the same
// body twice, in one run or in two.
func TestPostBodiesUnique(t *testing.T) {
	t.Parallel()
	runs := []*postBodies{newPostBodies(), newPostBodies()}
	runs[1].run += "x" // two runs started in the same nanosecond
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			var got []string
			for range 500 {
				got = append(got, runs[w%2].next())
			}
			mu.Lock()
			defer mu.Unlock()
			for _, b := range got {
				if seen[b] {
					t.Errorf("body %q sent twice", b)
				}
				seen[b] = true
			}
		})
	}
	wg.Wait()
	if len(seen) != 4000 {
		t.Errorf("%d distinct bodies, want 4000", len(seen))
	}
}

func TestQueryCursor(t *testing.T) {
	t.Parallel()
	queries := []string{"a", "b", "c", "d"}
	tests := []struct {
		name       string
		w, workers int
		want       []string
	}{
		{"first worker starts at the start", 0, 2, []string{"a", "b", "c", "d", "a"}},
		{"second of two starts half way and wraps", 1, 2, []string{"c", "d", "a", "b", "c"}},
		{"more workers than queries", 5, 8, []string{"c", "d", "a", "b", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			next := queryCursor(queries, tt.w, tt.workers)
			var got []string
			for range tt.want {
				got = append(got, next())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("queries (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParallel(t *testing.T) {
	t.Parallel()
	t.Run("every index once", func(t *testing.T) {
		t.Parallel()
		counts := make([]atomic.Int32, 1000)
		if err := parallel(t.Context(), len(counts), 7, func(_ context.Context, i int) error {
			counts[i].Add(1)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for i := range counts {
			if n := counts[i].Load(); n != 1 {
				t.Fatalf("index %d called %d times", i, n)
			}
		}
	})
	t.Run("stops at the first error", func(t *testing.T) {
		t.Parallel()
		boom := errors.New("boom")
		var calls atomic.Int32
		err := parallel(t.Context(), 100_000, 4, func(_ context.Context, i int) error {
			calls.Add(1)
			if i == 10 {
				return boom
			}
			return nil
		})
		if !errors.Is(err, boom) {
			t.Errorf("error = %v, want %v", err, boom)
		}
		if n := calls.Load(); n >= 100_000 {
			t.Errorf("%d calls: did not stop", n)
		}
	})
}

// TestSummarizeAlone checks that the percentiles pool every call of every
// round: one slow round in three shows in the p99, where a median of the
// rounds' p99s would hide it.
func TestSummarizeAlone(t *testing.T) {
	t.Parallel()
	run := func(d time.Duration, n int) loadResult {
		lat := make([]time.Duration, n)
		for i := range lat {
			lat[i] = d
		}
		return loadResult{ok: n, elapsed: time.Second, latencies: lat}
	}
	runs := []loadResult{run(time.Millisecond, 1000), run(time.Millisecond, 1000), run(30*time.Millisecond, 100)}
	s := summarizeAlone(protocol{maxP99: 20 * time.Millisecond}, runs, "")
	if s.p50 != time.Millisecond || s.p99 != 30*time.Millisecond {
		t.Errorf("p50 %v, p99 %v, want 1ms and 30ms", s.p50, s.p99)
	}
	if s.pass() {
		t.Error("a p99 of 30ms passes a 20ms target")
	}
	if s.calls != 2100 || s.rate != 1000 {
		t.Errorf("calls %d, rate %v, want 2100 and the median 1000", s.calls, s.rate)
	}
}

// sessionsStub answers RefreshSession with a token that lives life.
type sessionsStub struct {
	identityv1.SessionServiceClient
	life      time.Duration
	refreshed []string
}

func (s *sessionsStub) RefreshSession(_ context.Context, req *identityv1.RefreshSessionRequest, _ ...grpc.CallOption) (*identityv1.Session, error) {
	s.refreshed = append(s.refreshed, req.GetRefreshToken())
	return &identityv1.Session{
		AccessToken:           "new " + req.GetRefreshToken(),
		AccessTokenExpireTime: timestamppb.New(time.Now().Add(s.life)),
		RefreshToken:          "next " + req.GetRefreshToken(),
	}, nil
}

// TestStaffTokens checks that only the sessions about to expire are
// refreshed, each with its latest refresh token (they are single-use), and
// that a refresh too short for the need is an error.
func TestStaffTokens(t *testing.T) {
	t.Parallel()
	stub := &sessionsStub{life: 15 * time.Minute}
	session := func(name string, left time.Duration) *identityv1.Session {
		return &identityv1.Session{AccessToken: name, RefreshToken: "r-" + name, AccessTokenExpireTime: timestamppb.New(time.Now().Add(left))}
	}
	team := &staffTeam{sessions: stub, members: []*identityv1.Session{session("fresh", 14*time.Minute), session("stale", 20*time.Second)}}
	got, err := team.tokens(t.Context(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"fresh", "new r-stale"}, got); diff != "" {
		t.Errorf("tokens (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"r-stale"}, stub.refreshed); diff != "" {
		t.Errorf("refresh tokens presented (-want +got):\n%s", diff)
	}

	stub.life = 30 * time.Minute
	if _, err := team.tokens(t.Context(), 20*time.Minute); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"r-stale", "r-fresh", "next r-stale"}, stub.refreshed); diff != "" {
		t.Errorf("refresh tokens presented (-want +got):\n%s", diff)
	}

	stub.life = time.Minute
	if _, err := team.tokens(t.Context(), 40*time.Minute); err == nil {
		t.Error("tokens living a minute were accepted for a 40-minute need")
	}
}
