package textindex

import (
	"math"
	"math/bits"
	"slices"
	"sort"
)

// BM25 parameters: the usual values, which suit short forum posts.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
	// expansionBoost is how much a term that only starts with the last query
	// word counts, so "bike" ranks a post about a bike above one about a biker.
	expansionBoost = 0.5
)

// Query says which page of results to return and which groups the caller
// may see.
type Query struct {
	// Limit is the most groups to return; zero or less returns all from
	// Offset on.
	Limit int
	// Offset is the number of groups to skip.
	Offset int
	// After, when set, is the last hit of the previous page: the results
	// start after where its group ranks now (or, once it no longer
	// matches, where its score would rank), and leave its group out.
	// Unlike an offset, it does not shift when matches are added ahead of
	// it while a caller pages: those are not shown to that caller, and
	// what was shown is not shown again. A change to the last hit's own
	// group between pages (a better or a weaker reply) moves the boundary
	// with it, so groups near it may then be shown twice or skipped.
	// Offset counts from there.
	After *Hit
	// AllowGroup, when set, filters whole groups: a group it refuses is
	// left out with every document in it. It is asked once about each
	// group with a matching document, under the index's read lock, so it
	// must be cheap and must not call the Index.
	AllowGroup func(group string) bool
}

// Hit is one group in the results, represented by its best document.
type Hit struct {
	DocID, Group string
	Score        float64
}

// termGroup is the terms one query word matches, any of which satisfies it.
type termGroup struct {
	terms []weighted
	size  int // postings to scan
}

// weighted is a term with its query weight: idf × boost × (bm25K1+1).
type weighted struct {
	id uint32
	w  float64
}

// groupHit is a group's best document during a search.
type groupHit struct {
	doc   uint32
	group uint32
	score float64
}

// Search returns the page q asks for of the groups whose documents contain
// every word of query (the last as a prefix), best first, and the number of
// matching groups (after q.After, when set). Results are ordered by score,
// then by group, so the same index state always pages the same way.
func (ix *Index) Search(query string, q Query) ([]Hit, int) {
	pq := parseQuery(query)
	if pq.empty() {
		return nil, 0
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.live == 0 {
		return nil, 0
	}
	groups, ok := ix.termGroups(pq)
	if !ok {
		return nil, 0
	}
	sc := ix.getScratch()
	defer ix.scratch.Put(sc)

	cands := ix.match(sc, groups)
	res := ix.best(sc, cands, q.AllowGroup)
	if q.After != nil {
		// Scores drift as documents come and go: the boundary is where
		// the group of the last hit ranks now, while it still matches.
		a := *q.After
		if i := slices.IndexFunc(res, func(h groupHit) bool { return ix.groupNames[h.group] == a.Group }); i >= 0 {
			a.Score = res[i].score
		}
		res = slices.DeleteFunc(res, func(h groupHit) bool {
			g := ix.groupNames[h.group]
			return g == a.Group || h.score > a.Score || h.score == a.Score && g < a.Group
		})
	}
	return ix.page(res, q.Offset, q.Limit), len(res)
}

// termGroups resolves the query words to weighted terms, rarest first; ok is
// false when a word matches nothing, so nothing can match.
func (ix *Index) termGroups(pq parsedQuery) ([]termGroup, bool) {
	n := float64(ix.live)
	idf := func(df int) float64 { return math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5)) }
	groups := make([]termGroup, 0, pq.termCount())
	for _, text := range pq.exact {
		id, ok := ix.dict[text]
		if !ok || ix.terms[id].df == 0 {
			return nil, false
		}
		t := &ix.terms[id]
		groups = append(groups, termGroup{terms: []weighted{{id, idf(t.df) * (bm25K1 + 1)}}, size: len(t.post)})
	}
	if pq.prefix != "" {
		ids := ix.expand(pq.prefix)
		if len(ids) == 0 {
			return nil, false
		}
		g := termGroup{terms: make([]weighted, len(ids))}
		for i, id := range ids {
			t := &ix.terms[id]
			w := idf(t.df) * (bm25K1 + 1)
			if t.text != pq.prefix {
				w *= expansionBoost
			}
			g.terms[i] = weighted{id, w}
			g.size += len(t.post)
		}
		groups = append(groups, g)
	}
	slices.SortStableFunc(groups, func(a, b termGroup) int { return a.size - b.size })
	return groups, true
}

// match returns the live documents that satisfy every term group, with
// their scores in sc.acc. It goes word by word from the rarest, and a doc
// must have matched every word so far (sc.lvl) to take part in the next.
// Once few candidates are left, it looks each up in the next word's
// postings instead of scanning them.
func (ix *Index) match(sc *scratch, groups []termGroup) []uint32 {
	avg := ix.totalLen / float64(ix.live)
	c0, c1 := bm25K1*(1-bm25B), 0.0
	if avg > 0 {
		c1 = bm25K1 * bm25B / avg
	}
	score := func(w float64, p posting) float64 {
		tf := float64(p.tf)
		return w * tf / (tf + c0 + c1*float64(ix.stats[p.doc].length))
	}

	base := sc.begin(len(ix.stats), len(groups))
	cands, next := sc.cands[:0], sc.next[:0]
	for k, g := range groups {
		had, got := base+uint32(k), base+uint32(k)+1 // levels before and after this word
		next = next[:0]
		switch {
		case k == 0:
			for _, t := range g.terms {
				for _, p := range ix.terms[t.id].post {
					if !ix.stats[p.doc].live {
						continue
					}
					if sc.lvl[p.doc] != got {
						sc.lvl[p.doc] = got
						sc.acc[p.doc] = 0
						next = append(next, p.doc)
					}
					sc.acc[p.doc] += score(t.w, p)
				}
			}
		case len(g.terms) == 1 && len(cands)*bits.Len(uint(g.size)) < g.size:
			t := g.terms[0]
			post := ix.terms[t.id].post
			for _, d := range cands {
				i := sort.Search(len(post), func(i int) bool { return post[i].doc >= d })
				if i < len(post) && post[i].doc == d {
					sc.lvl[d] = got
					sc.acc[d] += score(t.w, post[i])
					next = append(next, d)
				}
			}
		default:
			for _, t := range g.terms {
				for _, p := range ix.terms[t.id].post {
					switch sc.lvl[p.doc] {
					case had:
						sc.lvl[p.doc] = got
						next = append(next, p.doc)
					case got:
					default:
						continue
					}
					sc.acc[p.doc] += score(t.w, p)
				}
			}
		}
		cands, next = next, cands
		if len(cands) == 0 {
			break
		}
	}
	sc.cands, sc.next = cands, next
	return cands
}
