package main

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFeedbackFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		args        []string
		wantAnswers int
		wantErr     bool
	}{
		{"defaults", []string{"-suite", "feedback"}, 1_000_000, false},
		{"fewer answers", []string{"-suite", "feedback", "-trust-answers", "50000"}, 50_000, false},
		{"no answers", []string{"-suite", "feedback", "-trust-answers", "0"}, 0, true},
		{"no query workers", []string{"-suite", "feedback", "-trust-concurrency", "0"}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, err := parseFlags(tt.args, io.Discard)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseFlags(%q) error = %v, want error: %v", tt.args, err, tt.wantErr)
			}
			if err == nil && (o.suite != suiteFeedback || o.trustAnswers != tt.wantAnswers) {
				t.Errorf("suite %q, trust answers %d; want %q, %d", o.suite, o.trustAnswers, suiteFeedback, tt.wantAnswers)
			}
		})
	}
}

func TestCountLabel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int
		want string
	}{
		{1000, "1k"},
		{1_000_000, "1M"},
		{250_000, "250k"},
		{12_000_000, "12M"},
		{1500, "1500"},
		{999, "999"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := countLabel(tt.n); got != tt.want {
				t.Errorf("countLabel(%d) = %q, want %q", tt.n, got, tt.want)
			}
		})
	}
}

// TestFeedbackTextsUnique checks that no two submissions of a run, or of
// two runs, carry the same text.
func TestFeedbackTextsUnique(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, f := range []*feedbackTexts{newFeedbackTexts(), {run: "other"}} {
		for range 1000 {
			b := f.next()
			if seen[b.Text] {
				t.Fatalf("text %q handed out twice", b.Text)
			}
			seen[b.Text] = true
		}
	}
}

// TestTrustRatiosPass checks the verdict: p50 and CPU judged, p99 not.
func TestTrustRatiosPass(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    trustRatios
		want bool
	}{
		{"equal", trustRatios{1, 1, 1}, true},
		{"at the target", trustRatios{1.5, 3, 1.5}, true},
		{"slow p50", trustRatios{1.6, 1, 1}, false},
		{"costly CPU", trustRatios{1, 1, 1.51}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.r.pass(); got != tt.want {
				t.Errorf("%+v pass() = %v, want %v", tt.r, got, tt.want)
			}
		})
	}
}

// TestFeedbackBare submits anonymous feedback to the in-process bare
// feedback server with the suite's own client, which checks that every
// answer carries a tracking code.
func TestFeedbackBare(t *testing.T) {
	t.Parallel()
	s, err := startBare(suiteFeedback)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	o := options{concurrency: 8, conns: 2}
	p := feedbackProtocol(feedbackAgency)
	tokens, err := anonymous{}.tokens(t.Context(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{""}, tokens); diff != "" {
		t.Errorf("anonymous tokens (-want +got):\n%s", diff)
	}
	lc, err := p.dial(t.Context(), s.addrs, tokens, o)
	if err != nil {
		t.Fatal(err)
	}
	defer lc.close()
	r := runLoad(lc.ctx, o.concurrency, 200*time.Millisecond, lc.newCaller)
	if r.ok == 0 || r.failed != 0 {
		t.Fatalf("ok %d, failed %d (first: %v), want only OK calls", r.ok, r.failed, r.firstErr)
	}
}
