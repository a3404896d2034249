package textindex

import "strings"

// DefaultSnippetRunes is the snippet length Snippet uses when asked for
// none.
const DefaultSnippetRunes = 200

// ellipsis marks where a snippet cuts the text.
const ellipsis = '…'

// Highlight is a range [Start, End) of code points in a snippet.
type Highlight struct {
	Start, End int
}

// hitSpan is a word of the text that matches query term number term.
type hitSpan struct {
	start, end, term int
}

// Snippet returns an excerpt of text of at most maxRunes code points
// (DefaultSnippetRunes when maxRunes is not positive) around the part with
// the most distinct query words, then the most matches, and the ranges of
// the words in it that match query: whole words equal to a query term after
// folding, and words starting with the last one. Whitespace runs become one
// space; the excerpt is cut between words where it can and an ellipsis
// marks each cut end. Without a match it is the start of the text.
func Snippet(text, query string, maxRunes int) (string, []Highlight) {
	if maxRunes <= 0 {
		maxRunes = DefaultSnippetRunes
	}
	text = strings.Join(strings.Fields(text), " ")
	pq := parseQuery(query)
	var hits []hitSpan
	var tk tokenizer
	tk.scan(text, func(start, end int, t []byte) {
		if i := pq.match(t); i >= 0 {
			hits = append(hits, hitSpan{start, end, i})
		}
	})
	runes := []rune(text)
	n := len(runes)
	if n <= maxRunes {
		return text, highlights(hits, 0, n, 0)
	}

	room := maxRunes - 2 // two ellipses
	if room < 1 {
		room = maxRunes // too short for ellipses: a bare cut
	}
	from, to := bestWindow(hits, pq.termCount(), room)
	start, end := widen(runes, from, to, room, len(hits) > 0)

	var sb strings.Builder
	shift := 0
	if start > 0 && room < maxRunes {
		sb.WriteRune(ellipsis)
		shift = 1
	}
	sb.WriteString(string(runes[start:end]))
	if end < n && room < maxRunes {
		sb.WriteRune(ellipsis)
	}
	return sb.String(), highlights(hits, start, end, shift)
}

// bestWindow returns the code-point range of the run of hits fitting in room
// that covers the most distinct query terms, then the most hits, the
// earliest on a tie; a lone hit longer than room is cut to it. With no hits
// it returns [0, 0).
func bestWindow(hits []hitSpan, terms, room int) (from, to int) {
	if len(hits) == 0 {
		return 0, 0
	}
	count := make([]int, terms)
	distinct := 0
	bestDistinct, bestHits, best, bestLast := 0, 0, 0, 0
	j := 0 // hits[i:j] is the window starting at hit i
	for i := range hits {
		j = max(j, i)
		for j < len(hits) && hits[j].end-hits[i].start <= room {
			if count[hits[j].term]++; count[hits[j].term] == 1 {
				distinct++
			}
			j++
		}
		d, c := distinct, j-i
		if c == 0 {
			d, c = 1, 1
		}
		if d > bestDistinct || d == bestDistinct && c > bestHits {
			bestDistinct, bestHits, best, bestLast = d, c, i, max(j, i+1)-1
		}
		if j > i {
			if count[hits[i].term]--; count[hits[i].term] == 0 {
				distinct--
			}
		}
	}
	from, to = hits[best].start, hits[bestLast].end
	return from, min(to, from+room)
}

// widen grows [from, to) to room code points of context, half before, then
// moves cut ends inside words to the nearest space within the context,
// keeping [from, to) whole. Without a match (anchored false) a word longer
// than room is cut rather than dropped.
func widen(runes []rune, from, to, room int, anchored bool) (start, end int) {
	n := len(runes)
	slack := room - (to - from)
	start = from - min(from, slack/2)
	end = min(n, start+room)
	start = max(0, end-room)

	if start > 0 && runes[start-1] != ' ' && runes[start] != ' ' {
		k := start
		for k < from && runes[k] != ' ' {
			k++
		}
		if k < from || anchored {
			start = k
		}
	}
	if end < n && runes[end-1] != ' ' && runes[end] != ' ' {
		k := end
		for k > to && runes[k-1] != ' ' {
			k--
		}
		if k > to || anchored {
			end = k
		}
	}
	for start < end && runes[start] == ' ' {
		start++
	}
	for end > start && runes[end-1] == ' ' {
		end--
	}
	return start, end
}

// highlights maps the hits inside [start, end) to snippet positions, the
// snippet starting shift code points before start.
func highlights(hits []hitSpan, start, end, shift int) []Highlight {
	var hs []Highlight
	for _, h := range hits {
		if h.end <= start || h.start >= end {
			continue
		}
		hs = append(hs, Highlight{Start: max(h.start, start) - start + shift, End: min(h.end, end) - start + shift})
	}
	return hs
}
