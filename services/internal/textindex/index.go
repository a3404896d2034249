package textindex

import (
	"math"
	"slices"
	"sync"
)

// Field is one part of a document's text. Weight says how much a word in it
// counts, so a title can outweigh a body; a Weight that is not positive
// counts as 1.
type Field struct {
	Text   string
	Weight float64
}

// Index is a concurrency-safe inverted index. The zero value is not usable:
// call New.
type Index struct {
	mu sync.RWMutex

	dict  map[string]uint32 // term text → term id
	terms []term            // by term id
	tf    []float32         // by term id; a write's per-document counts, zero between writes
	seen  []uint32          // a write's distinct term ids, reused

	// sorted holds term ids in text order for prefix expansion; new terms
	// wait in tail until mergeAt of them have come.
	sorted, tail []uint32
	mergeAt      int

	ids   map[string]uint32 // live document id → ordinal
	stats []docStat         // by ordinal; read for every posting a search visits
	meta  []docMeta         // by ordinal; read once per matching document

	groupIDs   map[string]uint32
	groupNames []string // by group id

	live     int     // live documents
	dead     int     // dead ordinals awaiting compaction
	totalLen float64 // weighted length of the live documents
	// compactAt is the least number of dead ordinals worth a compaction.
	compactAt int

	scratch   sync.Pool // *scratch, per search
	analyzers sync.Pool // *analysis, per write
}

// term is one dictionary entry.
type term struct {
	text string
	post []posting
	df   int // live documents that contain the term
}

// posting is one document containing a term, with the term's field-weighted
// frequency in it.
type posting struct {
	doc uint32
	tf  float32
}

// docStat is what scoring needs of a document.
type docStat struct {
	length float32 // field-weighted number of terms
	group  uint32
	live   bool
}

// docMeta is the rest of a document, kept apart so postings scans stay in
// cache.
type docMeta struct {
	id    string
	terms []uint32 // distinct term ids, to keep document frequencies exact on delete
}

// New returns an empty index.
func New() *Index {
	return &Index{
		dict:      make(map[string]uint32),
		ids:       make(map[string]uint32),
		groupIDs:  make(map[string]uint32),
		mergeAt:   1024,
		compactAt: 1024,
	}
}

// Len returns the number of documents in the index.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.live
}

// analysis is a document's terms, tokenized before the write lock is taken.
type analysis struct {
	tk     tokenizer
	buf    []byte    // the terms, back to back
	ends   []int     // end of each term in buf
	weight []float32 // weight of each term's field
	length float64
}

// analyze tokenizes fields into a pooled analysis; release it with
// ix.analyzers.Put.
func (ix *Index) analyze(fields []Field) *analysis {
	a, _ := ix.analyzers.Get().(*analysis)
	if a == nil {
		a = new(analysis)
	}
	a.buf, a.ends, a.weight, a.length = a.buf[:0], a.ends[:0], a.weight[:0], 0
	for _, f := range fields {
		w := float32(f.Weight)
		if !(w > 0) || math.IsInf(float64(w), 1) {
			w = 1
		}
		a.tk.scan(f.Text, func(_, _ int, t []byte) {
			a.buf = append(a.buf, t...)
			a.ends = append(a.ends, len(a.buf))
			a.weight = append(a.weight, w)
			a.length += float64(w)
		})
	}
	return a
}

// Put adds a document, or replaces the one with the same id. The document
// belongs to group, which search results are grouped by.
func (ix *Index) Put(docID, group string, fields ...Field) {
	a := ix.analyze(fields)
	defer ix.analyzers.Put(a)

	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.remove(docID)
	ix.add(docID, group, a)
	ix.maybeCompact()
}

// Delete removes a document; deleting an absent id does nothing.
func (ix *Index) Delete(docID string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.remove(docID) {
		ix.maybeCompact()
	}
}

