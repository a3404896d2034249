package textindex

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// token is a term with its code-point range, as scan reports it.
type token struct {
	Start, End int
	Term       string
}

func tokens(text string) []token {
	var tk tokenizer
	var got []token
	tk.scan(text, func(start, end int, t []byte) { got = append(got, token{start, end, string(t)}) })
	return got
}

func TestScan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		want []token
	}{
		{"empty", "", nil},
		{"only separators", " \t\n.,;!? -- ", nil},
		{"case folded", "Stolen BIKE", []token{{0, 6, "stolen"}, {7, 11, "bike"}}},
		{"punctuation splits", "car-jacking,downtown!", []token{{0, 3, "car"}, {4, 11, "jacking"}, {12, 20, "downtown"}}},
		{"digits are words", "I-95 exit 12b", []token{{0, 1, "i"}, {2, 4, "95"}, {5, 9, "exit"}, {10, 13, "12b"}}},
		{"stop words dropped", "the car is in the lot", []token{{4, 7, "car"}, {18, 21, "lot"}}},
		{"apostrophe leftovers dropped", "don't park at Joe's", []token{{0, 3, "don"}, {6, 10, "park"}, {14, 17, "joe"}}},
		{"accents removed", "Café Crème", []token{{0, 4, "cafe"}, {5, 10, "creme"}}},
		{"combining marks stay in the word", "cafe\u0301 ok", []token{{0, 5, "cafe"}, {6, 8, "ok"}}},
		{"compatibility forms", "ﬁle ＡＢＣ", []token{{0, 3, "file"}, {4, 7, "abc"}}},
		{"turkish dotted capital", "İstanbul", []token{{0, 8, "istanbul"}}},
		{"greek final sigma", "ΟΔΟΣ οδος", []token{{0, 4, "οδοσ"}, {5, 9, "οδοσ"}}},
		{"cyrillic", "Полиция Москвы", []token{{0, 7, "полиция"}, {8, 14, "москвы"}}},
		{"han characters alone", "警察局x", []token{{0, 1, "警"}, {1, 2, "察"}, {2, 3, "局"}, {3, 4, "x"}}},
		{"plural folded", "bikes cities houses", []token{{0, 5, "bike"}, {6, 12, "city"}, {13, 19, "house"}}},
		{"forty runes kept", strings.Repeat("x", 40), []token{{0, 40, strings.Repeat("x", 40)}}},
		{"forty-one runes skipped", strings.Repeat("x", 41) + " ok", []token{{42, 44, "ok"}}},
		{"forty accented runes kept", strings.Repeat("é", 40), []token{{0, 40, strings.Repeat("e", 40)}}},
		{"invalid utf-8 separates", "ab\xffcd", []token{{0, 2, "ab"}, {3, 5, "cd"}}},
		{"one letter words", "x y z", []token{{0, 1, "x"}, {2, 3, "y"}, {4, 5, "z"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tokens(tt.text)); diff != "" {
				t.Errorf("scan(%q) mismatch (-want +got):\n%s", tt.text, diff)
			}
		})
	}
}

func TestStem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		word, want string
	}{
		{"bikes", "bike"},
		{"cars", "car"},
		{"cities", "city"},
		{"policies", "policy"},
		{"ties", "tie"}, // too short for "ies" → "y"
		{"houses", "house"},
		{"boxes", "boxe"},
		{"goes", "goe"}, // "oes" keeps its e
		{"toes", "toe"},
		{"bus", "bus"}, // too short
		{"gas", "gas"}, // too short
		{"status", "status"},
		{"glass", "glass"},
		{"crisis", "crisis"},
		{"news", "new"},
		{"police", "police"},
		{"officer", "officer"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			t.Parallel()
			if got := string(stem([]byte(tt.word))); got != tt.want {
				t.Errorf("stem(%q) = %q, want %q", tt.word, got, tt.want)
			}
		})
	}
}

func TestParseQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		query string
		want  parsedQuery
	}{
		{"empty", "", parsedQuery{}},
		{"only stop words", "the and of", parsedQuery{}},
		{"one word is a prefix", "bike", parsedQuery{prefix: "bike"}},
		{"last word is the prefix", "Stolen Bikes downt", parsedQuery{exact: []string{"stolen", "bike"}, prefix: "downt"}},
		{"duplicates once", "car car red", parsedQuery{exact: []string{"car"}, prefix: "red"}},
		{"last word typed earlier is exact", "car red car", parsedQuery{exact: []string{"car", "red"}}},
		{"trailing stop word dropped", "red car the", parsedQuery{exact: []string{"red"}, prefix: "car"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, parseQuery(tt.query), cmp.AllowUnexported(parsedQuery{})); diff != "" {
				t.Errorf("parseQuery(%q) mismatch (-want +got):\n%s", tt.query, diff)
			}
		})
	}
}

func TestScanDoesNotAllocatePerWord(t *testing.T) {
	text := strings.Repeat("Officers patrolled the Café district near houses ", 50)
	var tk tokenizer
	n := 0
	emit := func(int, int, []byte) { n++ }
	tk.scan(text, emit) // warm the buffers
	allocs := testing.AllocsPerRun(20, func() { tk.scan(text, emit) })
	if allocs > 0 {
		t.Errorf("scan allocated %.0f times per text of %d words; want 0", allocs, n/21)
	}
}
