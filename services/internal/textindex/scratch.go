package textindex

import "math"

// scratch is one search's working memory, pooled so a search allocates
// little. Arrays indexed by document ordinal or group id are never cleared:
// each search stamps them with values no earlier search used, so stale
// entries simply do not match.
type scratch struct {
	lvl  []uint32  // by ordinal: base + number of query words matched
	acc  []float64 // by ordinal: score so far; valid where lvl is current
	base uint32    // the highest level used by the last search

	cands, next []uint32 // ordinals still matching

	gmark []uint32 // by group: the stamp of the search that saw it
	gidx  []int32  // by group: its index in res
	stamp uint32

	res []groupHit
}

// getScratch takes a scratch from the pool.
func (ix *Index) getScratch() *scratch {
	if sc, ok := ix.scratch.Get().(*scratch); ok {
		return sc
	}
	return new(scratch)
}

// begin sizes the per-document arrays for docs ordinals and returns the
// base level of a search of words words: levels base+1 … base+words are
// unused so far.
func (sc *scratch) begin(docs, words int) uint32 {
	if len(sc.lvl) < docs {
		sc.lvl = append(sc.lvl, make([]uint32, docs-len(sc.lvl))...)
		sc.acc = append(sc.acc, make([]float64, docs-len(sc.acc))...)
	}
	if uint64(sc.base)+uint64(words)+1 > math.MaxUint32 {
		clear(sc.lvl)
		sc.base = 0
	}
	base := sc.base
	sc.base += uint32(words) + 1
	return base
}

// beginGroups sizes the per-group arrays for groups ids and returns a
// stamp no earlier search used.
func (sc *scratch) beginGroups(groups int) uint32 {
	if len(sc.gmark) < groups {
		sc.gmark = append(sc.gmark, make([]uint32, groups-len(sc.gmark))...)
		sc.gidx = append(sc.gidx, make([]int32, groups-len(sc.gidx))...)
	}
	if sc.stamp == math.MaxUint32 {
		clear(sc.gmark)
		sc.stamp = 0
	}
	sc.stamp++
	return sc.stamp
}
