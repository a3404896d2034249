package textindex

import "slices"

// parsedQuery is a query cut into terms: every exact term must match, and so
// must one term starting with prefix when prefix is set.
type parsedQuery struct {
	exact  []string
	prefix string
}

// parseQuery tokenizes q like document text. The last term becomes the
// prefix unless it also appears earlier, where it was typed whole.
func parseQuery(q string) parsedQuery {
	var tk tokenizer
	var terms []string
	tk.scan(q, func(_, _ int, t []byte) { terms = append(terms, string(t)) })
	if len(terms) == 0 {
		return parsedQuery{}
	}
	last := terms[len(terms)-1]
	var pq parsedQuery
	for _, t := range terms[:len(terms)-1] {
		if !slices.Contains(pq.exact, t) {
			pq.exact = append(pq.exact, t)
		}
	}
	if !slices.Contains(pq.exact, last) {
		pq.prefix = last
	}
	return pq
}

// empty reports whether nothing is left to search for, as when every word
// was a stop word.
func (q parsedQuery) empty() bool { return len(q.exact) == 0 && q.prefix == "" }

// termCount is the number of terms a match must cover.
func (q parsedQuery) termCount() int {
	if q.prefix == "" {
		return len(q.exact)
	}
	return len(q.exact) + 1
}

// match tells which query term t satisfies: its index in exact, len(exact)
// for the prefix, or -1.
func (q parsedQuery) match(t []byte) int {
	for i, e := range q.exact {
		if string(t) == e {
			return i
		}
	}
	if q.prefix != "" && len(t) >= len(q.prefix) && string(t[:len(q.prefix)]) == q.prefix {
		return len(q.exact)
	}
	return -1
}
