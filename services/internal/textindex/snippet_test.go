package textindex

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// marked returns the highlighted parts of a snippet.
func marked(snippet string, hs []Highlight) []string {
	runes := []rune(snippet)
	var out []string
	for _, h := range hs {
		out = append(out, string(runes[h.Start:h.End]))
	}
	return out
}

func TestSnippet(t *testing.T) {
	t.Parallel()
	long := "Residents reported that the streetlights on Elm Avenue have been out for two weeks. " +
		"Several neighbours walked home in the dark and one tripped over a loose paving stone. " +
		"The city said a crew would come, but nobody did. Last night a car was broken into near the corner " +
		"of Elm and Fifth, right under the broken streetlight. Please fix the streetlight before someone gets hurt."
	tests := []struct {
		name     string
		text     string
		query    string
		maxRunes int
		want     string
		wantHL   []Highlight
	}{
		{
			name: "short text whole", text: "Stolen bike on Main St", query: "bike", maxRunes: 100,
			want: "Stolen bike on Main St", wantHL: []Highlight{{7, 11}},
		},
		{
			name: "multibyte positions are code points", text: "Le café est fermé, café fermé", query: "cafe ferme", maxRunes: 100,
			want: "Le café est fermé, café fermé", wantHL: []Highlight{{3, 7}, {12, 17}, {19, 23}, {24, 29}},
		},
		{
			name: "last word highlights as a prefix", text: "Police patrol near the policy office", query: "pol", maxRunes: 100,
			want: "Police patrol near the policy office", wantHL: []Highlight{{0, 6}, {23, 29}},
		},
		{
			name: "earlier words only whole", text: "Police patrol near the policy office", query: "pol office", maxRunes: 100,
			want: "Police patrol near the policy office", wantHL: []Highlight{{30, 36}},
		},
		{
			name: "plurals and case fold", text: "Two BIKES stolen; one bike found", query: "bike stolen", maxRunes: 100,
			want: "Two BIKES stolen; one bike found", wantHL: []Highlight{{4, 9}, {10, 16}, {22, 26}},
		},
		{
			name: "whitespace collapsed", text: "  first line\n\n\tsecond   line  ", query: "second", maxRunes: 100,
			want: "first line second line", wantHL: []Highlight{{11, 17}},
		},
		{
			name: "no match is the start", text: long, query: "helicopter", maxRunes: 40,
			want: "Residents reported that the…",
		},
		{
			name: "window with both words, cut between words", text: long, query: "car broken", maxRunes: 60,
			want: "…did. Last night a car was broken into near the corner…", wantHL: []Highlight{{19, 22}, {27, 33}},
		},
		{
			name: "distinct words tie, the earliest window wins", text: long, query: "streetlight elm", maxRunes: 50,
			want: "…that the streetlights on Elm Avenue have…", wantHL: []Highlight{{10, 22}, {26, 29}},
		},
		{
			name: "the window with most distinct words beats more hits of one", text: "fire fire fire fire in the old mill, later a flood and a fire downtown", query: "fire flood", maxRunes: 30,
			want: "…a flood and a fire…", wantHL: []Highlight{{3, 8}, {15, 19}},
		},
		{
			name: "tie goes to the most hits", text: long, query: "streetlight", maxRunes: 90,
			want:   "…right under the broken streetlight. Please fix the streetlight before someone gets…",
			wantHL: []Highlight{{24, 35}, {52, 63}},
		},
		{
			name: "match at the very end", text: long, query: "hurt", maxRunes: 30,
			want: "…before someone gets hurt.", wantHL: []Highlight{{21, 25}},
		},
		{
			name: "word longer than the room is cut", text: "see " + strings.Repeat("x", 30) + " there", query: strings.Repeat("x", 30), maxRunes: 12,
			want: "…xxxxxxxxxx…", wantHL: []Highlight{{1, 11}},
		},
		{
			name: "too short for ellipses", text: "alpha beta gamma", query: "beta", maxRunes: 2,
			want: "be", wantHL: []Highlight{{0, 2}},
		},
		{
			name: "no room to cut at a space keeps a hard cut", text: strings.Repeat("y", 50), query: "zzz", maxRunes: 10,
			want: "yyyyyyyy…", // eight and room for two ellipses
		},
		{
			name: "default length", text: strings.Repeat("word ", 100), query: "", maxRunes: 0,
			want: strings.TrimSpace(strings.Repeat("word ", 39)) + "…",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, hl := Snippet(tt.text, tt.query, tt.maxRunes)
			if got != tt.want {
				t.Errorf("Snippet = %q, want %q", got, tt.want)
			}
			if diff := cmp.Diff(tt.wantHL, hl); diff != "" {
				t.Errorf("highlights mismatch (-want +got):\n%s\nmarked: %q", diff, marked(got, hl))
			}
		})
	}
}

// TestSnippetInvariants checks, over random texts, queries and lengths,
// that a snippet fits, comes from the text, and highlights exactly the
// matching words it shows whole.
func TestSnippetInvariants(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 7))
	words := append([]string{"Café", "naïve", "STOLEN", "x", "—", "...", "\n", "日本", strings.Repeat("long", 11)}, corpusWords...)
	for i := range 2000 {
		n := r.IntN(60)
		parts := make([]string, n)
		for j := range parts {
			parts[j] = words[r.IntN(len(words))]
		}
		text := strings.Join(parts, " ")
		query := randomText(r, 1+r.IntN(3))
		if r.IntN(2) == 0 {
			query = query[:1+r.IntN(len(query))]
		}
		maxRunes := 1 + r.IntN(120)
		name := fmt.Sprintf("case %d: Snippet(%q, %q, %d)", i, text, query, maxRunes)

		got, hl := Snippet(text, query, maxRunes)
		if utf8.RuneCountInString(got) > maxRunes {
			t.Fatalf("%s = %q: longer than %d", name, got, maxRunes)
		}
		collapsed := strings.Join(strings.Fields(text), " ")
		if !strings.Contains(collapsed, strings.Trim(got, "…")) {
			t.Fatalf("%s = %q: not an excerpt", name, got)
		}
		pq := parseQuery(query)
		runes := []rune(got)
		prev := 0
		for _, h := range hl {
			if h.Start < prev || h.End <= h.Start || h.End > len(runes) {
				t.Fatalf("%s: bad highlight %v in %q (%v)", name, h, got, hl)
			}
			prev = h.End
		}
		// Every whole word of the snippet that matches is highlighted, and
		// nothing else is.
		var want []Highlight
		var tk tokenizer
		tk.scan(got, func(start, end int, term []byte) {
			if pq.match(term) >= 0 {
				want = append(want, Highlight{start, end})
			}
		})
		for _, h := range hl {
			cut := h.Start == 1 && runes[0] == '…' || h.End == len(runes)-1 && runes[len(runes)-1] == '…' || h.End == len(runes)
			if !cut && !containsHighlight(want, h) {
				t.Fatalf("%s: highlight %v (%q) is not a matching word; snippet %q", name, h, string(runes[h.Start:h.End]), got)
			}
		}
		for _, w := range want {
			if !containsHighlight(hl, w) {
				t.Fatalf("%s: matching word %q at %v not highlighted; snippet %q, highlights %v", name, string(runes[w.Start:w.End]), w, got, hl)
			}
		}
	}
}

func containsHighlight(hs []Highlight, h Highlight) bool {
	for _, x := range hs {
		if x == h {
			return true
		}
	}
	return false
}
