package textindex

import (
	"slices"
	"sort"
	"strings"
)

// maxExpansions caps the terms the last query word expands to, so a
// one-letter prefix costs a bounded number of postings scans.
const maxExpansions = 50

// newTerm adds a term to the dictionary and returns its id.
func (ix *Index) newTerm(text string) uint32 {
	id := uint32(len(ix.terms))
	ix.dict[text] = id
	ix.terms = append(ix.terms, term{text: text})
	ix.tf = append(ix.tf, 0)
	ix.tail = append(ix.tail, id)
	if len(ix.tail) >= ix.mergeAt {
		ix.mergeTail()
	}
	return id
}

// mergeTail sorts the new terms into the sorted list; merging in batches
// keeps a bulk load linear-logarithmic instead of quadratic.
func (ix *Index) mergeTail() {
	if len(ix.tail) == 0 {
		return
	}
	byText := func(a, b uint32) int { return strings.Compare(ix.terms[a].text, ix.terms[b].text) }
	slices.SortFunc(ix.tail, byText)
	merged := make([]uint32, 0, len(ix.sorted)+len(ix.tail))
	i, j := 0, 0
	for i < len(ix.sorted) && j < len(ix.tail) {
		if byText(ix.sorted[i], ix.tail[j]) <= 0 {
			merged = append(merged, ix.sorted[i])
			i++
		} else {
			merged = append(merged, ix.tail[j])
			j++
		}
	}
	merged = append(merged, ix.sorted[i:]...)
	merged = append(merged, ix.tail[j:]...)
	ix.sorted = merged
	ix.tail = ix.tail[:0]
}

// expand returns the ids of the live terms starting with prefix: the term
// equal to it first if there is one, then the most frequent, at most
// maxExpansions in all.
func (ix *Index) expand(prefix string) []uint32 {
	var found []uint32
	lo := sort.Search(len(ix.sorted), func(i int) bool { return ix.terms[ix.sorted[i]].text >= prefix })
	for _, id := range ix.sorted[lo:] {
		if !strings.HasPrefix(ix.terms[id].text, prefix) {
			break
		}
		if ix.terms[id].df > 0 {
			found = append(found, id)
		}
	}
	for _, id := range ix.tail {
		if ix.terms[id].df > 0 && strings.HasPrefix(ix.terms[id].text, prefix) {
			found = append(found, id)
		}
	}
	if len(found) > maxExpansions {
		slices.SortFunc(found, func(a, b uint32) int {
			ta, tb := &ix.terms[a], &ix.terms[b]
			switch {
			case ta.text == prefix:
				return -1
			case tb.text == prefix:
				return 1
			case ta.df != tb.df:
				return tb.df - ta.df
			}
			return strings.Compare(ta.text, tb.text)
		})
		found = found[:maxExpansions]
	}
	return found
}
