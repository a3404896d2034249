package sentiment_test

import (
	"sync"
	"testing"

	"github.com/engagehq/engage/services/internal/sentiment"
)

func TestScore(t *testing.T) {
	t.Parallel()
	a := sentiment.New()
	tests := []struct {
		name string
		text string
		want sentiment.Label
	}{
		{name: "praise", text: "The officer was kind, patient and very helpful. Thank you!", want: sentiment.Positive},
		{name: "complaint", text: "The officer was rude and aggressive, a terrible experience.", want: sentiment.Negative},
		{name: "negated praise", text: "The response was not good at all.", want: sentiment.Negative},
		{name: "plain fact", text: "The car was parked on Main Street at noon.", want: sentiment.Neutral},
		{name: "empty", text: "", want: sentiment.Neutral},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := a.Score(tt.text)
			if got.Label != tt.want {
				t.Errorf("Score(%q) = %+v, want label %v", tt.text, got, tt.want)
			}
			if got.Compound < -1 || got.Compound > 1 {
				t.Errorf("compound %v outside [-1, 1]", got.Compound)
			}
		})
	}
}

func TestLabelOfThresholds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		compound float64
		want     sentiment.Label
	}{
		{0.05, sentiment.Positive},
		{0.0499, sentiment.Neutral},
		{-0.0499, sentiment.Neutral},
		{-0.05, sentiment.Negative},
	}
	for _, tt := range tests {
		if got := sentiment.LabelOf(tt.compound); got != tt.want {
			t.Errorf("LabelOf(%v) = %v, want %v", tt.compound, got, tt.want)
		}
	}
}

// TestScoreConcurrently lets the race detector check that one Analyzer
// serves many handlers at once.
func TestScoreConcurrently(t *testing.T) {
	t.Parallel()
	a := sentiment.New()
	want := a.Score("Great job, thank you so much!")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if got := a.Score("Great job, thank you so much!"); got != want {
					t.Errorf("concurrent score %+v, want %+v", got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkScore(b *testing.B) {
	a := sentiment.New()
	text := "I called about a break-in and the officer arrived quickly, but he was dismissive and did not write a report."
	for b.Loop() {
		a.Score(text)
	}
}
