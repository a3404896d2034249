package main

import (
	"math/rand/v2"
	"strings"
)

// textGen writes forum text for the search benchmark: words drawn by a
// Zipf distribution over a vocabulary ranked like a community forum's
// (short function words first, then everyday and public-safety words
// mixed, then a long tail of made-up words), so that the index sees
// posting lists of every length, from nearly every post down to a few.
// The same seed gives the same text.
type textGen struct {
	r      *rand.Rand
	zipf   *rand.Zipf
	vocab  []string
	domain []string
	// function are the words at the top of the ranking, mostly stop words
	// the index drops; queries leave them out.
	function map[string]bool
}

// The Zipf parameters: s = 1.1, as in natural language, and v = 2, which
// flattens the very top a little so the first words are not nearly every
// other word.
const (
	zipfS = 1.1
	zipfV = 2
)

func newTextGen(seed uint64, vocabSize int) *textGen {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	g := &textGen{r: r, domain: domainWords(), function: map[string]bool{}}
	for _, w := range functionWords() {
		g.function[w] = true
		g.vocab = append(g.vocab, w)
	}
	// Everyday and domain words alternate in rank, so the domain's words
	// are frequent without being the most frequent.
	everyday, domain := everydayWords(), g.domain
	for i := 0; i < len(everyday) || i < len(domain); i++ {
		if i < len(everyday) {
			g.vocab = append(g.vocab, everyday[i])
		}
		if i < len(domain) {
			g.vocab = append(g.vocab, domain[i])
		}
	}
	seen := map[string]bool{}
	for _, w := range g.vocab {
		seen[w] = true
	}
	const cons, vows = "bcdfghklmnprstvz", "aeiou"
	for len(g.vocab) < vocabSize {
		var sb strings.Builder
		for i := range 4 + r.IntN(7) {
			if i%2 == 0 {
				sb.WriteByte(cons[r.IntN(len(cons))])
			} else {
				sb.WriteByte(vows[r.IntN(len(vows))])
			}
		}
		// No final "s": the index folds plurals, which would merge words.
		if w := sb.String(); !seen[w] && !strings.HasSuffix(w, "s") {
			seen[w] = true
			g.vocab = append(g.vocab, w)
		}
	}
	g.zipf = rand.NewZipf(r, zipfS, zipfV, uint64(len(g.vocab)-1))
	return g
}

// text returns between lo and hi words.
func (g *textGen) text(lo, hi int) string {
	n := lo + g.r.IntN(hi-lo+1)
	var sb strings.Builder
	for i := range n {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(g.vocab[g.zipf.Uint64()])
	}
	return sb.String()
}

// query returns what a resident types in the search box: one to three
// words, each a public-safety word half of the time and otherwise a word
// drawn as text draws them (leaving out function words); in a quarter of
// the queries the last word is cut short, as by someone still typing.
func (g *textGen) query() string {
	words := make([]string, 1+g.r.IntN(3))
	for i := range words {
		if g.r.IntN(2) == 0 {
			words[i] = g.domain[g.r.IntN(len(g.domain))]
			continue
		}
		w := g.vocab[g.zipf.Uint64()]
		for g.function[w] {
			w = g.vocab[g.zipf.Uint64()]
		}
		words[i] = w
	}
	if last := words[len(words)-1]; g.r.IntN(4) == 0 && len(last) > 4 {
		if cut := last[:3+g.r.IntN(len(last)-3)]; !g.function[cut] {
			words[len(words)-1] = cut
		}
	}
	return strings.Join(words, " ")
}

func functionWords() []string {
	return []string{
		"the", "a", "and", "to", "of", "in", "is", "on", "it", "for", "that", "this", "at", "we",
		"my", "with", "there", "be", "are", "was", "have", "i", "you", "they", "our", "not", "but",
		"if", "as", "by", "from", "an", "or", "just", "about", "any", "so", "been", "has", "again",
	}
}

func everydayWords() []string {
	return []string{
		"street", "car", "night", "people", "neighbor", "house", "road", "week", "morning", "city",
		"school", "park", "dog", "light", "corner", "block", "today", "please", "thanks", "help",
		"saw", "heard", "around", "near", "parked", "driving", "walking", "kids", "area", "problem",
		"report", "call", "weekend", "evening", "afternoon", "children", "family", "friend", "yard", "garage",
		"window", "door", "sidewalk", "avenue", "lane", "drive", "neighborhood", "community", "meeting", "question",
		"answer", "update", "month", "year", "since", "still", "every", "often", "lately", "recently",
		"concern", "worried", "safe", "safety", "quiet", "loud", "fast", "slow", "late", "early",
		"busy", "empty", "dark", "bright", "broken", "open", "closed", "missing", "found", "lost",
		"truck", "van", "bus", "bicycle", "scooter", "motorcycle", "driver", "pedestrian", "cyclist", "visitor",
		"store", "shop", "market", "library", "church", "station", "bridge", "river", "trail", "playground",
	}
}

// domainWords are what residents write to their police about, and search
// for.
func domainWords() []string {
	return []string{
		"patrol", "speeding", "crosswalk", "noise", "break-in", "parking", "traffic", "officer", "theft", "stolen",
		"graffiti", "vandalism", "burglary", "fireworks", "streetlight", "pothole", "loitering", "trespassing", "alarm", "package",
		"intersection", "racing", "suspicious", "complaint", "dispatch", "deputy", "sergeant", "precinct", "district", "sheriff",
		"camera", "footage", "license", "plate", "towing", "ticket", "citation", "curfew", "shoplifting", "robbery",
		"assault", "harassment", "scam", "fraud", "drugs", "needles", "encampment", "homeless", "mental", "crisis",
	}
}
