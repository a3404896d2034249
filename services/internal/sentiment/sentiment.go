// Package sentiment scores the tone of a text with VADER (Hutto & Gilbert,
// 2014), a lexicon and rule-based model built for short social-media style
// text, computed in process: no text leaves the server.
//
// The compound score runs from -1 (most negative) to 1 (most positive).
// Labels follow VADER's published thresholds: at least 0.05 is positive,
// at most -0.05 negative, neutral between.
package sentiment

import (
	"github.com/jonreiter/govader"
)

// Label is the tone of a text in a word.
type Label int

// The labels.
const (
	Neutral Label = iota
	Negative
	Positive
)

// Threshold is VADER's boundary between neutral and a tone.
const Threshold = 0.05

// String returns the label's name.
func (l Label) String() string {
	switch l {
	case Negative:
		return "negative"
	case Positive:
		return "positive"
	default:
		return "neutral"
	}
}

// Score is a text's sentiment.
type Score struct {
	// Compound is VADER's normalized score, -1 to 1.
	Compound float64
	// Label is Compound in a word.
	Label Label
}

// LabelOf returns the label of a compound score.
func LabelOf(compound float64) Label {
	switch {
	case compound >= Threshold:
		return Positive
	case compound <= -Threshold:
		return Negative
	default:
		return Neutral
	}
}

// Analyzer scores texts. It loads the lexicon once (a few milliseconds and
// about a megabyte); Score is safe for concurrent use.
type Analyzer struct {
	vader *govader.SentimentIntensityAnalyzer
}

// New returns an Analyzer with the lexicon loaded.
func New() *Analyzer {
	return &Analyzer{vader: govader.NewSentimentIntensityAnalyzer()}
}

// Score returns the sentiment of text.
func (a *Analyzer) Score(text string) Score {
	c := a.vader.PolarityScores(text).Compound
	return Score{Compound: c, Label: LabelOf(c)}
}
