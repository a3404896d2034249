package textindex

import "slices"

// best returns the best candidate of each group (the lowest document id on
// a tie), keeping only the groups allowGroup accepts when it is not nil.
func (ix *Index) best(sc *scratch, cands []uint32, allowGroup func(group string) bool) []groupHit {
	stamp := sc.beginGroups(len(ix.groupNames))
	res := sc.res[:0]
	for _, d := range cands {
		g := ix.stats[d].group
		s := sc.acc[d]
		if sc.gmark[g] != stamp {
			sc.gmark[g] = stamp
			sc.gidx[g] = int32(len(res))
			res = append(res, groupHit{doc: d, group: g, score: s})
			continue
		}
		h := &res[sc.gidx[g]]
		if s > h.score || s == h.score && ix.meta[d].id < ix.meta[h.doc].id {
			h.doc, h.score = d, s
		}
	}
	if allowGroup != nil {
		res = slices.DeleteFunc(res, func(h groupHit) bool { return !allowGroup(ix.groupNames[h.group]) })
	}
	sc.res = res
	return res
}

// before reports whether a ranks ahead of b: higher score, then lower group.
func (ix *Index) before(a, b groupHit) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return ix.groupNames[a.group] < ix.groupNames[b.group]
}

// page returns the hits from offset, at most limit of them (all when limit
// is not positive), selecting the top offset+limit before sorting them.
func (ix *Index) page(res []groupHit, offset, limit int) []Hit {
	offset = max(offset, 0)
	if offset >= len(res) {
		return nil
	}
	k := len(res)
	if limit > 0 && limit < len(res)-offset {
		k = offset + limit
	}
	top := res
	if k < len(res) {
		top = ix.selectTop(res, k)
	}
	slices.SortFunc(top, func(a, b groupHit) int {
		switch {
		case ix.before(a, b):
			return -1
		case ix.before(b, a):
			return 1
		}
		return 0
	})
	hits := make([]Hit, 0, k-offset)
	for _, h := range top[offset:k] {
		hits = append(hits, Hit{DocID: ix.meta[h.doc].id, Group: ix.groupNames[h.group], Score: h.score})
	}
	return hits
}

// selectTop moves the k best of res to its front, unordered, with a heap
// whose root is the worst kept so far; it returns res[:k].
func (ix *Index) selectTop(res []groupHit, k int) []groupHit {
	heap := res[:k]
	worse := func(i, j int) bool { return ix.before(heap[j], heap[i]) }
	down := func(i int) {
		for {
			c := 2*i + 1
			if c >= k {
				return
			}
			if c+1 < k && worse(c+1, c) {
				c++
			}
			if !worse(c, i) {
				return
			}
			heap[i], heap[c] = heap[c], heap[i]
			i = c
		}
	}
	for i := k/2 - 1; i >= 0; i-- {
		down(i)
	}
	for i := k; i < len(res); i++ {
		if ix.before(res[i], heap[0]) {
			heap[0], res[i] = res[i], heap[0]
			down(0)
		}
	}
	return heap
}
