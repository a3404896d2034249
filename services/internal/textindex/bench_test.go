package textindex

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// Sizes of the synthetic forum the benchmarks search: the 100,000
// posts in 1,000 threads, words from a Zipf-distributed vocabulary.
const (
	benchPosts   = 100_000
	benchThreads = 1_000
	benchVocab   = 5_000
)

// corpus is a synthetic forum: thread documents (title and body) and posts,
// with words drawn from a Zipf distribution like natural language.
type corpus struct {
	r     *rand.Rand
	zipf  *rand.Zipf
	vocab []string
	docs  []benchDoc
}

type benchDoc struct {
	id, group string
	fields    []Field
}

func newCorpus(seed uint64) *corpus {
	r := rand.New(rand.NewPCG(seed, seed))
	c := &corpus{r: r, zipf: rand.NewZipf(r, 1.1, 2, benchVocab-1)}
	// Pronounceable made-up words of 3 to 10 letters sharing prefixes, none
	// a stop word (they all carry a vowel-consonant pattern of 3+ letters).
	seen := map[string]bool{}
	const cons, vows = "bcdfghklmnprstvz", "aeiou"
	for len(c.vocab) < benchVocab {
		var sb strings.Builder
		n := 3 + r.IntN(8)
		for i := range n {
			if i%2 == 0 {
				sb.WriteByte(cons[r.IntN(len(cons))])
			} else {
				sb.WriteByte(vows[r.IntN(len(vows))])
			}
		}
		w := sb.String()
		if !seen[w] && !strings.HasSuffix(w, "s") {
			seen[w] = true
			c.vocab = append(c.vocab, w)
		}
	}
	return c
}

// forum fills the corpus with benchThreads threads and benchPosts posts.
func (c *corpus) forum() *corpus {
	r := c.r
	for t := range benchThreads {
		thread := fmt.Sprintf("forums/f%d/threads/t%04d", t%10, t)
		c.docs = append(c.docs, benchDoc{thread, thread, []Field{{Text: c.text(4 + r.IntN(8)), Weight: 2}, {Text: c.text(20 + r.IntN(61)), Weight: 1}}})
	}
	for p := range benchPosts {
		t := r.IntN(benchThreads)
		thread := fmt.Sprintf("forums/f%d/threads/t%04d", t%10, t)
		c.docs = append(c.docs, benchDoc{fmt.Sprintf("%s/posts/p%06d", thread, p), thread, []Field{{Text: c.text(20 + r.IntN(61)), Weight: 1}}})
	}
	return c
}

// word draws a word by its Zipf rank.
func (c *corpus) word() string { return c.vocab[c.zipf.Uint64()] }

func (c *corpus) text(words int) string {
	parts := make([]string, words)
	for i := range parts {
		parts[i] = c.word()
	}
	return strings.Join(parts, " ")
}

// query draws words like document words, cutting the last to its first
// three letters when prefix is set, as a resident still typing would.
func (c *corpus) query(words int, prefix bool) string {
	q := strings.Fields(c.text(words))
	if last := q[len(q)-1]; prefix && len(last) > 3 {
		q[len(q)-1] = last[:3]
	}
	return strings.Join(q, " ")
}

func (c *corpus) load(ix *Index) {
	for _, d := range c.docs {
		ix.Put(d.id, d.group, d.fields...)
	}
}

// BenchmarkSearch searches 100,000 posts in 1,000 threads and reports the
// 99th percentile latency besides the mean. AllowGroup refuses one thread
// in ten by a map lookup, as the forum's visibility check would.
func BenchmarkSearch(b *testing.B) {
	c := newCorpus(1).forum()
	ix := New()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	c.load(ix)
	took := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.Logf("loaded %d documents, %d terms in %v; index heap %d MiB",
		ix.Len(), len(ix.terms), took, (after.HeapAlloc-before.HeapAlloc)>>20)

	hidden := map[string]bool{}
	for t := 0; t < benchThreads; t += 10 {
		hidden[fmt.Sprintf("forums/f0/threads/t%04d", t)] = true
	}
	allow := func(group string) bool { return !hidden[group] }

	for _, words := range []int{1, 2, 3} {
		for _, prefix := range []bool{false, true} {
			queries := make([]string, 1000)
			for i := range queries {
				queries[i] = c.query(words, prefix)
			}
			b.Run(fmt.Sprintf("words=%d/prefix=%v", words, prefix), func(b *testing.B) {
				lat := make([]time.Duration, 0, b.N)
				found := 0
				for i := 0; b.Loop(); i++ {
					t0 := time.Now()
					_, total := ix.Search(queries[i%len(queries)], Query{Limit: 20, AllowGroup: allow})
					lat = append(lat, time.Since(t0))
					found += total
				}
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
				b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
				b.ReportMetric(float64(found)/float64(len(lat)), "groups/op")
			})
		}
	}
}

// BenchmarkPut measures one write into an index of 100,000 posts: a new
// document, or a replacement (which leaves a tombstone and so pays for the
// compactions in turn).
func BenchmarkPut(b *testing.B) {
	c := newCorpus(2).forum()
	for _, replace := range []bool{false, true} {
		b.Run(fmt.Sprintf("replace=%v", replace), func(b *testing.B) {
			ix := New()
			c.load(ix)
			for i := 0; b.Loop(); i++ {
				d := c.docs[i%len(c.docs)]
				id := d.id
				if !replace {
					id = fmt.Sprintf("new/%d", i)
				}
				ix.Put(id, d.group, d.fields...)
			}
		})
	}
}

// BenchmarkLoad measures the startup rebuild: 101,000 documents into an
// empty index.
func BenchmarkLoad(b *testing.B) {
	c := newCorpus(3).forum()
	for b.Loop() {
		c.load(New())
	}
	b.ReportMetric(float64(len(c.docs)), "docs/op")
}

// BenchmarkSnippet cuts a snippet from a long post, as a search page does
// for each of its results.
func BenchmarkSnippet(b *testing.B) {
	c := newCorpus(4)
	text := c.text(800) // about 5,000 code points
	q := strings.Fields(text)
	query := q[400] + " " + q[410][:3]
	for b.Loop() {
		Snippet(text, query, DefaultSnippetRunes)
	}
}