// add appends a document under a new ordinal. Ordinals only grow, which
// keeps every postings list sorted.
func (ix *Index) add(docID, group string, a *analysis) {
	ord := uint32(len(ix.stats))
	touched := ix.seen[:0]
	start := 0
	for i, end := range a.ends {
		t := a.buf[start:end]
		start = end
		id, ok := ix.dict[string(t)]
		if !ok {
			id = ix.newTerm(string(t))
		}
		if ix.tf[id] == 0 {
			touched = append(touched, id)
		}
		ix.tf[id] += a.weight[i]
	}
	for _, id := range touched {
		t := &ix.terms[id]
		t.post = append(t.post, posting{doc: ord, tf: ix.tf[id]})
		t.df++
		ix.tf[id] = 0
	}
	ix.seen = touched

	g, ok := ix.groupIDs[group]
	if !ok {
		g = uint32(len(ix.groupNames))
		ix.groupIDs[group] = g
		ix.groupNames = append(ix.groupNames, group)
	}
	ix.stats = append(ix.stats, docStat{length: float32(a.length), group: g, live: true})
	ix.meta = append(ix.meta, docMeta{id: docID, terms: slices.Clone(touched)})
	ix.ids[docID] = ord
	ix.live++
	ix.totalLen += a.length
}

// remove marks a document's ordinal dead and takes it out of the document
// frequencies; its postings stay until the next compaction.
func (ix *Index) remove(docID string) bool {
	ord, ok := ix.ids[docID]
	if !ok {
		return false
	}
	delete(ix.ids, docID)
	st := &ix.stats[ord]
	st.live = false
	for _, id := range ix.meta[ord].terms {
		ix.terms[id].df--
	}
	ix.meta[ord] = docMeta{}
	ix.live--
	ix.dead++
	ix.totalLen -= float64(st.length)
	return true
}

// maybeCompact compacts once dead ordinals are a quarter of all, so dead
// postings never cost searches more than a third extra.
func (ix *Index) maybeCompact() {
	if ix.dead >= ix.compactAt && ix.dead*4 >= len(ix.stats) {
		ix.compact()
	}
}

// compact drops dead documents, renumbering the live ones in order, and
// drops the terms no live document contains. It costs one pass over all
// postings.
func (ix *Index) compact() {
	const gone = math.MaxUint32
	ix.mergeTail() // the tail holds old term ids too; only the sorted list is remapped below

	// Documents and groups.
	ords := make([]uint32, len(ix.stats))
	stats := make([]docStat, 0, ix.live)
	meta := make([]docMeta, 0, ix.live)
	groupIDs := make(map[string]uint32)
	var groupNames []string
	for old, st := range ix.stats {
		if !st.live {
			ords[old] = gone
			continue
		}
		name := ix.groupNames[st.group]
		g, ok := groupIDs[name]
		if !ok {
			g = uint32(len(groupNames))
			groupIDs[name] = g
			groupNames = append(groupNames, name)
		}
		st.group = g
		ords[old] = uint32(len(stats))
		ix.ids[ix.meta[old].id] = uint32(len(stats))
		stats = append(stats, st)
		meta = append(meta, ix.meta[old])
	}

	// Terms, in place: postings keep their order because ordinals do.
	ids := make([]uint32, len(ix.terms))
	kept := 0
	for old := range ix.terms {
		t := ix.terms[old]
		if t.df == 0 {
			ids[old] = gone
			delete(ix.dict, t.text)
			continue
		}
		post := t.post[:0]
		for _, p := range t.post {
			if o := ords[p.doc]; o != gone {
				post = append(post, posting{doc: o, tf: p.tf})
			}
		}
		t.post = slices.Clip(post)
		ids[old] = uint32(kept)
		ix.dict[t.text] = uint32(kept)
		ix.terms[kept] = t
		kept++
	}
	clear(ix.terms[kept:])
	ix.terms = ix.terms[:kept]
	ix.tf = ix.tf[:kept]
	for i := range meta {
		for j, id := range meta[i].terms {
			meta[i].terms[j] = ids[id]
		}
	}
	sorted := ix.sorted[:0]
	for _, id := range ix.sorted {
		if n := ids[id]; n != gone {
			sorted = append(sorted, n)
		}
	}
	ix.sorted = sorted

	ix.stats, ix.meta = stats, meta
	ix.groupIDs, ix.groupNames = groupIDs, groupNames
	ix.dead = 0
	ix.totalLen = 0
	for _, st := range stats {
		ix.totalLen += float64(st.length)
	}
}
